"""Barrier stages in the pure scheduler: launched together or not at all, synced, rerun as a whole."""
from operator import add

from zpark.scheduler import events as m
from zpark.rdd.base import RDD
from zpark.rdd.sources import ParallelCollection

from test_dag_scheduler import FakeContext, Harness


def barrier_rdd(ctx, n=4):
    return RDD(ctx, ParallelCollection(list(range(8)), n)).barrier().mapPartitions(lambda it: it)


def test_a_barrier_stage_waits_for_a_slot_per_task_then_launches_all_at_once_with_every_host():
    ctx = FakeContext()
    h = Harness(executors=("e1",), cores=2)
    h.feed(m.JobSubmitted(0, barrier_rdd(ctx, 3), list, [0, 1, 2]))
    assert h.launched() == []                       # 2 slots for 3 tasks: nothing starts
    h.feed(m.ExecutorAdded("e2", "tcp://h2:9", 1))
    launches = h.launched()
    assert sorted(a.partition for a in launches) == [0, 1, 2]
    assert all(a.barrier_hosts == ["e1", "e1", "h2:9"] for a in launches)


def test_a_barrier_stage_larger_than_the_cluster_fails_its_job_after_the_slot_wait():
    ctx = FakeContext()
    h = Harness(executors=("e1",), cores=2, **{"barrier.slotWaitTimeout": 5.0})
    h.feed(m.JobSubmitted(0, barrier_rdd(ctx, 3), list, [0, 1, 2]))
    h.feed(m.Tick(), 4.0)
    assert h.of(m.JobFailed) == []
    h.feed(m.Tick(), 2.0)
    (failed,) = h.of(m.JobFailed)
    assert "needs 3 task slots at once but the cluster has only 2" in str(failed.error)


def test_sync_answers_only_once_every_task_called_and_gathers_messages_by_partition():
    ctx = FakeContext()
    h = Harness(executors=("e1", "e2"), cores=1)
    h.feed(m.JobSubmitted(0, barrier_rdd(ctx, 2), list, [0, 1]))
    first, second = sorted(h.launched(), key=lambda a: a.partition)
    h.feed(m.BarrierSyncRequested(second.task_id, second.executor_id, 0, "allGather", "from 1"))
    assert h.of(m.BarrierRelease) == []
    h.feed(m.BarrierSyncRequested(first.task_id, first.executor_id, 0, "allGather", "from 0"))
    releases = h.of(m.BarrierRelease)
    assert sorted((r.task_id, r.sequence) for r in releases) == sorted([(first.task_id, 0), (second.task_id, 0)])
    assert all(r.messages == ["from 0", "from 1"] and r.error is None for r in releases)


def test_mixed_sync_calls_are_an_error_and_a_stranger_is_refused():
    ctx = FakeContext()
    h = Harness(executors=("e1", "e2"), cores=1)
    h.feed(m.JobSubmitted(0, barrier_rdd(ctx, 2), list, [0, 1]))
    a, b = h.launched()
    h.feed(m.BarrierSyncRequested(a.task_id, a.executor_id, 0, "barrier", ""))
    h.feed(m.BarrierSyncRequested(b.task_id, b.executor_id, 0, "allGather", "x"))
    assert all("different sync calls" in r.error for r in h.of(m.BarrierRelease))
    h.feed(m.BarrierSyncRequested(a.task_id, "e-other", 1, "barrier", ""))
    assert h.of(m.BarrierRelease)[-1].error == "its task attempt is no longer running"


def test_one_failed_task_kills_the_others_and_reruns_the_whole_stage_and_results_count_once():
    ctx = FakeContext()
    h = Harness(executors=("e1", "e2"), cores=1)
    h.feed(m.JobSubmitted(0, barrier_rdd(ctx, 2), list, [0, 1]))
    a, b = sorted(h.launched(), key=lambda x: x.partition)
    h.succeed(a, b"first-0", accumulators=b"acc-first")
    assert h.of(m.ResultAccepted) == []             # held until the whole attempt succeeded
    h.fail(b)
    assert h.of(m.ApplyAccumulators) == []
    retry = sorted(h.launched(), key=lambda x: x.partition)
    assert [x.partition for x in retry] == [0, 1] and all(x.stage_attempt == 1 for x in retry)
    h.succeed(retry[0], b"second-0", accumulators=b"acc")
    h.succeed(retry[1], b"second-1", accumulators=b"acc")
    (done,) = h.of(m.JobSucceeded)
    assert done.results == [b"second-0", b"second-1"]
    assert len(h.of(m.ApplyAccumulators)) == 2


def test_a_running_sibling_is_killed_when_one_task_fails_and_its_late_success_does_not_count():
    ctx = FakeContext()
    h = Harness(executors=("e1", "e2"), cores=1)
    h.feed(m.JobSubmitted(0, barrier_rdd(ctx, 2), list, [0, 1]))
    a, b = sorted(h.launched(), key=lambda x: x.partition)
    h.fail(a)
    assert [k.task_id for k in h.of(m.KillTask)] == [b.task_id]
    assert h.launched() == [b]                      # the new attempt waits for b's slot
    h.fail(b, "killed")
    retry = h.launched()
    assert sorted(x.partition for x in retry) == [0, 1]
    h.run_to_end()
    assert len(h.of(m.JobSucceeded)) == 1


def test_a_barrier_stage_that_keeps_failing_aborts_after_max_consecutive_attempts():
    ctx = FakeContext()
    h = Harness(executors=("e1", "e2"), cores=1, **{"stage.maxConsecutiveAttempts": 2})
    h.feed(m.JobSubmitted(0, barrier_rdd(ctx, 2), list, [0, 1]))
    for _ in range(2):
        a, b = h.launched()
        h.fail(a, message="ValueError: always")
        if h.of(m.JobFailed):
            break
        h.fail(b, "killed")
    (failed,) = h.of(m.JobFailed)
    assert "barrier stage" in str(failed.error) and "failed 2 times" in str(failed.error)
    h.fail(b, "killed")


def test_an_executor_lost_under_a_barrier_map_stage_reruns_all_of_it_and_the_job_completes():
    ctx = FakeContext()
    summed = barrier_rdd(ctx, 2).map(lambda x: (x % 2, x)).reduceByKey(add, 2)
    h = Harness(executors=("e1", "e2", "e3"), cores=1)
    h.feed(m.JobSubmitted(0, summed, list, [0, 1]))
    a, b = sorted(h.launched(), key=lambda x: x.partition)
    h.succeed(a)
    h.feed(m.ExecutorLost(b.executor_id, "gone"))
    h.answered = set(h.answered) | {b.task_id}
    retry = h.launched()
    assert sorted(x.partition for x in retry) == [0, 1] and all(x.stage_attempt == 1 for x in retry)
    h.run_to_end()
    (done,) = h.of(m.JobSucceeded)
    assert len(done.results) == 2


def test_a_plain_stage_is_not_a_barrier_stage():
    ctx = FakeContext()
    h = Harness(executors=("e1",), cores=1)
    h.feed(m.JobSubmitted(0, RDD(ctx, ParallelCollection([1, 2, 3], 3)), list, [0, 1, 2]))
    (first,) = h.launched()
    assert first.barrier_hosts is None
    h.feed(m.BarrierSyncRequested(first.task_id, first.executor_id, 0, "barrier", ""))
    assert "not a barrier stage" in h.of(m.BarrierRelease)[0].error
    h.run_to_end()
