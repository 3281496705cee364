"""The DAG scheduler as a pure state machine: events in, actions out; no sockets, no clocks."""
from operator import add

import pytest

from zpark.common.config import Conf
from zpark.common.errors import SchedulerError
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


HARNESSES = []


@pytest.fixture(autouse=True)
def scheduler_invariants_hold_at_teardown():
    """Whatever a scenario did, the scheduler is left consistent (no stale attempts, slots add up)."""
    HARNESSES.clear()
    yield
    for h in HARNESSES:
        assert h.scheduler.invariant_violations() == []


class Harness:
    def __init__(self, executors=("e1", "e2"), cores=1, **conf):
        HARNESSES.append(self)
        values = {"zpark.task.maxFailures": 4, "zpark.executor.heartbeatTimeout": 1e9}
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
        output = m.MapOutput({r: 10 for r in range(4)}) if launch.is_map else m.ResultValue(value)
        return self.feed(m.TaskSucceeded(launch.task_id, launch.executor_id, output, accumulators), 0.01)

    def fail(self, launch, kind="exception", **kw):
        self.answered = set(self.answered) | {launch.task_id}
        message = kw.pop("message", "boom")
        reason = {"exception": m.ExceptionFailure, "fetch_failed": m.FetchFailure, "killed": m.Killed}[kind]
        return self.feed(m.TaskFailed(launch.task_id, launch.executor_id, reason(message, **kw)), 0.01)

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


def map_executor(launch, shuffle_id, map_index):
    """Where a reduce task was told to fetch one map output's block from."""
    (blocks,) = launch.shuffle_locations[shuffle_id].values()
    return next(executor for m, executor, _, _ in blocks if m == map_index)


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
            shuffle_id = list(launch.shuffle_locations)[0]
            h.fail(launch, "fetch_failed", shuffle_id=shuffle_id, map_index=1,
                   map_executor=map_executor(launch, shuffle_id, 1))
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
    h.feed(m.TaskSucceeded(launch.task_id, launch.executor_id, m.ResultValue(b"v"), b"acc"))  # a duplicate report
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


def test_an_executor_that_stops_heartbeating_is_lost_on_tick_and_its_task_requeued():
    ctx = FakeContext()
    h = Harness(**{"executor.heartbeatTimeout": 5.0})
    h.feed(m.JobSubmitted(0, words(ctx, 2), list, [0, 1]))
    launches = {l.executor_id: l for l in h.launched()}
    h.feed(m.ExecutorHeartbeat("e1"), advance=4.0)
    h.feed(m.Tick(), advance=1.5)                       # e2 silent for 5.5 s, e1 for 1.5 s
    assert [a.executor_id for a in h.of(m.RemoveExecutor)] == ["e2"]
    assert h.logs("TaskEnd")[0]["reason"].startswith("executor lost: no heartbeat")
    h.answered = set(h.answered) | {launches["e2"].task_id}
    h.feed(m.ExecutorHeartbeat("e1"))
    h.run_to_end()
    assert len(h.of(m.JobSucceeded)) == 1


def test_an_answer_counts_only_from_the_executor_the_attempt_was_launched_on():
    ctx = FakeContext()
    h = Harness()
    h.feed(m.JobSubmitted(0, words(ctx, 1), list, [0]))
    (launch,) = h.launched()
    other = "e2" if launch.executor_id == "e1" else "e1"
    h.feed(m.TaskSucceeded(launch.task_id, other, m.ResultValue(b"forged")))
    h.feed(m.TaskFailed(launch.task_id, other, m.ExceptionFailure("forged")))
    assert not h.of(m.ResultAccepted) and not h.logs("TaskEnd")
    h.succeed(launch, value=b"real")
    assert h.of(m.JobSucceeded)[0].results == [b"real"]


def test_a_late_answer_from_a_lost_executor_is_ignored():
    ctx = FakeContext()
    h = Harness()
    h.feed(m.JobSubmitted(0, words(ctx, 1), list, [0]))
    (launch,) = h.launched()
    h.feed(m.ExecutorLost(launch.executor_id, "frozen"))
    h.feed(m.TaskSucceeded(launch.task_id, launch.executor_id, m.ResultValue(b"late")))
    assert not h.of(m.ResultAccepted)
    h.answered = set(h.answered) | {launch.task_id}
    h.run_to_end()
    assert h.of(m.JobSucceeded)[0].results == [b"v"]


