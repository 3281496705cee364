"""A task's broadcast handle asks its executor's block store once, then keeps the value."""
import pickle

import pytest

from zpark.common.task_context import TaskContext
from zpark.rdd.broadcast import ExecutorBroadcast


class CountingRuntime:
    def __init__(self, values):
        self.values = values
        self.asked = 0

    def broadcast_value(self, bid):
        self.asked += 1
        return self.values[bid]


@pytest.fixture
def runtime():
    runtime = CountingRuntime({7: {"centres": [1.0, 2.0]}})
    TaskContext._set(TaskContext(runtime=runtime))
    yield runtime
    TaskContext._set(None)


def test_a_handle_asks_the_store_once_however_often_a_task_reads_it(runtime):
    handle = pickle.loads(pickle.dumps(ExecutorBroadcast(7)))
    assert all(handle.value == {"centres": [1.0, 2.0]} for _ in range(1000))
    assert runtime.asked == 1
    assert handle.value is handle.value


def test_a_pickled_handle_does_not_carry_the_value_it_kept(runtime):
    handle = ExecutorBroadcast(7)
    assert handle.value["centres"] == [1.0, 2.0]
    shipped = pickle.dumps(handle)
    assert b"centres" not in shipped
    again = pickle.loads(shipped)
    assert again.value == handle.value and runtime.asked == 2


def test_a_handle_read_outside_a_task_is_an_error_naming_the_broadcast():
    TaskContext._set(None)
    with pytest.raises(RuntimeError, match="Broadcast 7 can only be read on the driver or inside a task"):
        ExecutorBroadcast(7).value
