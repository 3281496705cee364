"""The executor process: ``cores + 1`` threads sharing the driver's socket and the tasks, a block server.

Whichever of the threads leads (crew.py) waits on the DEALER to the driver
and handles what comes; a task it receives it runs itself while another
thread takes the lead. Each thread also dials the driver with a DEALER of
its own (routing id ``<executor id>#<n>``) and sends what its tasks report
on it, so an answer waits for no other thread (ZeroMQ sockets are not
thread-safe: one per thread); other threads (the memory watchdog) leave
messages in an outbox and wake the leader through an inproc PUSH/PULL pair.
The executor dials out, so it works behind NAT and reconnects by itself.
"""
import argparse
import cProfile
import gc
import logging
import os
import queue
import socket
import sys
import threading
import time

import psutil
import zmq

from ..data import columnar
from ..common import config, messages, protocol, security, serialization
from ..common.secret import take_over
# Every stage binary names the RDD classes: imported with the executor (before it registers), as numpy
# is (columnar.preload), so the first task does not import them (45 ms here).
from ..rdd import base as _rdd_classes  # noqa: F401
from .barrier_waits import BarrierWaits
from .block_server import BlockServer
from . import memory_watchdog
from .block_store import BlockStore
from .crew import KEEP_SECONDS, LEAD, Crew
from .shuffle_reader import Fetcher, ShuffleReader
from .task_runner import QueuedTask, TaskRuntime, context_for, killed_report, run_task
from .task_table import TaskTable

log = logging.getLogger("zpark.executor")

FROM_DRIVER = (messages.LaunchTask, messages.StageBinary, messages.BroadcastValue, messages.KillTask,
               messages.RemoveBroadcast, messages.RemoveRDD, messages.RemoveShuffle, messages.RemoveStage,
               messages.PeerLost, messages.BarrierReply,
               messages.Shutdown, messages.DeclaredLost)