def test_a_bug_inside_the_scheduler_fails_the_running_jobs_and_leaves_nothing_in_flight():
    ctx = FakeContext()
    h = Harness()
    h.feed(m.JobSubmitted(0, words(ctx, 2), list, [0, 1]))
    assert len(h.launched()) == 2

    def broken(*args):
        raise KeyError("a bug")
    h.scheduler._check_stage_done = broken
    h.succeed(h.launched()[0])
    (failed,) = h.of(m.JobFailed)
    assert "internal scheduler error while handling TaskSucceeded" in str(failed.error)
    assert "KeyError" in str(failed.error)
    assert h.scheduler.jobs == {} and not h.scheduler.running
    killed = {a.task_id for a in h.of(m.KillTask)}
    assert {l.task_id for l in h.launched()} <= killed       # what still ran was told to stop
    del h.scheduler._check_stage_done                          # the next job works
    for launch in h.launched():
        h.fail(launch, "killed")
    h.feed(m.JobSubmitted(1, words(ctx, 2), list, [0, 1]))
    h.run_to_end()
    assert [a.job_id for a in h.of(m.JobSucceeded)] == [1]


def test_finished_jobs_release_their_stage_binaries_and_task_sets():
    ctx = FakeContext()
    counts = words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 2)
    h = Harness()
    h.feed(m.JobSubmitted(0, counts, list, [0, 1]))
    stage = next(iter(h.scheduler.shuffle_stages.values()))
    assert stage.binary is not None
    h.run_to_end()
    assert stage.binary is None and stage.task_set is None
    assert h.scheduler.shuffle_stages == {}                  # the stage (and its RDDs) is not kept
    maps_before = len([a for a in h.of(m.LaunchTask) if a.is_map])
    h.feed(m.JobSubmitted(1, counts.map(lambda kv: kv), list, [0, 1]))   # reuses the map outputs
    h.run_to_end()
    assert [a.job_id for a in h.of(m.JobSucceeded)] == [0, 1]
    assert len([a for a in h.of(m.LaunchTask) if a.is_map]) == maps_before
    assert stage.id in h.logs("JobStart")[1]["stage_ids"]    # the reused shuffle keeps its stage id


def test_configuration_keys_are_declared_once_and_an_unknown_key_names_the_closest(caplog):
    from zpark.common import config
    assert set(config.DEFAULTS) == set(config.KEYS)
    assert all(config.KEYS[k].executor_flag for k in config.EXECUTOR_KEYS)
    with caplog.at_level("WARNING", logger="zpark"):
        Conf({"zpark.task.maxFailure": 2}, load_environment=False)
    assert "zpark.task.maxFailure" in caplog.text and "did you mean 'zpark.task.maxFailures'" in caplog.text


def test_the_executor_command_line_carries_every_executor_setting():
    from zpark.common import config
    from zpark.executor.launch import executor_command
    conf = Conf({"zpark.executor.memory": "1g"}, load_environment=False)
    command = executor_command("tcp://d:1", "exec-1", 2, "/w", config.executor_settings(conf), 42, "/w/s")
    assert command[command.index("--memory") + 1] == "1g"
    for name in config.EXECUTOR_KEYS:
        assert config.KEYS[name].executor_flag in command


def test_an_executor_lost_before_it_registered_is_replaced_and_logged_once():
    h = Harness()
    h.feed(m.ExecutorLost("e9", "executor process exited with code -9"))
    h.feed(m.ExecutorLost("e9", "executor process exited with code -9"))
    assert [a.executor_id for a in h.of(m.RemoveExecutor)] == ["e9"]
    assert [e["executor_id"] for e in h.logs("ExecutorRemoved")] == ["e9"]
    h.feed(m.ExecutorAdded("e9", "tcp://late", 1))          # a late register of a dead id is not counted
    assert "e9" not in h.scheduler.executors


