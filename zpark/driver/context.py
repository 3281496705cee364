"""The Context: the driver's entry point (PySpark's SparkContext)."""
import getpass
import itertools
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
import weakref
from collections import namedtuple

import zmq

from ..common import protocol, security, serialization
from ..common.config import Conf, executor_settings, parse_size, redact
from ..common.secret import find_secret
from ..common.errors import ZparkError
from ..common.task_context import TaskContext
from ..scheduler import events as m
from ..rdd.accumulators import Accumulator, default_param
from ..rdd.base import RDD, call_site
from ..rdd.broadcast import Broadcast
from ..rdd.narrow import union_of
from ..rdd.sources import BinaryFiles, Empty, ParallelCollection, PickleFile, TextFile, WholeTextFiles
from .backend import Backend
from . import listeners
from .app_model import AppModel
from .cleaner import ContextCleaner
from .stage_serialization import DriverOnly
from .event_log import EventLog, NullEventLog
from .local_cluster import LocalCluster
from .progress import ConsoleProgress
from .status import StatusTracker
from .standalone import StandaloneApp

log = logging.getLogger("zpark")

ExecutorInfo = namedtuple("ExecutorInfo", "executor_id pid host block_address work_dir")

_OPTION_KEYS = {"speculation": "zpark.speculation", "max_failures": "zpark.task.maxFailures"}


_LOCAL = re.compile(r"local\[\s*([^,\]]*)\s*(?:,\s*([^\]]*))?\]")


_LOCAL_CLUSTER = re.compile(r"local-cluster\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]")


def parse_local_cluster(master):
    """'local-cluster[N, CORES, MEMORY_MB]' (the form PySpark's own tests use) -> (N, CORES, MEMORY_MB)."""
    found = _LOCAL_CLUSTER.fullmatch(master)
    if found is None or min(int(g) for g in found.groups()) < 1:
        raise ZparkError("Invalid master %r: use local-cluster[N, CORES, MEMORY_MB] with numbers >= 1" % master)
    return tuple(int(g) for g in found.groups())


def parse_local_master(master):
    """'local' -> 1, 'local[4]' -> 4, 'local[*]' -> cores (at least 2), 'local-cluster[N, C, M]' -> N;
    None for other masters.

    Anything else that starts with ``local`` is an error naming the forms that work.
    """
    if master == "local":
        return 1
    if master.startswith("local-cluster"):
        return parse_local_cluster(master)[0]
    if not master.startswith("local"):
        return None
    found = _LOCAL.fullmatch(master)
    count = found.group(1) if found else None
    if count == "*":
        return max(2, os.cpu_count() or 2)
    if count is None or not count.isdigit() or int(count) < 1:
        raise ZparkError("Invalid master %r: use local, local[N] with N >= 1 executors, or local[*] "
                         "(one per core)" % master)
    return int(count)


class _Counting:
    """Passes records through, counting them (output metrics of save actions)."""

    def __init__(self, iterator):
        self._iterator = iter(iterator)
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self):
        record = next(self._iterator)
        self.count += 1
        return record


def _decode_while_running(backend, handle):
    """Run the job to its end (this thread usually runs the driver's loop meanwhile, loop_lead.py),
    unpickling each result partition as it counts: {partition: value}.

    Decoding a large result (a collect of millions of records) takes the
    driver tens of milliseconds a partition; done as the partitions finish,
    only the last one is left when the job ends. A value that cannot be
    decoded now is decoded again at the end, where its error is raised.
    """
    decoded = {}

    def take_arrived():
        while not handle.accepted.empty():
            arrived = handle.accepted.get()
            if arrived is None:
                return
            partition, data = arrived
            try:
                decoded[partition] = serialization.loads(data)
            except Exception:  # noqa: BLE001 - raised where every result is decoded, after the job
                pass

    backend.wait_for(handle, take_arrived)
    take_arrived()
    return decoded


