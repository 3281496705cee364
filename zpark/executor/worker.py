"""The executor daemon of a cluster (``zpark executor --master URL``), one per container or machine.

It registers with the master and heartbeats it. When the master assigns it to
an application it starts one executor process for that application (the very
executor local mode runs), pointed at the application's driver. When the
application ends, its driver dies or the master says so, that process is
stopped and its work directory (shuffle files, cached blocks) deleted, so
nothing of one application outlives it; broadcasts die with the process.
"""
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections import namedtuple

import psutil
import zmq

from ..common import messages, protocol, security
from ..common.config import EXECUTOR_KEYS, Conf, executor_settings
from ..common.secret import hand_over
from . import exit_status
from .launch import executor_command

log = logging.getLogger("zpark.worker")

HEARTBEAT_SECONDS = 1.0
FROM_MASTER = (messages.WorkerRegistered, messages.WorkerHeartbeatOk, messages.WorkerReregister,
               messages.LaunchExecutor, messages.KillApp)
HEALTH_FILE = "/tmp/zpark-executor.alive"


def local_ip_towards(url):
    """The address of the interface this machine uses to reach ``url``'s host (what peers can dial)."""
    host = url.split("://", 1)[-1].rsplit(":", 1)[0]
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect((host, 9))  # UDP connect sends nothing; it only picks a route
        return probe.getsockname()[0]
    except OSError:
        return socket.gethostbyname(socket.gethostname())
    finally:
        probe.close()


AppExecutor = namedtuple("AppExecutor", "executor_id process oom_watch")