def test_when_no_executor_can_come_the_jobs_fail_naming_why_and_new_ones_fail_at_once():
    ctx = FakeContext()
    h = Harness(executors=("e1",))
    h.feed(m.JobSubmitted(0, words(ctx, 2), list, [0, 1]))
    h.answered = {l.task_id for l in h.launched()}
    h.feed(m.ExecutorLost("e1", "exit code 1"))
    h.feed(m.ExecutorsExhausted("restarts used up (zpark.local.maxExecutorRestarts)"))
    (failed,) = h.of(m.JobFailed)
    assert "maxExecutorRestarts" in str(failed.error)
    assert any("none can come" in w.message for w in h.of(m.Warn))
    h.feed(m.JobSubmitted(1, words(ctx, 2), list, [0, 1]))
    assert [f.job_id for f in h.of(m.JobFailed)] == [0, 1]
    h.feed(m.ExecutorAdded("e2", "tcp://e2", 1))              # one came back after all
    h.feed(m.JobSubmitted(2, words(ctx, 2), list, [0, 1]))
    h.run_to_end()
    assert [s.job_id for s in h.of(m.JobSucceeded)] == [2]


def test_jobs_waiting_with_no_executors_are_reported_at_once_then_every_interval():
    ctx = FakeContext()
    h = Harness(executors=("e1",), **{"scheduler.noExecutorsWarning": 15.0})
    h.feed(m.JobSubmitted(0, words(ctx, 1), list, [0]))
    h.answered = {l.task_id for l in h.launched()}
    h.feed(m.ExecutorLost("e1", "frozen"))
    h.feed(m.Tick(), advance=0.05)
    h.feed(m.Tick(), advance=5.0)
    assert len(h.of(m.Warn)) == 1 and "job(s) 0 wait" in h.of(m.Warn)[0].message
    h.feed(m.Tick(), advance=11.0)
    assert len(h.of(m.Warn)) == 2
    h.feed(m.ExecutorAdded("e2", "tcp://e2", 1))
    h.run_to_end()
    assert h.of(m.JobSucceeded)


def test_a_job_without_progress_for_the_stall_timeout_fails_listing_what_it_waits_for():
    ctx = FakeContext()
    h = Harness(**{"job.stallTimeout": 10.0})
    h.feed(m.JobSubmitted(0, words(ctx, 2), list, [0, 1]))
    first, second = h.launched()
    h.succeed(first)
    h.feed(m.Tick(), advance=9.0)
    assert not h.of(m.JobFailed)                          # 9 s since the last task ended
    h.feed(m.Tick(), advance=2.0)
    (failed,) = h.of(m.JobFailed)
    text = str(failed.error)
    assert "no progress for 11s" in text and "task %d (partition %d on %s" % (
        second.task_id, second.partition, second.executor_id) in text
    assert "2 executor(s) registered" in text
    for launch in h.launched():
        h.fail(launch, "killed")


def test_an_executor_exit_caused_by_its_task_counts_against_that_task_only():
    ctx = FakeContext()
    h = Harness(executors=("e1",))
    h.feed(m.JobSubmitted(0, words(ctx, 1), list, [0]))
    for round_ in range(4):
        running = h.launched()
        h.answered = set(h.answered) | {l.task_id for l in running}
        executor = running[0].executor_id
        h.feed(m.ExecutorLost(executor, "executor process exited with code 1", caused_by_task=True))
        if round_ < 3:
            h.feed(m.ExecutorAdded("e%d" % (round_ + 2), "tcp://new", 1))
    (failed,) = h.of(m.JobFailed)
    text = str(failed.error)
    assert "failed 4 times" in text and "exited with code 1" in text and "partition 0" in text
    assert [e["reason"] for e in h.logs("TaskEnd")] == ["executor lost: executor process exited with code 1"] * 4


def test_an_executor_killed_from_outside_counts_against_no_task():
    ctx = FakeContext()
    h = Harness(executors=("e1",))
    h.feed(m.JobSubmitted(0, words(ctx, 1), list, [0]))
    for n in range(6):
        (launch,) = h.launched()
        h.answered = set(h.answered) | {launch.task_id}
        h.feed(m.ExecutorLost(launch.executor_id, "killed by SIGKILL"))
        h.feed(m.ExecutorAdded("x%d" % n, "tcp://new", 1))
    h.run_to_end()
    assert h.of(m.JobSucceeded) and not h.of(m.JobFailed)


