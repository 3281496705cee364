"""TaskContext: what a running task knows about itself (PySpark's ``TaskContext.get()``)."""
import threading

from .errors import TaskKilledError

_current = threading.local()


# A job property: folders and archives (addPyFile) a task's executor puts on its import path first.
PY_FILES_PROPERTY = "zpark.pyFiles"


class TaskContext:
    """Information about the task attempt running in this thread.

    Also the task's door to its executor (shuffle reads, the block store) via
    ``runtime``; user code only needs the PySpark accessors.
    """

    def __init__(self, stage_id=0, stage_attempt=0, partition_id=0, attempt_number=0, task_attempt_id=0,
                 executor_id="driver", runtime=None):
        self._stage_id = stage_id
        self._stage_attempt = stage_attempt
        self._partition_id = partition_id
        self._attempt_number = attempt_number
        self._task_attempt_id = task_attempt_id
        self._executor_id = executor_id
        self.runtime = runtime
        self.accumulator_updates = {}
        self.killed = False
        self.cached_blocks = []
        self.metrics = {}
        self.local_properties = {}   # the job's, set on the driver with Context.setLocalProperty
        self.barrier_calls = 0       # barrier()/allGather() calls so far (a barrier task's sync sequence)

    def add_metric(self, name, amount):
        """Count into this attempt's metrics (they travel to the driver's event log)."""
        self.metrics[name] = self.metrics.get(name, 0) + amount

    @classmethod
    def get(cls):
        """The current task's context, or None outside a task (as in PySpark)."""
        return getattr(_current, "context", None)

    @classmethod
    def _set(cls, context):
        _current.context = context

    def stageId(self):
        return self._stage_id

    def stageAttemptNumber(self):
        return self._stage_attempt

    def partitionId(self):
        return self._partition_id

    def attemptNumber(self):
        return self._attempt_number

    def taskAttemptId(self):
        return self._task_attempt_id

    def cpus(self):
        return 1

    def resources(self):
        return {}

    def getLocalProperty(self, key):
        """A local property the driver's thread set before submitting this task's job (or None)."""
        return self.local_properties.get(key)

    def executorId(self):
        return self._executor_id

    def read_shuffle(self, shuffle_id, reduce_id):
        return self.runtime.read_shuffle(self, shuffle_id, reduce_id)

    def read_shuffle_blocks(self, shuffle_id, reduce_id):
        """Per map output, its ``(keys, values)`` batches for this reduce partition (see ShuffleReader)."""
        return self.runtime.read_shuffle_blocks(self, shuffle_id, reduce_id)

    def get_or_compute(self, rdd, split):
        return self.runtime.get_or_compute(self, rdd, split)

    def check_killed(self):
        if self.killed:
            raise TaskKilledError("task %d was killed by the driver" % self._task_attempt_id)


class BarrierTaskInfo:
    """Where one task of a barrier stage runs (PySpark's ``BarrierTaskInfo``)."""

    def __init__(self, address):
        self.address = address

    def __repr__(self):
        return "BarrierTaskInfo(address=%r)" % self.address


class BarrierTaskContext(TaskContext):
    """The context of a task in a barrier stage (``rdd.barrier().mapPartitions(f)``).

    Every task of the stage attempt was launched at the same time, so they
    can wait for each other: ``barrier()`` returns once all have called it,
    ``allGather(message)`` also hands each task every task's message, in
    partition order. Should one task fail, the driver kills the others -
    including any waiting here - and runs the whole stage again.
    """

    task_hosts = ()

    @classmethod
    def get(cls):
        context = TaskContext.get()
        if not isinstance(context, BarrierTaskContext):
            raise RuntimeError("It is not in a barrier stage")
        return context

    def barrier(self):
        self._sync("barrier", "")

    def allGather(self, message=""):
        if not isinstance(message, str):
            raise TypeError("Argument `message` must be of type `str`, got %s" % type(message).__name__)
        return self._sync("allGather", message)

    def getTaskInfos(self):
        return [BarrierTaskInfo(host) for host in self.task_hosts]

    def _sync(self, kind, message):
        if self.runtime is None:
            raise RuntimeError("%s() can only be called inside a running barrier task" % kind)
        return self.runtime.barrier_sync(self, kind, message)
