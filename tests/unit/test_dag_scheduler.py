"""The DAG scheduler as a pure state machine: events in, actions out; no sockets, no clocks."""
from operator import add

import pytest

from zpark.common.config import Conf
from zpark.scheduler import events as m
from zpark.scheduler.dag_scheduler import DAGScheduler
from zpark.rdd.base import RDD
from zpark.rdd.sources import ParallelCollection


class FakeContext:
    def __init__(self):
        self._conf = Conf(load_environment=False)
        self._persisted = {}
        self._next = 0

    def _new_rdd_id(self):
        self._next += 1
        return self._next


class Harness:
    def __init__(self, executors=("e1", "e2"), cores=1, **conf):
        values = {"zpark.task.maxFailures": 4}
        values.update({"zpark." + k: v for k, v in conf.items()})
        self.scheduler = DAGScheduler(Conf(values, load_environment=False), lambda stage: (b"bin", []))
        self.now = 0.0
        self.actions = []
        for e in executors:
            self.feed(m.ExecutorAdded(e, "tcp://%s" % e, cores))

    def feed(self, event, advance=0.0):
        self.now += advance
        out = self.scheduler.handle(event, self.now)
        self.actions.extend(out)
        return out

    def launched(self):
        """Launches not yet answered."""
        done = set(self.answered)
        return [a for a in self.actions if isinstance(a, m.LaunchTask) and a.task_id not in done]

    answered = ()

    def succeed(self, launch, value=b"v", accumulators=None):
        self.answered = set(self.answered) | {launch.task_id}
        result = [10] * 4 if launch.is_map else value
        return self.feed(m.TaskSucceeded(launch.task_id, result, accumulators), 0.01)

    def fail(self, launch, kind="exception", **kw):
        self.answered = set(self.answered) | {launch.task_id}
        return self.feed(m.TaskFailed(launch.task_id, kind, kw.pop("message", "boom"), **kw), 0.01)

    def run_to_end(self, on_launch=None):
        for _ in range(1000):
            pending = self.launched()
            if not pending:
                return
            launch = pending[0]
            if on_launch is None or not on_launch(self, launch):
                self.succeed(launch)

    def of(self, kind):
        return [a for a in self.actions if isinstance(a, kind)]

    def logs(self, kind):
        return [a.fields for a in self.actions if isinstance(a, m.LogEvent) and a.kind == kind]


def words(ctx, n=4):
    return RDD(ctx, ParallelCollection(["a b", "b c", "c d", "d a"], n))


def test_wordcount_is_two_stages_and_completes():
    ctx = FakeContext()
    counts = words(ctx).flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add, 2)
    h = Harness()
    h.feed(m.JobSubmitted(0, counts, list, [0, 1]))
    h.run_to_end()
    assert len(h.logs("StageSubmitted")) == 2
    (done,) = h.of(m.JobSucceeded)
    assert done.job_id == 0 and len(done.results) == 2


def test_join_of_two_shuffled_rdds_is_three_stages_and_copartitioned_adds_no_shuffle():
    ctx = FakeContext()
    left = words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 3)
    right = words(ctx).map(lambda w: (w, 2)).reduceByKey(add, 2)
    h = Harness()
    h.feed(m.JobSubmitted(0, left.join(right, 4), list, [0]))
    # two reduceByKey map stages, the join's two shuffles of them, and the result stage
    assert len(h.logs("JobStart")[0]["stage_ids"]) == 5
    ctx2 = FakeContext()
    a = words(ctx2).map(lambda w: (w, 1)).partitionBy(3)
    b = words(ctx2).map(lambda w: (w, 2)).partitionBy(3)
    joined = a.join(b)
    h2 = Harness()
    h2.feed(m.JobSubmitted(0, joined, list, [0]))
    assert len(h2.logs("JobStart")[0]["stage_ids"]) == 3  # two map stages + the result: no extra shuffle
    plain = words(ctx2).map(lambda w: (w, 1))
    h3 = Harness()
    h3.feed(m.JobSubmitted(0, plain.join(plain.map(lambda kv: kv)), list, [0]))
    assert len(h3.logs("JobStart")[0]["stage_ids"]) == 3  # independently shuffled: 2 map stages + result


def test_reduce_of_an_rdd_already_partitioned_alike_is_narrow():
    ctx = FakeContext()
    parted = words(ctx).map(lambda w: (w, 1)).partitionBy(2)
    h = Harness()
    h.feed(m.JobSubmitted(0, parted.reduceByKey(add, 2), list, [0, 1]))
    assert len(h.logs("JobStart")[0]["stage_ids"]) == 2


def test_map_outputs_from_an_earlier_job_are_reused():
    ctx = FakeContext()
    counts = words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 2)
    h = Harness()
    h.feed(m.JobSubmitted(0, counts, list, [0, 1]))
    h.run_to_end()
    submitted = len(h.logs("StageSubmitted"))
    h.feed(m.JobSubmitted(1, counts, len, [0, 1]))
    h.run_to_end()
    assert len(h.logs("StageSubmitted")) == submitted + 1  # only the new result stage


def test_a_failing_task_is_retried_elsewhere_and_the_job_fails_after_max_failures():
    ctx = FakeContext()
    rdd = words(ctx, 2)
    h = Harness()
    h.feed(m.JobSubmitted(0, rdd, list, [0, 1]))
    executors_of_partition0 = []

    def fail_partition0(h, launch):
        if launch.partition == 0:
            executors_of_partition0.append(launch.executor_id)
            h.fail(launch, message="Traceback ...\nValueError: bad record")
            return True
        return False

    h.run_to_end(fail_partition0)
    (failed,) = h.of(m.JobFailed)
    assert len(executors_of_partition0) == 4
    assert executors_of_partition0[0] != executors_of_partition0[1]
    assert "failed 4 times" in str(failed.error) and "ValueError: bad record" in str(failed.error)