class Context(DriverOnly):
    """Entry point of a zpark application: creates RDDs, broadcasts and accumulators, runs jobs.

    ``Context()`` starts local mode with one executor subprocess per core
    (at least 2). Use it as a context manager, or call ``stop()``.
    """

    _active = None
    _active_lock = threading.Lock()

    def __init__(self, master=None, appName=None, conf=None, *, app_name=None, **options):
        values = dict(conf.getAll()) if isinstance(conf, Conf) else dict(conf or {})
        self._conf = Conf()
        self._conf.update(values)
        if master:
            self._conf.set("zpark.master", master)
        if appName or app_name:
            self._conf.set("zpark.app.name", appName or app_name)
        for key, value in options.items():
            self._conf.set(_OPTION_KEYS.get(key, key if key.startswith("zpark.") else "zpark." + key), value)
        self.applicationId = None
        self.master = self._conf.get("zpark.master")
        self._local_executors = parse_local_master(self.master)   # a malformed master fails here
        self._executor_cores = 1
        if self.master.startswith("local-cluster"):
            _, self._executor_cores, memory_mb = parse_local_cluster(self.master)
            self._conf.setIfMissing("zpark.executor.memory", "%dm" % memory_mb)
        with Context._active_lock:
            if Context._active is not None:
                raise ZparkError("A Context is already running in this process (%s); stop() it first"
                                 % Context._active.applicationId)
            Context._active = self
        self._rdd_ids = itertools.count()
        self._job_ids = itertools.count()
        self._accumulator_ids = itertools.count()
        self._broadcast_ids = itertools.count()
        # Held weakly: what the program drops is cleaned up everywhere (cleaner.py).
        self._accumulators = weakref.WeakValueDictionary()
        self._broadcasts = weakref.WeakValueDictionary()
        self._persisted = weakref.WeakValueDictionary()
        self._cleaner = ContextCleaner()
        self._stopped = False
        self._running_jobs = {}               # job id -> the local properties it was submitted with
        self._thread_local = threading.local()
        self._shared_properties = {}          # properties every job carries, whichever thread submits it
        self._checkpoint_dir = None
        self._checkpoints_marked = 0          # RDDs marked by checkpoint()/localCheckpoint() not yet done
        self.master = self._conf.get("zpark.master")
        self.appName = self._conf.get("zpark.app.name")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        num_executors = self._local_executors
        cluster = num_executors is None
        if cluster and not self.master.startswith("tcp://"):
            raise ZparkError("Unsupported master %r: use local, local[N], local[*] or tcp://HOST:PORT "
                             "(a zpark master)" % self.master)
        self._zmq = zmq.Context()
        self._zmq.linger = 0
        self._cluster = self._standalone = self._gate = None
        crypto = bool(self._conf.get("zpark.network.crypto.enabled"))
        # This application's own secret: it signs its messages and, with crypto on, gives the keys its
        # driver, executors and block servers admit each other by (nobody else holds it).
        secret = security.new_app_secret()
        app_codec = protocol.Codec(secret, security.app_keys(secret) if crypto else None,
                                   parse_size(self._conf.get("zpark.network.maxMessageSize")))
        if crypto:
            self._gate = security.Gate(self._zmq)
            self._gate.admit(app_codec.keys)
        if cluster:
            cluster_secret = find_secret()
            cluster_codec = protocol.Codec(cluster_secret, security.cluster_keys(cluster_secret) if crypto else None)
            self._standalone = StandaloneApp(self._zmq, self.master, cluster_codec, self.appName, secret,
                                             security.wrap(cluster_secret, secret))
            self.applicationId = self._standalone.app_id
            advertise = self._conf.get("zpark.driver.host") or self._standalone.peer_host
            bind_host = self._conf.get("zpark.driver.bindAddress") or advertise
        else:
            self.applicationId = "local-%d" % int(time.time() * 1000)
            advertise = bind_host = "127.0.0.1"
        log_dir = self._conf.get("zpark.eventLog.dir") or os.path.join(tempfile.gettempdir(), "zpark-events")
        self._event_log = (EventLog(log_dir, self.applicationId) if self._conf.get("zpark.eventLog.enabled")
                           else NullEventLog())
        show = self._conf.get("zpark.ui.showConsoleProgress")
        self._progress = ConsoleProgress(None if show else False)
        self._backend = Backend(self._conf, app_codec, self._zmq, self._accumulators,
                                self._broadcasts, self._event_log, self._progress, bind_host=bind_host,
                                cleaner=self._cleaner)
        driver_url = "tcp://%s:%d" % (advertise, self._backend.port)
        start_timeout = float(self._conf.get("zpark.executor.startTimeout"))
        if not cluster:
            # Local executors start first: each takes a few tenths of a second to import and dial in,
            # while this process starts the web UI. Their registrations wait in the driver's socket
            # until the backend's thread runs, after the listeners are there to see every event. They
            # keep their shuffle files and cached blocks under one folder of this application.
            self._work_root = tempfile.mkdtemp(prefix="zpark-%s-" % self.applicationId,
                                               dir=self._conf.get("zpark.local.dir") or None)
            self._cluster = LocalCluster(num_executors, driver_url, secret, self._work_root, self._conf,
                                         self._executor_cores)
            self._cluster.start()
        self._start_listeners()
        self._event_log.write("ApplicationStart", {
            "app_id": self.applicationId, "app_name": self.appName, "master": self.master,
            "user": getpass.getuser(), "pid": os.getpid(), "python": sys.version.split()[0],
            "conf": {key: redact(key, value) for key, value in self._conf.getAll()}})
        self._defer_interrupts_inside_the_loop()
        if cluster:
            self._backend.exit_poller = self._standalone.exited
            self._backend.start()
            assigned = self._standalone.register(driver_url, int(self._conf.get("zpark.executor.instances")),
                                                 executor_settings(self._conf), self.uiWebUrl)
            self._standalone.start_heartbeats()
            self._wait_for_executors(max(1, assigned), start_timeout)
            return
        self._backend.on_executor_removed = self._cluster.on_removed
        self._backend.exit_poller = self._cluster.exited
        self._backend.start()
        self._wait_for_executors(num_executors, start_timeout)

    def _defer_interrupts_inside_the_loop(self):
        """Ctrl-C while the main thread runs the driver's loop (it does while it waits for a job) is raised
        after the loop's turn, never halfway through the scheduler's handling of an event. Only the
        default handler is replaced, and it is put back at stop()."""
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._on_interrupt)

    def _on_interrupt(self, signum, frame):
        backend = getattr(self, "_backend", None)
        if backend is None or backend.interrupt_now():
            raise KeyboardInterrupt

    def _restore_interrupts(self):
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) == self._on_interrupt:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    def _start_listeners(self):
        """The application's model, then the readers of the event stream registered above the driver
        (the web UI), before any event."""
        self._model = AppModel()
        self._event_log.add(self._model)
        self._listeners = []
        for factory in listeners.FACTORIES:
            listener = factory(self)
            if listener is not None:
                self._listeners.append(listener)
                if hasattr(listener, "on_event"):
                    self._event_log.add(listener)

    @property
    def uiWebUrl(self):
        """The live web UI's address (None when zpark.ui.enabled is off)."""
        return next((l.url for l in getattr(self, "_listeners", ()) if getattr(l, "url", None)), None)

    def _wait_for_executors(self, count, timeout):
        deadline = time.monotonic() + timeout
        with self._backend.executors_changed:
            while len(self._backend.executors) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    waiting = self._standalone.waiting if self._standalone else None
                    raise ZparkError("only %d of %d executors registered within %.0fs%s (zpark.executor."
                                     "startTimeout)" % (len(self._backend.executors), count, timeout,
                                                        ": " + waiting if waiting else ""))
                self._backend.executors_changed.wait(min(left, 0.1))

    # ------------------------------------------------------------ properties

    @property
    def defaultParallelism(self):
        configured = self._conf.get("zpark.default.parallelism")
        if configured:
            return int(configured)
        return max(2, sum(c.cores for c in list(self._backend.executors.values())) or 2)

    @property
    def defaultMinPartitions(self):
        return min(self.defaultParallelism, 2)

    @property
    def eventLogPath(self):
        return self._event_log.path

    def getConf(self):
        return self._conf

    def setLogLevel(self, level):
        logging.getLogger("zpark").setLevel(level)

    def executorInfos(self):
        """The live executors: id, pid, host, block server address, local work directory."""
        pids = self._cluster.pids() if self._cluster else {}
        infos = []
        for eid, conn in sorted(self._backend.executors.items()):
            local = self._cluster.executors.get(eid) if self._cluster else None
            infos.append(ExecutorInfo(eid, pids.get(eid, conn.pid), conn.host, conn.address,
                                      local.work_dir if local else None))
        return infos

    def __reduce__(self):
        raise serialization.SerializationError(
            "The Context cannot be pickled: it only exists on the driver and cannot be used "
            "inside transformations or actions")

    # ------------------------------------------------------------ creating RDDs

    def _new_rdd_id(self):
        return next(self._rdd_ids)

    def parallelize(self, c, numSlices=None):
        return RDD(self, ParallelCollection(c, numSlices or self.defaultParallelism))

    def range(self, start, end=None, step=1, numSlices=None):
        if end is None:
            start, end = 0, start
        return self.parallelize(range(start, end, step), numSlices)

    def textFile(self, name, minPartitions=None, use_unicode=True):
        return RDD(self, TextFile(name, minPartitions or self.defaultMinPartitions, use_unicode))

    def wholeTextFiles(self, path, minPartitions=None, use_unicode=True):
        return RDD(self, WholeTextFiles(path, minPartitions or self.defaultMinPartitions))

    def binaryFiles(self, path, minPartitions=None):
        return RDD(self, BinaryFiles(path, minPartitions or self.defaultMinPartitions))

    def binaryRecords(self, path, recordLength):
        if recordLength < 1:
            raise ValueError("recordLength must be positive, got %r" % recordLength)
        return RDD(self, BinaryFiles(path, self.defaultMinPartitions, recordLength))

    def pickleFile(self, name, minPartitions=None):
        return RDD(self, PickleFile(name, minPartitions or self.defaultMinPartitions))

    def union(self, rdds):
        return RDD(self, union_of(list(rdds)))

    def emptyRDD(self):
        return RDD(self, Empty())

    def broadcast(self, value):
        bid = next(self._broadcast_ids)
        b = Broadcast(self, bid, value)
        self._broadcasts[bid] = b
        self._cleaner.track_broadcast(b)
        return b

    def accumulator(self, value, accum_param=None):
        aid = next(self._accumulator_ids)
        acc = Accumulator(aid, value, accum_param or default_param(value))
        self._accumulators[aid] = acc
        return acc

    # ------------------------------------------------------------ running jobs

    def _run_job(self, rdd, func, partitions=None, description=None, checkpoints=True):
        """Run ``func(iterator)`` on the given partitions of ``rdd``; one result per partition.

        Then, as Spark does, the RDDs of its lineage marked with checkpoint()
        or localCheckpoint() are saved and cut (rdd/checkpoint.py)."""
        if self._stopped:
            raise ZparkError("Cannot run a job: the Context was stopped")
        if TaskContext.get() is not None:
            raise ZparkError("Jobs cannot be started from inside a task")
        partitions = list(range(rdd.getNumPartitions()) if partitions is None else partitions)
        if self._standalone is not None:
            serialization.pickle_local_modules_by_value()
        job_id = next(self._job_ids)
        self._cleaner.track_job(rdd)
        properties = dict(self._shared_properties)
        properties.update(self._local_properties())
        self._running_jobs[job_id] = properties   # before it can start: cancelAllJobs() must see it
        description = properties.get("spark.job.description") or description or call_site()
        try:
            handle = self._backend.run_job(job_id, rdd, func, partitions, description, properties)
        except BaseException:
            self._running_jobs.pop(job_id, None)
            raise
        try:
            early = _decode_while_running(self._backend, handle)
        except KeyboardInterrupt:
            self._backend.submit(m.JobCancelled(job_id, "interrupted (Ctrl-C)"))
            handle.done.wait(5)
            raise
        finally:
            self._running_jobs.pop(job_id, None)
        if handle.error is not None:
            raise handle.error
        results = [early[p] if p in early else serialization.loads(data) for p, data in zip(partitions, handle.results)]
        if checkpoints and self._checkpoints_marked:
            rdd._do_checkpoints(lambda marked, f: self._run_job(marked, f, checkpoints=False))
        return results

    def setCheckpointDir(self, dirName):
        """RDD checkpoints go to a new folder under ``dirName`` (one per application, as in Spark); in a
        cluster it must be on storage every executor sees."""
        path = os.path.join(os.path.abspath(dirName), str(uuid.uuid4()))
        os.makedirs(path, exist_ok=True)
        self._checkpoint_dir = path

    def getCheckpointDir(self):
        return self._checkpoint_dir

    def cancelAllJobs(self):
        for job_id in list(self._running_jobs):
            self._backend.submit(m.JobCancelled(job_id, "cancelAllJobs()"))

    # ------------------------------------------------------------ local properties, job groups, status

    def _local_properties(self):
        """This thread's properties: jobs it submits carry them to their tasks (as in PySpark)."""
        if not hasattr(self._thread_local, "properties"):
            self._thread_local.properties = {}
        return self._thread_local.properties

    def setLocalProperty(self, key, value):
        if value is None:
            self._local_properties().pop(key, None)
        else:
            self._local_properties()[key] = str(value)

    def getLocalProperty(self, key):
        return self._local_properties().get(key)

    def setJobGroup(self, groupId, description, interruptOnCancel=False):
        """Jobs this thread submits from now on belong to ``groupId`` (cancelJobGroup ends them)."""
        self.setLocalProperty("spark.jobGroup.id", groupId)
        self.setLocalProperty("spark.job.description", description)
        self.setLocalProperty("spark.job.interruptOnCancel", str(bool(interruptOnCancel)).lower())

    def setInterruptOnCancel(self, interruptOnCancel):
        self.setLocalProperty("spark.job.interruptOnCancel", str(bool(interruptOnCancel)).lower())

    def setJobDescription(self, value):
        self.setLocalProperty("spark.job.description", value)

    def cancelJobGroup(self, groupId):
        for job_id, properties in list(self._running_jobs.items()):
            if properties.get("spark.jobGroup.id") == groupId:
                self._backend.submit(m.JobCancelled(job_id, "part of cancelled job group %s" % groupId))

    # Job tags (PySpark 3.5): like a job group, but a job may carry several and they add up.
    def _job_tags(self):
        return [t for t in (self.getLocalProperty("spark.job.tags") or "").split(",") if t]

    def addJobTag(self, tag):
        if not tag or "," in tag:
            raise ValueError("a job tag must be a non-empty string without commas: %r" % (tag,))
        self.setLocalProperty("spark.job.tags", ",".join(sorted(set(self._job_tags()) | {tag})))

    def removeJobTag(self, tag):
        self.setLocalProperty("spark.job.tags", ",".join(t for t in self._job_tags() if t != tag) or None)

    def getJobTags(self):
        return set(self._job_tags())

    def clearJobTags(self):
        self.setLocalProperty("spark.job.tags", None)

    def cancelJobsWithTag(self, tag):
        for job_id, properties in list(self._running_jobs.items()):
            if tag in (properties.get("spark.job.tags") or "").split(","):
                self._backend.submit(m.JobCancelled(job_id, "part of cancelled job tag %s" % tag))

    def runJob(self, rdd, partitionFunc, partitions=None, allowLocal=False):
        """``partitionFunc(iterator)`` on the given partitions; its outputs, concatenated (PySpark's)."""
        outputs = self._run_job(rdd, lambda it: list(partitionFunc(it)), partitions)
        return [x for output in outputs for x in output]

    def statusTracker(self):
        return StatusTracker(self._model)

    def _save(self, rdd, path, write, suffix="", opener=open):
        """Write each partition to an attempt-private file; the driver commits one per partition."""
        path = os.path.abspath(path[5:] if path.startswith("file:") else path)
        if os.path.exists(path):
            raise FileExistsError("Output directory %s already exists" % path)
        temporary = os.path.join(path, "_temporary")
        os.makedirs(temporary)

        def save_partition(iterator):
            tc = TaskContext.get()
            attempt_dir = os.path.join(temporary, "attempt_%d" % tc.taskAttemptId())
            os.mkdir(attempt_dir)  # fails once the job is over: a late loser writes nothing
            target = os.path.join(attempt_dir, "part-%05d%s" % (tc.partitionId(), suffix))
            counted = _Counting(iterator)
            with opener(target, "wb") as stream:
                write(stream, counted)
                tc.add_metric("output_bytes_written", stream.tell())
            tc.add_metric("output_records_written", counted.count)
            return target

        try:
            written = self._run_job(rdd, save_partition)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        for index, source in enumerate(written):
            os.replace(source, os.path.join(path, "part-%05d%s" % (index, suffix)))
        shutil.rmtree(temporary, ignore_errors=True)
        open(os.path.join(path, "_SUCCESS"), "wb").close()

    # ------------------------------------------------------------ cleanup

    def _persist(self, rdd):
        if rdd.id() not in self._persisted:
            self._persisted[rdd.id()] = rdd
            self._cleaner.track_persisted(rdd)

    def _unpersist(self, rdd_id):
        self._persisted.pop(rdd_id, None)
        self._backend.submit(lambda: self._backend.forget_rdd(rdd_id))

    def _unpersist_broadcast(self, bid, destroy=False):
        if destroy:
            self._broadcasts.pop(bid, None)
        self._backend.submit(lambda: self._backend.forget_broadcast(bid))

    def stop(self):
        if self._stopped:
            return
        self._stopped = True
        try:
            if getattr(self, "_backend", None) is not None:
                self.cancelAllJobs()
                self._backend.stop()
            if getattr(self, "_cluster", None) is not None:
                self._cluster.stop()
            if getattr(self, "_standalone", None) is not None:
                self._standalone.stop()
            if getattr(self, "_event_log", None) is not None:
                self._event_log.write("ApplicationEnd", {"app_id": self.applicationId})
                self._event_log.close()
            for listener in getattr(self, "_listeners", ()):
                listener.close()
            if getattr(self, "_progress", None) is not None:
                self._progress.close()
            if getattr(self, "_gate", None) is not None:
                self._gate.stop()             # its thread's socket must close before the zmq context ends
            if getattr(self, "_zmq", None) is not None:
                self._zmq.destroy(linger=0)   # also closes sockets a failed start left open
            if getattr(self, "_work_root", None):
                shutil.rmtree(self._work_root, ignore_errors=True)
        finally:
            self._restore_interrupts()
            with Context._active_lock:
                if Context._active is self:
                    Context._active = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def __repr__(self):
        return "<zpark.Context master=%s appName=%s>" % (self.master, self.appName)
