"""Local mode: N executor subprocesses on loopback, supervised and replaced when they die.

They run exactly the executor a cluster runs; only their birth differs.
"""
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from ..common.config import executor_settings
from ..common.secret import hand_over
from ..executor.launch import executor_command
from ..executor import exit_status

log = logging.getLogger("zpark.driver")


class LocalExecutor:
    def __init__(self, executor_id, process, work_dir):
        self.executor_id = executor_id
        self.process = process
        self.work_dir = work_dir
        self.lost = False


class LocalCluster:
    def __init__(self, num_executors, driver_address, secret, work_root, conf, cores=1):
        self.num_executors = num_executors
        self.cores = cores
        self.driver_address = driver_address
        self.secret = secret
        self.work_root = work_root
        self.conf = conf
        self.max_restarts = int(conf.get("zpark.local.maxExecutorRestarts"))
        self.restarts = 0
        self.executors = {}
        self._counter = 0
        self._lock = threading.Lock()
        self._stopping = False
        self._oom = exit_status.OomWatch()    # executors share the driver's memory cgroup

    def start(self):
        for _ in range(self.num_executors):
            self._spawn()

    def _spawn(self):
        with self._lock:
            self._counter += 1
            executor_id = "exec-%d" % self._counter
        work_dir = os.path.join(self.work_root, executor_id)
        env = dict(os.environ)
        env.pop("ZPARK_SECRET", None)
        # Functions pickled by reference (from the user's modules) must import on the executor.
        env["PYTHONPATH"] = os.pathsep.join(p for p in [os.getcwd()] + sys.path if p)
        command = executor_command(self.driver_address, executor_id, self.cores, work_dir,
                                   executor_settings(self.conf), os.getpid(),
                                   hand_over(self.secret, self.work_root))
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
        self.executors[executor_id] = LocalExecutor(executor_id, process, work_dir)
        return executor_id

    def exited(self):
        """Executors whose process ended on its own: [(id, reason, whether its task caused it)]."""
        gone = []
        for executor in list(self.executors.values()):
            code = executor.process.poll()
            if code is not None and not executor.lost and not self._stopping:
                executor.lost = True
                oom = self._oom.struck()
                gone.append((executor.executor_id, exit_status.describe(code, oom),
                             exit_status.caused_by_task(code, oom)))
        return gone

    def on_removed(self, executor_id, reason):
        """The driver dropped this executor: start a replacement (bounded).

        Returns why no executor can come any more, once the cap is used up
        and none is left alive; else None.
        """
        executor = self.executors.get(executor_id)
        if executor is not None:
            executor.lost = True
        if self._stopping:
            return None
        if self.restarts >= self.max_restarts:
            log.error("not replacing executor %s: %d restarts already (zpark.local.maxExecutorRestarts)",
                      executor_id, self.restarts)
            alive = [e for e in self.executors.values() if not e.lost and e.process.poll() is None]
            if alive:
                return None
            return ("every local executor is lost and the %d replacements zpark.local.maxExecutorRestarts "
                    "allows are used up (the last loss: %s: %s)" % (self.max_restarts, executor_id, reason))
        self.restarts += 1
        new_id = self._spawn()
        log.warning("replacing lost executor %s (%s) with %s", executor_id, reason, new_id)
        return None

    def pids(self):
        executors = list(self.executors.values())  # the scheduler thread may add one meanwhile
        return {e.executor_id: e.process.pid for e in executors if e.process.poll() is None}

    def stop(self, timeout=3.0):
        self._stopping = True
        deadline = time.monotonic() + timeout
        for executor in self.executors.values():
            try:
                left = max(0.01, deadline - time.monotonic()) if not executor.lost else 0.01
                executor.process.wait(timeout=left)
            except subprocess.TimeoutExpired:
                pass
            if executor.process.poll() is None:
                try:
                    os.kill(executor.process.pid, signal.SIGKILL)  # also ends a SIGSTOPped one
                except ProcessLookupError:
                    pass
                executor.process.wait()
        shutil.rmtree(self.work_root, ignore_errors=True)