class Executor:
    def __init__(self, driver_address, executor_id, cores, secret, work_dir, bind_host, advertise_host,
                 parent_pid, heartbeat_interval, fetch_timeout, block_port, memory_bytes, memory_limit_bytes,
                 crypto=True, max_message_bytes=protocol.MAX_MESSAGE_BYTES, read_host_local=True):
        self.driver_address = driver_address
        self.executor_id = executor_id
        self.cores = cores
        # ``secret`` is its application's: it signs messages and, with crypto on, gives the CURVE keys.
        self.codec = protocol.Codec(secret, security.app_keys(secret) if crypto else None, max_message_bytes)
        self.work_dir = work_dir
        self.bind_host = bind_host
        self.advertise_host = advertise_host
        self.parent_pid = parent_pid
        self.heartbeat_interval = heartbeat_interval
        self.fetch_timeout = fetch_timeout
        self.read_host_local = read_host_local      # read same-machine peers' shuffle files (ShuffleReader)
        self.block_port = block_port
        self.memory_bytes = memory_bytes
        self.memory_limit_bytes = memory_limit_bytes
        self.binaries = {}          # stage id -> pickled bytes, then the unpickled (rdd, work)
        self.binary_lock = threading.Lock()
        self.table = TaskTable()    # every task attempt from arrival until its thread is done with it
        self.table_lock = threading.Lock()
        self.crew = Crew(cores)
        self.outbox = queue.SimpleQueue()  # (message, payload) from task threads for the driver
        self._thread_sockets = threading.local()   # a crew thread's DEALER, another thread's PUSH to the leader
        self.dead_addresses = set()
        self.stopping = False
        self._stopped = threading.Event()   # set by the thread that ends the executor (or fails)
        self._failure = None                # what a crew thread raised, re-raised by ``run``
        self._next_heartbeat = 0.0
        self._last_stage = None             # of the last task received (the crew's hint, crew.py)
        self.profile_dir = os.environ.get("ZPARK_PROFILE_DIR")
        self._process = psutil.Process()

    # ------------------------------------------------------------ set-up

    def run(self):
        self.zmq = zmq.Context()
        self.zmq.linger = 0
        if self.codec.keys is not None:
            security.Gate(self.zmq).admit(self.codec.keys)    # who may fetch from the block server
        self.store = BlockStore(self.work_dir)
        self.block_server = BlockServer(self.zmq, self.codec, self.store, self.bind_host,
                                        self.advertise_host, self.block_port).start()
        peers_root = os.path.dirname(os.path.abspath(self.work_dir)) if self.read_host_local else None
        reader = ShuffleReader(self.executor_id, self.store, lambda: Fetcher(
            self.zmq, self.codec, self.executor_id + "-fetch", self.fetch_timeout, self.dead_addresses), peers_root)
        self.reader = reader
        spill_dir = os.path.join(self.work_dir, "spill")
        os.makedirs(spill_dir, exist_ok=True)
        self.runtime = TaskRuntime(self.executor_id, self.store, reader, self._fetch_cached,
                                   self.memory_bytes // max(1, self.cores), spill_dir,
                                   BarrierWaits(self._post, self.crew.lead_needed))
        self.results = self.zmq.socket(zmq.PULL)
        self.results.bind("inproc://results")
        self.driver = protocol.connect_dealer(self.zmq, self.driver_address, self.executor_id, self.codec.keys,
                                              self.codec.max_message_bytes)
        self._poller = zmq.Poller()
        self._poller.register(self.driver, zmq.POLLIN)
        self._poller.register(self.results, zmq.POLLIN)
        columnar.preload()
        self._send(messages.Register(self.executor_id, self.cores, self.block_server.address,
                                     os.getpid(), socket.gethostname()))
        for i in range(self.cores + 1):
            threading.Thread(target=self._crew_member, args=(i,), name="crew-%d" % i, daemon=True).start()
        threading.Thread(target=self._keep_the_lead, name="lead-keeper", daemon=True).start()
        memory_watchdog.start(self.memory_limit_bytes, self._report_fatal)
        try:
            self._stopped.wait()
            if self._failure is not None:
                raise self._failure
        finally:
            self._stop()
            self.block_server.stop()
            self.store.close()

    def _send(self, message, payload=(), sock=None):
        """To the driver, on the executor's DEALER (the leader's) unless ``sock`` (a crew thread's own) is given."""
        protocol.send_frames(self.driver if sock is None else sock, self.codec.encode_message(message, payload))

    def _post(self, message, payload=()):
        """From any thread but the leader: a crew thread sends on its own DEALER; any other queues the
        message for the leader and wakes it."""
        direct = getattr(self._thread_sockets, "driver", None)
        if direct is not None:
            self._send(message, payload, direct)
            return
        self.outbox.put((message, list(payload)))
        push = getattr(self._thread_sockets, "push", None)
        if push is None:
            push = self._thread_sockets.push = self.zmq.socket(zmq.PUSH)
            push.connect("inproc://results")
        push.send(b"")

    def _report_fatal(self, reason):
        """From another thread, just before the process ends itself: the leader tells the driver why."""
        self._post(messages.ExecutorFatal(reason))
        self.crew.lead_needed()      # the lead may be free while a task runs (crew.py)
        time.sleep(0.3)              # the leader sends it meanwhile

    # ------------------------------------------------------------ the crew's threads

    def _crew_member(self, index):
        """One of the ``cores + 1`` threads: lead or run tasks, as the crew says, until the executor stops."""
        try:
            self._thread_sockets.driver = protocol.connect_dealer(
                self.zmq, self.driver_address, "%s%s%d" % (self.executor_id, messages.TASK_THREAD_MARK, index),
                self.codec.keys, self.codec.max_message_bytes)
            while True:
                turn = self.crew.next_turn()
                if turn is None:
                    return
                task = self._lead() if turn is LEAD else turn
                if task is not None:
                    self._run_to_the_end(task)
        except BaseException as exc:  # noqa: BLE001 - the executor ends with it, visibly (``run`` raises it)
            self._failure = exc
            self._stopped.set()

    def _lead(self):
        """Handle the driver's messages until one brings a task this thread should run (returned), or the
        executor stops (None)."""
        while not self.stopping:
            now = time.monotonic()
            if now >= self._next_heartbeat:
                self._send(messages.Heartbeat(self.executor_id, self._resident_bytes()))
                self._next_heartbeat = now + self.heartbeat_interval
                if self.parent_pid and not _alive(self.parent_pid):
                    log.warning("driver process %d is gone; exiting", self.parent_pid)
                    self._stop()
                    break
            ready = dict(self._poller.poll(max(1, int((self._next_heartbeat - now) * 1000))))
            if self.results in ready:
                self._send_results()
            if self.driver in ready:
                for header, payload in protocol.signed_messages(self.driver, self.codec, "the driver"):
                    try:
                        items = protocol.unbundle(header, payload, FROM_DRIVER)
                    except messages.BadMessage as exc:
                        log.warning("refused a message from the driver: %s", exc)
                        continue
                    for message, frames in items:
                        self._dispatch(message, frames)
                    if self.stopping:
                        break
            task = self.crew.take_or_keep_lead()
            if task is not None:
                return task
        return None

    def _keep_the_lead(self):
        """The lead is not left free for long while a task runs (crew.py says why it may be at all)."""
        while not self.crew.stopped:
            time.sleep(KEEP_SECONDS)
            self.crew.keep()

    def _stop(self):
        self.stopping = True
        self.crew.stop()
        self._stopped.set()

    def _resident_bytes(self):
        try:
            return self._process.memory_info().rss
        except psutil.Error:
            return 0

    def _send_results(self):
        self.results.recv(zmq.NOBLOCK)   # one wake-up token a turn: more make the next poll return at once
        done = []
        while not self.outbox.empty():
            done.append(self.outbox.get())
        if len(done) == 1:
            self._send(*done[0])
        elif done:
            protocol.send_frames(self.driver, self.codec.encode(*protocol.bundle(done)))

    def _dispatch(self, message, payload):
        if isinstance(message, messages.LaunchTask):
            with self.table_lock:
                fresh = self.table.launched(message.task_id)
            if fresh:
                self.crew.received(QueuedTask(message, payload[0] if payload else b""),
                                   more_expected=message.stage_id == self._last_stage)
                self._last_stage = message.stage_id
        elif isinstance(message, messages.StageBinary):
            with self.binary_lock:
                self.binaries[message.stage_id] = payload[0] if payload else b""
        elif isinstance(message, messages.BroadcastValue):
            self.store.put_broadcast(message.broadcast_id, payload[0] if payload else b"")
        elif isinstance(message, messages.KillTask):
            with self.table_lock:
                running = self.table.kill(message.task_id)
            if running is not None:
                running.killed = True
        elif isinstance(message, messages.RemoveBroadcast):
            self.store.remove_broadcast(message.broadcast_id)
        elif isinstance(message, messages.RemoveRDD):
            self.store.remove_rdd(message.rdd_id)
        elif isinstance(message, messages.RemoveShuffle):
            self.store.remove_shuffle(message.shuffle_id)
            self.reader.forget_shuffle(message.shuffle_id)
            self.runtime.combine_probes.pop(message.shuffle_id, None)
        elif isinstance(message, messages.RemoveStage):
            with self.binary_lock:
                self.binaries.pop(message.stage_id, None)
        elif isinstance(message, messages.BarrierReply):
            self.runtime.barrier_waits.deliver(message)
        elif isinstance(message, messages.PeerLost):
            self.dead_addresses.add(message.address)
        elif isinstance(message, (messages.Shutdown, messages.DeclaredLost)):
            log.info("executor %s stopping: %s", self.executor_id, message.reason)
            self._stop()

    # ------------------------------------------------------------ running tasks

    def _binary(self, stage_id):
        with self.binary_lock:
            binary = self.binaries.get(stage_id)
            if isinstance(binary, (bytes, bytearray, memoryview)):
                binary = self.binaries[stage_id] = serialization.loads(binary)
            return binary

    def _run_to_the_end(self, task):
        try:
            try:
                report = self._attempt(task)
            finally:
                with self.table_lock:
                    self.table.finished(task.launch.task_id)
            self._post(*report)
        finally:
            self.crew.task_ended()

    def _attempt(self, task):
        """Load a task and run it, unless the table says it was killed first: (header, payload) to report."""
        tid = task.launch.task_id
        with self.table_lock:
            go = self.table.start_loading(tid)
        if not go:
            return killed_report(tid, "killed before it started")
        try:
            binary = self._binary(task.launch.stage_id)
            if binary is None:   # its job ended and the driver released the stage: a leftover copy
                return killed_report(tid, "its stage was released")
            task.inputs = serialization.loads(task.inputs_bytes)
            task.inputs_bytes = None
            tc = context_for(task, self.runtime)
        except Exception as exc:  # noqa: BLE001 - e.g. a module missing on this executor
            return messages.TaskFailedReport(tid, "exception", "could not load the task on executor %s: %s: %s"
                                             % (self.executor_id, type(exc).__name__, exc)), []
        with self.table_lock:
            go = self.table.start_running(tid, tc)
        if not go:
            return killed_report(tid, "killed while it was loading")
        return self._run(task, binary, tc)

    def _run(self, task, binary, tc):
        """Runs a task, under cProfile when ZPARK_PROFILE_DIR names a folder for the stats files."""
        if not self.profile_dir:
            return run_task(task, binary, self.runtime, tc)
        profiler = cProfile.Profile()
        try:
            return profiler.runcall(run_task, task, binary, self.runtime, tc)
        finally:
            profiler.dump_stats(os.path.join(self.profile_dir, "%s-task-%d.prof"
                                             % (self.executor_id, task.launch.task_id)))

    def _fetch_cached(self, address, key):
        fetcher = self.reader.fetcher()
        try:
            rid = fetcher.request(address, lambda request_id: messages.FetchCached(request_id, *key))
            reply, payload = fetcher.wait(address, rid, messages.Cached, "fetching cached block rdd_%d_%d" % key)
        except (OSError, zmq.ZMQError):
            return None
        return serialization.loads(payload[0]) if reply.found and payload else None