def test_only_the_attempts_executing_on_a_crashed_executor_count_not_those_queued_behind_them():
    ctx = FakeContext()
    h = Harness(executors=("e1",))
    h.feed(m.JobSubmitted(0, words(ctx, 8), list, list(range(8))))
    for _ in range(4):                       # short tasks: later ones queue behind the running one
        h.succeed(h.launched()[0])
    on_e1 = h.launched()
    assert len(on_e1) == 3
    h.answered = set(h.answered) | {l.task_id for l in on_e1}
    task_set = next(iter(h.scheduler.running)).task_set
    h.feed(m.ExecutorLost("e1", "executor process exited with code 1", caused_by_task=True))
    oldest = min(on_e1, key=lambda l: l.task_id)
    assert dict(task_set.failures) == {oldest.partition: 1}
    h.feed(m.ExecutorAdded("e2", "tcp://e2", 1))
    h.run_to_end()
    assert h.of(m.JobSucceeded)


def test_a_fetch_failure_from_an_unreachable_executor_drops_all_its_outputs():
    ctx = FakeContext()
    counts = words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 2)
    h = Harness()
    h.feed(m.JobSubmitted(0, counts, list, [0, 1]))
    failed = []

    def fail_first_reduce(h, launch):
        if not launch.is_map and not failed:
            failed.append(launch)
            shuffle_id = list(launch.shuffle_locations)[0]
            victim = map_executor(launch, shuffle_id, 1)
            h.fail(launch, "fetch_failed", shuffle_id=shuffle_id, map_index=1, map_executor=victim,
                   unreachable=True)
            failed.append(victim)
            return True
        return False

    h.run_to_end(fail_first_reduce)
    h.feed(m.Tick(), advance=0.5)
    h.run_to_end()
    maps = [a for a in h.of(m.LaunchTask) if a.is_map]
    on_victim = sorted(a.partition for a in maps[:4] if a.executor_id == failed[1])
    assert sorted(a.partition for a in maps[4:]) == on_victim and len(on_victim) >= 2
    assert h.of(m.JobSucceeded)


def test_a_task_that_ignores_its_kill_gets_its_executor_replaced_after_the_kill_timeout():
    ctx = FakeContext()
    h = Harness(**{"task.killTimeout": 10.0})
    h.feed(m.JobSubmitted(0, words(ctx, 2), list, [0, 1]))
    stuck = h.launched()
    h.feed(m.JobCancelled(0, "cancelAllJobs()"))
    assert {a.task_id for a in h.of(m.KillTask)} == {l.task_id for l in stuck}
    h.feed(m.Tick(), advance=9.0)
    assert not h.of(m.RemoveExecutor)
    h.feed(m.TaskFailed(stuck[0].task_id, stuck[0].executor_id, m.Killed()))   # this one stopped
    h.answered = {l.task_id for l in stuck}
    h.feed(m.Tick(), advance=2.0)
    removed = h.of(m.RemoveExecutor)
    assert [r.executor_id for r in removed] == [stuck[1].executor_id]
    assert "did not stop within 10s" in removed[0].reason


def _fail_reduces(h, times, **failure):
    """Fail the first reduce launch of each of ``times`` stage attempts with a fetch failure of map 1."""
    for _ in range(times):
        for _ in range(100):
            pending = h.launched()
            reduces = [l for l in pending if not l.is_map]
            if reduces:
                break
            if not pending:
                h.feed(m.Tick(), advance=0.5)
                continue
            h.succeed(pending[0])
        launch = reduces[0]
        shuffle_id = list(launch.shuffle_locations)[0]
        executor = map_executor(launch, shuffle_id, 1)
        h.fail(launch, "fetch_failed", shuffle_id=shuffle_id, map_index=1, map_executor=executor, **failure)
        for stale in [l for l in h.launched() if not l.is_map]:   # the rest of that attempt
            h.fail(stale, "killed")
        h.feed(m.Tick(), advance=0.5)


