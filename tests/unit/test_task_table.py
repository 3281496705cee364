"""The executor's task table: lifecycles and kills, without sockets or threads."""
from zpark.executor.task_table import KILLED, LOADING, QUEUED, RUNNING, TaskTable


class Context:
    killed = False


def test_a_task_goes_queued_loading_running_and_leaves():
    table = TaskTable()
    assert table.launched(1)
    assert table.state(1) == QUEUED
    assert table.start_loading(1) and table.state(1) == LOADING
    tc = Context()
    assert table.start_running(1, tc) and table.state(1) == RUNNING
    table.finished(1)
    assert table.state(1) is None and len(table) == 0


def test_a_duplicate_launch_is_refused():
    table = TaskTable()
    assert table.launched(1) and not table.launched(1)


def test_a_kill_before_the_task_starts_stops_it_from_loading():
    table = TaskTable()
    table.launched(1)
    assert table.kill(1) is None and table.state(1) == KILLED
    assert not table.start_loading(1)


def test_a_kill_while_the_binary_loads_ends_the_task_as_killed():
    table = TaskTable()
    table.launched(1)
    table.start_loading(1)
    assert table.kill(1) is None           # nothing runs yet: no context to flag
    assert not table.start_running(1, Context())
    table.finished(1)
    assert len(table) == 0


def test_a_kill_while_running_hands_back_the_context_to_flag():
    table = TaskTable()
    table.launched(1)
    table.start_loading(1)
    tc = Context()
    table.start_running(1, tc)
    assert table.kill(1) is tc
    assert table.state(1) == RUNNING       # the task itself notices the flag and reports killed


def test_a_kill_for_a_finished_or_unknown_task_does_nothing():
    table = TaskTable()
    assert table.kill(9) is None
    table.launched(1)
    table.finished(1)
    assert table.kill(1) is None and table.state(1) is None
