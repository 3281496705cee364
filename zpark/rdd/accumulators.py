"""Accumulators: add-only shared variables whose task-side deltas the driver merges once per counted attempt."""
import copy
import threading

from ..common.task_context import TaskContext


class AccumulatorParam:
    """How to make a zero value and add two values (PySpark's AccumulatorParam)."""

    def zero(self, value):
        raise NotImplementedError

    def addInPlace(self, value1, value2):
        raise NotImplementedError


class AddingAccumulatorParam(AccumulatorParam):
    def __init__(self, zero_value):
        self.zero_value = zero_value

    def zero(self, value):
        return self.zero_value

    def addInPlace(self, value1, value2):
        value1 += value2
        return value1


INT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0)
FLOAT_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0)
COMPLEX_ACCUMULATOR_PARAM = AddingAccumulatorParam(0.0j)


def default_param(value):
    if isinstance(value, bool):
        raise TypeError("No default accumulator param for type bool; pass accum_param")
    if isinstance(value, int):
        return INT_ACCUMULATOR_PARAM
    if isinstance(value, float):
        return FLOAT_ACCUMULATOR_PARAM
    if isinstance(value, complex):
        return COMPLEX_ACCUMULATOR_PARAM
    raise TypeError("No default accumulator param for type %s; pass accum_param" % type(value).__name__)


class Accumulator:
    """On the driver it holds the value; shipped to a task it becomes a write-only handle."""

    def __init__(self, aid, value, accum_param):
        self.aid = aid
        self.accum_param = accum_param
        self._value = value
        self._in_task = False
        self._lock = threading.Lock()

    def __reduce__(self):
        return (_task_side_accumulator, (self.aid, self.accum_param.zero(self._value), self.accum_param))

    @property
    def value(self):
        if self._in_task:
            raise RuntimeError("Accumulator.value cannot be accessed inside tasks "
                               "(accumulator %d); read it on the driver after the action" % self.aid)
        return self._value

    @value.setter
    def value(self, value):
        if self._in_task:
            raise RuntimeError("Accumulator.value cannot be set inside tasks")
        self._value = value

    def add(self, term):
        if self._in_task:
            tc = TaskContext.get()
            if tc is None:
                raise RuntimeError("accumulator %d used on an executor outside a task" % self.aid)
            updates = tc.accumulator_updates
            current = updates[self.aid] if self.aid in updates else copy.deepcopy(self._value)
            updates[self.aid] = self.accum_param.addInPlace(current, term)
        else:
            with self._lock:
                self._value = self.accum_param.addInPlace(self._value, term)

    def __iadd__(self, term):
        self.add(term)
        return self

    def _merge(self, delta):
        with self._lock:
            self._value = self.accum_param.addInPlace(self._value, delta)

    def __str__(self):
        return str(self._value)

    def __repr__(self):
        return "Accumulator<id=%d, value=%r>" % (self.aid, self._value)


def _task_side_accumulator(aid, zero, param):
    acc = Accumulator(aid, zero, param)
    acc._in_task = True
    return acc
