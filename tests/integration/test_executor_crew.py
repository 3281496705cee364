"""An executor's threads (executor/crew.py): the thread that receives a task runs it, and the driver's
socket is still listened to while a task runs - heartbeats go on, a kill arrives."""
import threading
import time

import pytest

import zpark
from zpark.driver.event_log import read_events


@pytest.fixture
def sc(tmp_path):
    # One executor with one core: while its task runs, every core is busy and the lead is left free
    # until the keeper hands it on. A heartbeat timeout well under the tasks' length.
    conf = {"zpark.eventLog.dir": str(tmp_path / "events"), "zpark.executor.heartbeatInterval": 0.1,
            "zpark.executor.heartbeatTimeout": 1.0, "zpark.ui.showConsoleProgress": False}
    with zpark.Context("local[1]", app_name="crew", conf=conf) as ctx:
        yield ctx


def kinds(sc, kind):
    return [e for e in read_events(sc.eventLogPath) if e["event"] == kind]


def test_an_executor_busy_with_a_long_task_goes_on_heartbeating(sc):
    assert sc.parallelize(range(4), 1).count() == 4  # every thread of the executor is up and waiting
    assert sc.parallelize([5], 1).map(lambda x: time.sleep(3) or x * 2).collect() == [10]
    assert kinds(sc, "ExecutorRemoved") == []
    assert len(kinds(sc, "TaskStart")) == 2          # never declared lost, so nothing ran twice


def test_a_kill_reaches_a_task_on_an_executor_whose_only_core_is_busy(sc):
    errors = []

    def run():
        try:
            sc.parallelize(range(200000), 1).map(lambda x: time.sleep(0.0001) or x).count()
        except zpark.JobCancelledError as exc:
            errors.append(exc)
    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 20
    while not kinds(sc, "TaskStart") and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)                                   # well into the task (it would take 20 s or more)
    cancelled = time.monotonic()
    sc.cancelAllJobs()
    deadline = cancelled + 10
    while not [e for e in kinds(sc, "TaskEnd") if str(e["reason"]).startswith("killed")] \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    stopped = time.monotonic() - cancelled
    worker.join(30)
    assert errors, "the job was not cancelled"
    assert stopped < 3, "the killed task took %.1f s to stop" % stopped
    assert [e["reason"] for e in kinds(sc, "TaskEnd")][0].startswith("killed")
    assert sc.parallelize(range(10), 1).sum() == 45