def test_executor_loss_requeues_running_tasks_without_counting_failures():
    ctx = FakeContext()
    rdd = words(ctx, 2)
    h = Harness(max_failures_unused=0)
    h.feed(m.JobSubmitted(0, rdd, list, [0, 1]))
    first = h.launched()
    assert {l.executor_id for l in first} == {"e1", "e2"}
    for _ in range(5):  # more losses than max failures
        victim = h.launched()[0]
        h.answered = set(h.answered) | {victim.task_id}
        h.feed(m.ExecutorLost(victim.executor_id, "killed"))
        h.feed(m.ExecutorAdded(victim.executor_id + "x", "tcp://new", 1))
    h.run_to_end()
    assert h.of(m.JobSucceeded) and not h.of(m.JobFailed)


def test_fetch_failure_reruns_the_lost_map_output_then_the_reduce():
    ctx = FakeContext()
    counts = words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 2)
    h = Harness()
    h.feed(m.JobSubmitted(0, counts, list, [0, 1]))
    fetch_failed = []

    def fail_first_reduce(h, launch):
        if not launch.is_map and not fetch_failed:
            fetch_failed.append(launch)
            h.fail(launch, "fetch_failed", shuffle_id=0 if False else list(launch.shuffle_locations)[0],
                   map_index=1, map_executor=launch.shuffle_locations[list(launch.shuffle_locations)[0]][1][0])
            return True
        return False

    h.run_to_end(fail_first_reduce)
    assert not h.of(m.JobSucceeded)          # waiting for the resubmission delay
    h.feed(m.Tick(), advance=0.5)
    h.run_to_end()
    map_launches = [a for a in h.of(m.LaunchTask) if a.is_map]
    assert sorted(a.partition for a in map_launches) == [0, 1, 1, 2, 3]  # only map 1 reran
    assert h.of(m.JobSucceeded)


def test_accumulators_apply_once_per_partition_even_with_duplicate_successes():
    ctx = FakeContext()
    rdd = words(ctx, 1)
    h = Harness(speculation=True)
    h.feed(m.JobSubmitted(0, rdd, list, [0]))
    (launch,) = h.launched()
    h.succeed(launch, accumulators=b"acc")
    h.feed(m.TaskSucceeded(launch.task_id, b"v", b"acc"))  # a duplicate report
    assert len(h.of(m.ApplyAccumulators)) == 1


def test_speculation_launches_a_copy_of_a_straggler_and_kills_the_loser():
    ctx = FakeContext()
    rdd = words(ctx, 4)
    h = Harness(executors=("e1", "e2", "e3"), speculation=True)
    h.feed(m.JobSubmitted(0, rdd, list, [0, 1, 2, 3]))
    launches = {l.partition: l for l in h.launched()}
    straggler = launches[0]
    for p in (1, 2):
        h.succeed(launches[p])
    rest = [l for l in h.launched() if l.partition == 3]
    h.succeed(rest[0])
    h.feed(m.Tick(), advance=5.0)
    copies = [l for l in h.launched() if l.partition == 0 and l.speculative]
    assert len(copies) == 1 and copies[0].executor_id != straggler.executor_id
    h.succeed(copies[0])
    assert m.KillTask(straggler.executor_id, straggler.task_id) in h.actions
    assert len(h.of(m.JobSucceeded)) == 1


@pytest.mark.parametrize("n", [0])
def test_an_empty_job_succeeds_at_once(n):
    ctx = FakeContext()
    h = Harness()
    h.feed(m.JobSubmitted(0, RDD(ctx, ParallelCollection([], 1)), list, []))
    assert h.of(m.JobSucceeded)[0].results == []


def test_short_tasks_queue_about_twenty_milliseconds_of_work_on_busy_executors():
    from zpark.scheduler.task_set import TaskSetManager

    def depth_after(seconds_each):
        ts = TaskSetManager(0, 0, range(10), max_failures=4)
        for tid in range(4):
            attempt = ts.offer("e1", 100.0, tid, 1)
            ts.on_success(attempt.task_id, 100.0 + seconds_each)
        return ts.queue_depth(0.05)

    assert TaskSetManager(0, 0, range(3), max_failures=4).queue_depth(0.05) == 0  # nothing known yet
    assert depth_after(0.0005) == 16   # capped
    assert depth_after(0.005) == 4
    assert depth_after(0.03) == 1
    assert depth_after(0.06) == 0      # long tasks wait for a free slot


def test_each_result_partition_is_handed_out_once_as_it_counts():
    ctx = FakeContext()
    h = Harness(executors=("e1", "e2", "e3"), speculation=True)
    h.feed(m.JobSubmitted(0, words(ctx, 4), list, [0, 1, 2, 3]))
    launches = {l.partition: l for l in h.launched()}
    h.succeed(launches[1], value=b"one")
    assert [(a.job_id, a.partition, a.result) for a in h.of(m.ResultAccepted)] == [(0, 1, b"one")]
    assert not h.of(m.JobSucceeded)
    for p in (2, 3):
        h.succeed([l for l in h.launched() if l.partition == p][0], value=b"p%d" % p)
    h.feed(m.Tick(), advance=5.0)
    copy = [l for l in h.launched() if l.partition == 0 and l.speculative][0]
    h.succeed(copy, value=b"copy")
    h.succeed(launches[0], value=b"late")          # the straggler answers after its copy won
    accepted = {a.partition: a.result for a in h.of(m.ResultAccepted)}
    assert len(h.of(m.ResultAccepted)) == 4 and accepted[0] == b"copy"
    assert h.of(m.JobSucceeded)[0].results == [b"copy", b"one", b"p2", b"p3"]
