"""Broadcast variables: pickled once on the driver, shipped once to each executor that needs one.

Pickling a Broadcast (inside a task closure) records its id in the stage being
serialized, so the driver knows to ship the value before that stage's first
task on an executor; the task side then reads it from its executor's block
store, through the running task's context.
"""
import pickle
import threading

from ..common import serialization
from ..common.task_context import TaskContext

_collecting = threading.local()


class collect_broadcast_ids:
    """Context manager: which broadcasts are referenced by what is pickled inside it."""

    def __enter__(self):
        self.ids = set()
        _collecting.ids = self.ids
        return self

    def __exit__(self, *exc):
        _collecting.ids = None


class Broadcast:
    def __init__(self, ctx, bid, value):
        self._ctx = ctx
        self.bid = bid
        self._value = value
        self._data = serialization.dumps_code(value, "broadcast value")
        self._destroyed = False

    def __reduce__(self):
        if self._destroyed:
            raise RuntimeError("Broadcast %d was destroyed and cannot be used" % self.bid)
        ids = getattr(_collecting, "ids", None)
        if ids is not None:
            ids.add(self.bid)
        return (_executor_broadcast, (self.bid,))

    @property
    def value(self):
        if self._destroyed:
            raise RuntimeError("Broadcast %d was destroyed" % self.bid)
        return self._value

    @property
    def data(self):
        return self._data

    # PySpark's file form of a broadcast value (a pickle), which programs also use directly.
    def dump(self, value, f):
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        f.close()

    def load(self, file):
        return pickle.load(file)

    def load_from_path(self, path):
        with open(path, "rb") as f:
            return self.load(f)

    def unpersist(self, blocking=False):
        """Drop executor copies; a later job ships the value again."""
        self._ctx._unpersist_broadcast(self.bid)

    def destroy(self, blocking=False):
        """Drop every copy, the driver's too; using it afterwards is an error."""
        self._ctx._unpersist_broadcast(self.bid, destroy=True)
        self._destroyed = True
        self._value = self._data = None


_UNREAD = object()


class ExecutorBroadcast:
    """The task-side handle: ``.value`` is this executor's copy, unpickled once by its block store.

    The handle keeps the value after its first read: tasks read it per
    record (``closest(v, centres.value)``), and asking the store each time
    (the task's context, the runtime, a lock) cost k-means a tenth of its
    tasks' time. A handle lives in its stage's unpickled binary on one
    executor; a broadcast's value never changes, so what it keeps is never
    stale - an unpersisted one is shipped again, equal, to the next stage.
    """

    def __init__(self, bid):
        self.bid = bid
        self._value = _UNREAD

    @property
    def value(self):
        value = self._value
        if value is _UNREAD:
            tc = TaskContext.get()
            if tc is None or tc.runtime is None:
                raise RuntimeError("Broadcast %d can only be read on the driver or inside a task" % self.bid)
            value = self._value = tc.runtime.broadcast_value(self.bid)
        return value

    def __reduce__(self):
        return (_executor_broadcast, (self.bid,))


def _executor_broadcast(bid):
    return ExecutorBroadcast(bid)