def test_a_stage_whose_blocks_keep_failing_on_a_live_executor_aborts_after_four_attempts():
    """The first failure to read map 1 is a resubmission; each time it fails again counts."""
    ctx = FakeContext()
    h = Harness()
    h.feed(m.JobSubmitted(0, words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 2), list, [0, 1]))
    _fail_reduces(h, 4)
    assert not h.of(m.JobFailed)
    _fail_reduces(h, 1)
    (failed,) = h.of(m.JobFailed)
    assert "failed the maximum allowable number of times: 4" in str(failed.error)
    for launch in h.launched():
        h.fail(launch, "killed")


def test_an_executor_silent_once_per_stage_costs_resubmissions_not_the_job():
    ctx = FakeContext()
    h = Harness(executors=("e1", "e2", "e3", "e4", "e5", "e6"))
    h.feed(m.JobSubmitted(0, words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 2), list, [0, 1]))
    _fail_reduces(h, 4, unreachable=True)      # each time a different map executor (outputs move)
    assert not h.of(m.JobFailed)
    h.run_to_end()
    assert h.of(m.JobSucceeded)


def test_a_finished_parent_that_lost_its_outputs_is_rerun_when_its_sibling_finishes():
    """The soak's hang: a join waited forever for a parent whose outputs went with an executor."""
    ctx = FakeContext()
    left = words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 2)
    right = words(ctx).map(lambda w: (w, 2)).reduceByKey(add, 2)
    h = Harness(executors=("e1", "e2"), cores=8)
    h.feed(m.JobSubmitted(0, left.join(right, 2), list, [0, 1]))
    maps = {}
    for launch in h.launched():
        maps.setdefault(launch.stage_id, []).append(launch)
    first, second = sorted(maps)                         # both reduceByKeys' map stages run at once
    victim = maps[second][0].executor_id
    still_running = next(l for l in maps[first] if l.executor_id != victim)
    for launch in maps[second] + [l for l in maps[first] if l is not still_running]:
        h.succeed(launch)                                # the second map stage finishes...
    h.feed(m.ExecutorLost(victim, "killed"))             # ...then loses outputs with an executor
    h.feed(m.ExecutorAdded("e3", "tcp://e3", 8))
    h.succeed(still_running)                             # the first finishes: the join must not wait
    h.run_to_end()
    assert h.of(m.JobSucceeded), "the job waited forever for a parent nobody reran"


def test_reduce_tasks_are_told_only_the_non_empty_blocks_of_the_partitions_they_read():
    """A reducer fetches the map outputs with records for it (Spark skips zero-sized blocks), and a
    task over a coalesced shuffle gets the blocks of every reduce partition it reads."""
    ctx = FakeContext()
    summed = words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 4).coalesce(2)
    h = Harness()
    h.feed(m.JobSubmitted(0, summed, list, [0, 1]))
    sizes = {0: {0: 5, 3: 7}, 1: {2: 3}, 2: {0: 1, 1: 1, 2: 1, 3: 1}, 3: {}}
    while [l for l in h.launched() if l.is_map]:
        launch = [l for l in h.launched() if l.is_map][0]
        h.answered = set(h.answered) | {launch.task_id}
        h.feed(m.TaskSucceeded(launch.task_id, launch.executor_id, m.MapOutput(sizes[launch.partition])), 0.01)
    reduces = sorted((l for l in h.launched() if not l.is_map), key=lambda l: l.partition)
    assert len(reduces) == 2
    (shuffle_id,) = reduces[0].shuffle_locations
    told = {r: [b[0] for b in blocks] for launch in reduces for r, blocks in launch.shuffle_locations[shuffle_id].items()}
    assert told == {0: [0, 2], 1: [2], 2: [1, 2], 3: [0, 2]}
    assert sorted(reduces[0].shuffle_locations[shuffle_id]) == [0, 1]      # coalesced: two reduce partitions
    h.run_to_end()
    assert len(h.of(m.JobSucceeded)) == 1


