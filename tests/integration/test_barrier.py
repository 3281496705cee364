"""Barrier execution on real executors: tasks meet in barrier()/allGather(); a failure reruns them all."""
import os
from operator import add

import pytest

import zpark
from zpark.common.task_context import BarrierTaskContext, TaskContext
from zpark.driver.event_log import read_events


@pytest.fixture(scope="module")
def sc(tmp_path_factory):
    conf = {"zpark.ui.showConsoleProgress": False, "zpark.barrier.slotWaitTimeout": 1.0,
            "zpark.eventLog.dir": str(tmp_path_factory.mktemp("events"))}
    with zpark.Context("local[3]", app_name="barrier", conf=conf) as ctx:
        yield ctx


def test_all_gather_hands_every_task_every_message_in_partition_order(sc):
    def meet(index, it):
        tc = BarrierTaskContext.get()
        tc.barrier()
        first = tc.allGather("p%d:%d" % (index, sum(it)))
        tc.barrier()
        second = tc.allGather(str(index * 10))
        yield index, first, second, len(tc.getTaskInfos()), type(TaskContext.get()).__name__
    rows = sc.parallelize(range(9), 3).barrier().mapPartitionsWithIndex(meet).collect()
    assert [r[0] for r in rows] == [0, 1, 2]
    assert all(r[1] == ["p0:3", "p1:12", "p2:21"] and r[2] == ["0", "10", "20"] for r in rows)
    assert all(r[3] == 3 and r[4] == "BarrierTaskContext" for r in rows)


def test_a_failing_task_reruns_the_whole_stage_and_kills_siblings_waiting_in_barrier(sc):
    ran = sc.accumulator(0)

    def flaky(index, it):
        tc = BarrierTaskContext.get()
        tc.barrier()
        if index == 1 and tc.stageAttemptNumber() == 0:
            raise ValueError("injected")
        tc.barrier()            # the others wait here on attempt 0 until they are killed
        ran.add(1)
        yield index, tc.stageAttemptNumber(), sum(it)
    rows = sc.parallelize(range(9), 3).barrier().mapPartitionsWithIndex(flaky).collect()
    assert rows == [(0, 1, 3), (1, 1, 12), (2, 1, 21)]
    assert ran.value == 3           # only the attempt that counted adds to accumulators
    stages = [e for e in read_events(sc.eventLogPath) if e["event"] == "StageCompleted"
              and "barrier task failed" in (e.get("failure") or "")]
    assert any("partition 1" in e["failure"] and "injected" in e["failure"] for e in stages)


def test_an_executor_dying_in_a_barrier_map_stage_reruns_it_and_the_answer_is_exact(sc):
    def die_once(index, it):
        tc = BarrierTaskContext.get()
        tc.barrier()
        if index == 0 and tc.stageAttemptNumber() == 0:
            os._exit(1)
        tc.barrier()
        return [(x % 4, x) for x in it]
    sums = sc.parallelize(range(100), 3).barrier().mapPartitionsWithIndex(die_once).reduceByKey(add, 2)
    assert dict(sums.collect()) == {k: sum(x for x in range(100) if x % 4 == k) for k in range(4)}


def test_a_task_always_failing_aborts_the_job_naming_the_barrier_stage(sc):
    def always(it):
        raise ValueError("never works")
    with pytest.raises(zpark.JobFailedError, match=r"barrier stage \d+ failed 4 times.*never works"):
        sc.parallelize(range(4), 2).barrier().mapPartitions(always).collect()
    assert sc.parallelize(range(4), 2).sum() == 6     # the context still works


def test_more_tasks_than_slots_fails_clearly_and_barrier_outside_a_barrier_stage_is_refused(sc):
    with pytest.raises(zpark.JobFailedError, match="needs 5 task slots at once but the cluster has only 3"):
        sc.parallelize(range(5), 5).barrier().mapPartitions(lambda it: it).collect()

    def outside(it):
        with pytest.raises(RuntimeError, match="not in a barrier stage"):
            BarrierTaskContext.get()
        return [1]
    assert sc.parallelize(range(2), 2).mapPartitions(outside).sum() == 2