class Worker:
    def __init__(self, master_url, secret, cores=1, work_root="/tmp/zpark-work", advertise_host=None,
                 health_file=HEALTH_FILE, block_port=0, crypto=True, block_host="0.0.0.0"):
        self.master_url = master_url
        self.secret = secret
        self.codec = protocol.Codec(secret, security.cluster_keys(secret) if crypto else None, protocol.MAX_CONTROL_BYTES)
        self.cores = cores
        self.work_root = work_root
        self.advertise_host = advertise_host
        self.health_file = health_file
        self.block_port = block_port
        self.block_host = block_host
        self.worker_id = protocol.incarnation_id("worker-" + socket.gethostname())
        self.apps = {}                 # app id -> AppExecutor
        self._stopping = False

    def run(self):
        # Folders left by a previous incarnation (a crash, `docker kill`) belong to nobody now.
        shutil.rmtree(self.work_root, ignore_errors=True)
        os.makedirs(self.work_root, exist_ok=True)
        signal.signal(signal.SIGTERM, lambda *_: self.stop())
        self.zmq = zmq.Context()
        self.zmq.linger = 0
        self.master = protocol.connect_dealer(self.zmq, self.master_url, self.worker_id, self.codec.keys, protocol.MAX_CONTROL_BYTES)
        self._register()
        next_heartbeat = time.monotonic() + HEARTBEAT_SECONDS
        try:
            while not self._stopping:
                if self.master.poll(200):
                    for header, _ in protocol.signed_messages(self.master, self.codec, "the master"):
                        try:
                            message = messages.decode(header, FROM_MASTER)
                        except messages.BadMessage as exc:
                            log.warning("refused a message from the master: %s", exc)
                            continue
                        self._on_message(message)
                self._reap()
                if time.monotonic() >= next_heartbeat:
                    next_heartbeat = time.monotonic() + HEARTBEAT_SECONDS
                    running = self._running()
                    self._send(messages.WorkerHeartbeat(self.worker_id,
                                                        executor_id=running[1].executor_id if running else ""))
        finally:
            for app_id in list(self.apps):
                self._stop_app(app_id, report=False)
            self.master.close(0)
            self.zmq.term()

    def stop(self):
        self._stopping = True

    def _register(self):
        ip = self.advertise_host or local_ip_towards(self.master_url)
        running = self._running()
        self._send(messages.WorkerRegister(self.worker_id, socket.gethostname(), ip, self.cores,
                                           psutil.virtual_memory().total,
                                           running[0] if running else None,
                                           running[1].executor_id if running else None))

    def _running(self):
        """(app id, AppExecutor) of the executor this worker runs, or None (it serves one application at a time)."""
        return next(iter(self.apps.items()), None)

    def _send(self, message):
        self.master.send_multipart(self.codec.encode_message(message))

    def _on_message(self, message):
        if isinstance(message, (messages.WorkerRegistered, messages.WorkerHeartbeatOk)):
            _touch(self.health_file)
        elif isinstance(message, messages.WorkerReregister):
            # The master forgot us (it restarted, or we were cut off): register again, with the
            # executor we run, so a running application keeps it; if its driver is gone too, the
            # master ends the application by its timeout and tells us to stop it.
            log.warning("the master does not know this executor any more; registering again")
            self._register()
        elif isinstance(message, messages.LaunchExecutor):
            self._launch(message)
        elif isinstance(message, messages.KillApp):
            self._stop_app(message.app_id, report=False)

    # ------------------------------------------------------------ executor processes

    def _launch(self, launch):
        app_id, executor_id = launch.app_id, launch.executor_id
        if app_id in self.apps:
            self._stop_app(app_id, report=False)
        try:
            app_secret = security.unwrap(self.secret, launch.app_secret)
        except ValueError as exc:
            # Only a master with another cluster secret could send this, and it could not have been
            # verified: nothing to report to it.
            log.error("not starting an executor for %s: %s", app_id, exc)
            return
        given = {k: v for k, v in launch.conf.items() if k in EXECUTOR_KEYS}
        work_dir = os.path.join(self.work_root, app_id, executor_id)
        env = {k: v for k, v in os.environ.items() if k != "ZPARK_SECRET"}
        command = executor_command(launch.driver_url, executor_id, self.cores, work_dir,
                                   executor_settings(Conf(given, load_environment=False)), os.getpid(),
                                   hand_over(app_secret, self.work_root), bind_host=self.block_host,
                                   advertise_host=self.advertise_host or local_ip_towards(launch.driver_url),
                                   block_port=self.block_port)
        log.info("starting executor %s for %s (driver %s)", executor_id, app_id, launch.driver_url)
        oom_watch = exit_status.OomWatch()      # the container's memory cgroup, before the executor runs
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
        self.apps[app_id] = AppExecutor(executor_id, process, oom_watch)

    def _stop_app(self, app_id, report=True):
        running = self.apps.pop(app_id, None)
        if running is None:
            return
        if running.process.poll() is None and not graceful_wait(running.process, 1.0):
            running.process.terminate()
            try:
                running.process.wait(3)
            except subprocess.TimeoutExpired:
                running.process.kill()
                running.process.wait()
        shutil.rmtree(os.path.join(self.work_root, app_id), ignore_errors=True)
        log.info("executor %s for %s ended (exit code %s); its files are deleted",
                    running.executor_id, app_id, running.process.returncode)
        if report:
            code = running.process.returncode
            oom = running.oom_watch.struck()
            reason = exit_status.describe(code, oom)
            log.warning("executor %s of %s: %s", running.executor_id, app_id, reason)
            self._send(messages.WorkerExecutorExited(self.worker_id, app_id, running.executor_id,
                                                     exit_status.shell_status(code), reason,
                                                     exit_status.caused_by_task(code, oom)))

    def _reap(self):
        """An executor process that ended by itself: its driver must learn how, through the master."""
        for app_id, running in list(self.apps.items()):
            if running.process.poll() is not None:
                self._stop_app(app_id)


def graceful_wait(process, seconds):
    """An executor told to shut down by its driver usually exits by itself in a moment."""
    try:
        process.wait(seconds)
        return True
    except subprocess.TimeoutExpired:
        return False


def _touch(path):
    try:
        with open(path, "a"):
            os.utime(path)
    except OSError:
        pass


def healthy(path=HEALTH_FILE, max_age=15.0):
    """For the container healthcheck: the master answered this daemon recently."""
    try:
        return time.time() - os.path.getmtime(path) < max_age
    except OSError:
        return False