def _alive(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def tune_garbage_collector():
    """Collect cycles only once a million more containers are alive than at the last collection.

    CPython's young collection runs when tracked objects allocated minus
    those freed passes the threshold (700 by default). A task holds its
    records (a generated partition, a chunk being grouped, a cached
    partition) while it works on them, so with a low threshold the collector
    rescans them again and again: a quarter of a PageRank task's time at
    the default, and 20 % of generating 625,000 pairs at 100,000. Most tasks
    never hold a million new containers, so they are not scanned at all.
    The cost is that cyclic garbage (rare in data pipelines) can grow to
    about a million objects before it is collected.
    """
    gc.freeze()  # the interpreter's and zpark's own objects never need scanning again
    gc.set_threshold(1_000_000, 50, 100)


GIL_SWITCH_SECONDS = 0.0005


def share_the_interpreter_quickly():
    """Let a waiting thread take the GIL after 0.5 ms of a busy task, not CPython's 5 ms.

    While a task computes, this executor's block server must answer other
    executors' fetches and its loop thread must pass messages on; each
    waited up to 5 ms for the task thread, stalling reducers elsewhere. With
    0.5 ms, PageRank and the shuffle ran 10-25 % faster in interleaved runs
    (bench/README.md); the task thread loses nothing measurable.
    """
    sys.setswitchinterval(GIL_SWITCH_SECONDS)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="zpark-executor")
    parser.add_argument("--driver", required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--secret-file", required=True, help="read once and deleted (secret.hand_over)")
    parser.add_argument("--parent-pid", type=int)
    parser.add_argument("--bind-host", default="127.0.0.1", help="interface of the block server")
    parser.add_argument("--advertise-host", default="127.0.0.1", help="address peers dial the block server at")
    parser.add_argument("--block-port", type=int, default=0, help="block server port (0: any free one)")
    for name in config.EXECUTOR_KEYS:   # each setting's flag, type, default and help come from its key
        key = config.KEYS[name]
        kind = config.parse_bool if isinstance(key.default, bool) else type(key.default)
        parser.add_argument(key.executor_flag, type=kind, default=key.default, help="%s (%s)" % (key.doc, name))
    args = parser.parse_args(argv)
    tune_garbage_collector()
    share_the_interpreter_quickly()
    budget = config.parse_size(args.memory)
    limit = config.parse_size(args.memory_limit) if args.memory_limit else config.default_memory_limit(budget)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s executor %(name)s: %(message)s")
    os.umask(0o077)   # work directories, shuffle, cache and spill files: owner-only
    try:
        secret = take_over(args.secret_file)
    except OSError as exc:
        sys.exit("zpark executor: cannot read the secret file %s: %s" % (args.secret_file, exc))
    if not secret:
        sys.exit("zpark executor: the secret file %s is empty" % args.secret_file)
    Executor(args.driver, args.id, args.cores, secret, args.work_dir, bind_host=args.bind_host,
             advertise_host=args.advertise_host, parent_pid=args.parent_pid,
             heartbeat_interval=args.heartbeat_interval, fetch_timeout=args.fetch_timeout,
             block_port=args.block_port, memory_bytes=budget, memory_limit_bytes=limit, crypto=args.crypto,
             max_message_bytes=config.parse_size(args.max_message_size),
             read_host_local=args.read_host_local).run()