def test_the_tracker_answers_readers_at_the_cost_of_the_blocks_that_exist():
    """Missing outputs are in every reader's list (the reader fails the fetch, the stage reruns them); a
    reduce partition no map wrote to reads only the missing ones; losing an executor drops its blocks."""
    from zpark.scheduler.map_output_tracker import MapOutputTracker, MapStatus
    tracker = MapOutputTracker()
    tracker.register_shuffle(7, 3)
    assert tracker.missing(7) == [0, 1, 2] and not tracker.is_available(7)
    tracker.register(7, 0, MapStatus("a", "addr-a", 11, {5: 10, 70000: 3}))
    tracker.register(7, 2, MapStatus("b", "addr-b", 12, {5: 1}))
    assert tracker.blocks_for(7, 5) == [(0, "a", "addr-a", 11), (1, None, None, None), (2, "b", "addr-b", 12)]
    assert tracker.blocks_for(7, 6) == [(1, None, None, None)]
    tracker.register(7, 1, MapStatus("b", "addr-b", 13, {}))
    assert tracker.is_available(7) and tracker.missing(7) == []
    assert tracker.blocks_for(7, 70000) == [(0, "a", "addr-a", 11)]
    assert tracker.blocks_for(7, 6) == []
    assert tracker.unregister_executor("b") == {7: [1, 2]}
    assert tracker.missing(7) == [1, 2]
    assert tracker.blocks_for(7, 5) == [(0, "a", "addr-a", 11), (1, None, None, None), (2, None, None, None)]


def test_a_result_brought_by_a_retired_attempt_finishes_the_job():
    """The fault test's hang: a reduce task went on running after its stage attempt was retired for a
    lost executor's outputs and brought the job's last result; the resubmitted stage found nothing to
    run, and the job waited forever."""
    ctx = FakeContext()
    counts = words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 2)
    h = Harness(executors=("e1", "e2", "e3"))
    h.feed(m.JobSubmitted(0, counts, list, [0, 1]))
    for _ in range(10):
        maps = [l for l in h.launched() if l.is_map]
        if not maps:
            break
        h.succeed(maps[0])
    reduces = h.launched()
    assert len(reduces) == 2 and not any(l.is_map for l in reduces)
    slow, fast = reduces
    h.succeed(fast)
    (locations,) = slow.shuffle_locations.values()
    victim = next(executor for block in locations.values() for _, executor, _, _ in block
                  if executor != slow.executor_id)
    h.feed(m.ExecutorLost(victim, "killed"))             # retires the reduce attempt: its input is gone
    assert [f.get("failure") for f in h.logs("StageCompleted")][-1] == "fetch failed"
    h.succeed(slow, b"last")                             # ...but its running task still brings a result
    (done,) = h.of(m.JobSucceeded)
    assert dict(zip([0, 1], done.results)) == {fast.partition: b"v", slow.partition: b"last"}
    h.feed(m.Tick(), advance=0.5)                        # the resubmission that was due finds no job
    h.run_to_end()
    assert len(h.of(m.JobSucceeded)) == 1 and not h.of(m.JobFailed)
    assert not [l for l in h.launched() if l.is_map]


def test_a_job_that_nothing_would_move_on_fails_on_the_next_tick_instead_of_waiting_forever():
    ctx = FakeContext()
    h = Harness()
    h.feed(m.JobSubmitted(0, words(ctx).map(lambda w: (w, 1)).reduceByKey(add, 2), list, [0, 1]))
    h.feed(m.Tick(), advance=0.1)
    assert not h.of(m.JobFailed)                  # a running job is left alone
    h.scheduler.running.clear()                   # what a bug could leave: no stage scheduled at all
    h.scheduler.waiting.clear()
    h.feed(m.Tick(), advance=0.1)
    (failed,) = h.of(m.JobFailed)
    assert isinstance(failed.error, SchedulerError) and "Job 0 cannot go on" in str(failed.error)
    assert h.scheduler.jobs == {}
    h.answered = {l.task_id for l in h.launched()}   # the attempts still out answer into nothing
    h.scheduler.tasks.clear()
    for slots in h.scheduler.executors.values():
        slots.free = slots.cores
