"""Fault injection on real executor processes: every test checks the exact answer and accumulators.

Faults come in through public means only: TaskContext (a task that kills its
own executor or raises on attempt 0), signals to executor pids, and files
removed or corrupted in an executor's shuffle directory.
"""
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from operator import add

import psutil
import pytest

import zpark
from zpark import TaskContext
from zpark.driver.event_log import read_events

from waiting import wait_for

WORDS = ["w%d" % i for i in range(50)]
LINES = [" ".join(random.Random(i).choice(WORDS) for _ in range(20)) for i in range(400)]
EXPECTED = Counter(w for line in LINES for w in line.split())


@pytest.fixture
def sc(tmp_path):
    conf = {"zpark.eventLog.dir": str(tmp_path / "events"), "zpark.executor.heartbeatTimeout": 2.0}
    with zpark.Context("local[3]", app_name="faults", conf=conf) as ctx:
        yield ctx


def events(sc, kind):
    return [e for e in read_events(sc.eventLogPath) if e["event"] == kind]


def wordcount(sc, map_fn=None, partitions=8):
    counted = sc.accumulator(0)

    def split(line):
        counted.add(1)
        if map_fn:
            map_fn()
        return line.split()
    counts = sc.parallelize(LINES, partitions).flatMap(split).map(lambda w: (w, 1)).reduceByKey(add, 4)
    return counts, counted


def test_tasks_raising_on_their_first_attempt_are_retried_and_counted_once(sc):
    def flaky():
        tc = TaskContext.get()
        if tc.attemptNumber() == 0 and tc.partitionId() in (1, 5):
            raise RuntimeError("injected failure")
    counts, counted = wordcount(sc, flaky)
    assert dict(counts.collect()) == EXPECTED
    assert counted.value == len(LINES)
    acc = sc.accumulator(0)

    def flaky_result(x):
        tc = TaskContext.get()
        acc.add(1)
        if tc.attemptNumber() == 0 and tc.partitionId() == 2:
            raise RuntimeError("injected")
    sc.parallelize(range(100), 5).foreach(flaky_result)
    assert acc.value == 100


def test_a_task_failing_every_time_fails_the_job_and_the_context_survives(sc):
    def always(x):
        if TaskContext.get().partitionId() == 1:
            raise KeyError("always broken")
        return x
    with pytest.raises(zpark.JobFailedError, match="always broken") as info:
        sc.parallelize(range(10), 3).map(always).count()
    assert "failed 4 times" in str(info.value)
    assert sc.parallelize(range(10), 3).sum() == 45


def test_executor_killed_during_the_map_stage(sc):
    def die_once():
        tc = TaskContext.get()
        if tc.partitionId() == 2 and tc.attemptNumber() == 0:
            os._exit(1)
    counts, counted = wordcount(sc, die_once)
    assert dict(counts.collect()) == EXPECTED
    assert counted.value == len(LINES)
    assert any("exited" in e["reason"] for e in events(sc, "ExecutorRemoved"))
    wait_for(lambda: len(sc.executorInfos()) == 3, 20, message="a replacement executor")


def test_executor_killed_between_map_and_reduce_forces_fetch_failure_recompute(sc):
    counts, counted = wordcount(sc, partitions=9)
    first_job = counts.map(lambda kv: kv).count()

    def die_in_the_first_reducer(index, iterator):
        # The reducer of partition 0 kills its own executor: that attempt's result can only come from a
        # new attempt, which needs the map outputs that died with the executor. (Killing another executor
        # instead races the other reducers: when they all finish before the driver learns of the death,
        # nothing is left to recompute - the scheduler tests cover that order.)
        tc = TaskContext.get()
        if index == 0 and tc.stageAttemptNumber() == 0 and tc.attemptNumber() == 0:
            os.kill(os.getpid(), signal.SIGKILL)
        return iterator
    assert dict(counts.mapPartitionsWithIndex(die_in_the_first_reducer).collect()) == EXPECTED
    assert first_job == len(EXPECTED) and counted.value == len(LINES)
    (victim,) = [e["executor_id"] for e in events(sc, "ExecutorRemoved")]
    # Map partitions that lived on the victim ran again, and nothing else of the map stage did.
    map_stage = [e for e in events(sc, "StageSubmitted") if e["name"].startswith("ShuffleMapStage")][0]
    lost = sorted(e["partition"] for e in events(sc, "TaskEnd") if e["reason"] == "success"
                  and e["executor_id"] == victim and e["stage_id"] == map_stage["stage_id"])
    resubmits = [e for e in events(sc, "StageSubmitted")
                 if e["stage_id"] == map_stage["stage_id"] and e["stage_attempt"] > 0]
    assert lost and resubmits and sorted(p for e in resubmits for p in e["partitions"]) == lost


def test_three_shuffles_recompute_back_through_lineage(sc):
    victim_holder = {}
    base = sc.parallelize(range(2000), 6).map(lambda x: (x % 97, x)).reduceByKey(add, 5)
    second = base.map(lambda kv: (kv[0] % 13, kv[1])).reduceByKey(add, 4)
    expected = sorted(Counter({k: v for k, v in second.collect()}).items())
    victim_holder["pid"] = sc.executorInfos()[1].pid
    pid = victim_holder["pid"]

    def kill_during_third(index, it):
        tc = TaskContext.get()
        if index == 1 and tc.attemptNumber() == 0 and tc.stageAttemptNumber() == 0:
            os.kill(pid, signal.SIGKILL)
        return it
    third = second.map(lambda kv: (kv[0] % 3, kv[1])).reduceByKey(add, 3).mapPartitionsWithIndex(kill_during_third)
    totals = dict(third.collect())
    want = Counter()
    for k, v in expected:
        want[k % 3] += v
    assert totals == dict(want)
    assert sum(totals.values()) == sum(range(2000))


def test_corrupt_shuffle_file_is_detected_and_recomputed(sc):
    counts, counted = wordcount(sc)
    assert counts.count() == len(EXPECTED)
    data_files = []
    for info in sc.executorInfos():
        folder = os.path.join(info.work_dir, "shuffle")
        data_files += [os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".data")]
    target = max(data_files, key=os.path.getsize)
    with open(target, "r+b") as f:
        f.seek(10)
        byte = f.read(1)
        f.seek(10)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert dict(counts.collect()) == EXPECTED
    assert any("checksum" in e["reason"] for e in events(sc, "TaskEnd"))
    assert counted.value == len(LINES)


def test_stopped_executor_is_given_up_and_its_late_results_ignored(sc):
    pid = sc.executorInfos()[0].pid
    acc = sc.accumulator(0)

    def slow(x):
        acc.add(1)
        import time
        time.sleep(0.05)
        return x
    os.kill(pid, signal.SIGSTOP)
    try:
        assert sc.parallelize(range(60), 12).map(slow).sum() == sum(range(60))
        assert acc.value == 60
        assert any("heartbeat" in e["reason"] for e in events(sc, "ExecutorRemoved"))
    finally:
        os.kill(pid, signal.SIGCONT)
    assert sc.parallelize(range(60), 12).map(slow).sum() == sum(range(60))
    assert acc.value == 120


def test_cached_partitions_lost_with_their_executor_are_recomputed_alone(sc):
    computed = sc.accumulator(0)

    def mark(x):
        computed.add(1)
        return x
    cached = sc.parallelize(range(120), 6).map(mark).cache()
    assert cached.count() == 120 and computed.value == 120
    holders = Counter(e["executor_id"] for e in events(sc, "TaskEnd") if e["reason"] == "success")
    victim = sc.executorInfos()[0]
    os.kill(victim.pid, signal.SIGKILL)
    wait_for(lambda: victim.executor_id not in [i.executor_id for i in sc.executorInfos()], 10,
             message="the killed executor to be dropped")
    assert cached.sum() == sum(range(120))
    assert 0 < computed.value - 120 < 120  # only the lost partitions were recomputed
    assert holders


def test_speculative_copy_wins_and_output_is_committed_once(sc, tmp_path):
    sc.stop()
    conf = {"zpark.eventLog.dir": str(tmp_path / "ev"), "zpark.speculation": True}
    with zpark.Context("local[3]", conf=conf) as ctx:
        def straggle(index, it):
            tc = TaskContext.get()
            if index == 3 and tc.attemptNumber() == 0:
                import time
                time.sleep(30)
            return it
        import time
        started = time.monotonic()
        out = str(tmp_path / "out")
        ctx.parallelize(range(80), 8).mapPartitionsWithIndex(straggle).saveAsTextFile(out)
        assert time.monotonic() - started < 20
        names = sorted(os.listdir(out))
        assert names == ["_SUCCESS"] + ["part-%05d" % i for i in range(8)]
        lines = [int(l) for n in names[1:] for l in open(os.path.join(out, n))]
        assert sorted(lines) == list(range(80))
        assert [e for e in read_events(ctx.eventLogPath) if e["event"] == "TaskStart" and e["speculative"]]


def test_chaos_an_executor_killed_about_every_second_twenty_jobs_in_a_row(tmp_path):
    """A killer thread SIGKILLs a random executor every ~second while 20 jobs run back to back."""
    conf = {"zpark.eventLog.dir": str(tmp_path / "events"), "zpark.executor.heartbeatTimeout": 2.0,
            "zpark.local.maxExecutorRestarts": 200}
    expected = {k: sum(x for x in range(3600) if x % 10 == k) for k in range(10)}
    with zpark.Context("local[3]", app_name="chaos", conf=conf) as ctx:
        stop, kills = threading.Event(), []

        def killer():
            rng = random.Random(11)
            while not stop.wait(rng.uniform(0.6, 1.4)):
                pids = sorted(ctx._cluster.pids().values())
                if pids:
                    victim = rng.choice(pids)
                    try:
                        os.kill(victim, signal.SIGKILL)
                        kills.append(victim)
                    except ProcessLookupError:
                        pass
        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        try:
            for run in range(20):
                acc = ctx.accumulator(0)

                def work(x, acc=acc):
                    acc.add(1)
                    time.sleep(0.0005)
                    return (x % 10, x)
                result = dict(ctx.parallelize(range(3600), 36).map(work).reduceByKey(add, 6).collect())
                assert result == expected, "run %d" % run
                assert acc.value == 3600, "run %d" % run
        finally:
            stop.set()
            thread.join()
        assert len(kills) >= 10
        removed = [e for e in read_events(ctx.eventLogPath) if e["event"] == "ExecutorRemoved"]
        assert len(removed) >= len(kills) - 1  # the last victim may still be on its way out


def test_ctrl_c_in_the_driver_cancels_the_job_and_stops_the_executors(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(
        "import time, zpark\n"
        "conf = {'zpark.eventLog.dir': %r, 'zpark.ui.showConsoleProgress': False}\n"
        "with zpark.Context('local[2]', conf=conf) as ctx:\n"
        "    print(' '.join(str(i.pid) for i in ctx.executorInfos()), flush=True)\n"
        "    ctx.parallelize(range(1000), 4).map(lambda x: time.sleep(0.05) or x).count()\n"
        "    print('finished', flush=True)\n" % str(tmp_path / "events"))
    # A shell's background job inherits SIGINT ignored, and Python keeps an ignored SIGINT: restore it.
    driver = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        executor_pids = [int(p) for p in driver.stdout.readline().split()]
        assert len(executor_pids) == 2

        def log_events():
            logs = list((tmp_path / "events").glob("*.jsonl"))
            return read_events(str(logs[0])) if logs else []
        wait_for(lambda: any(e["event"] == "TaskStart" for e in log_events()), 30, message="tasks to start")
        driver.send_signal(signal.SIGINT)
        out, err = driver.communicate(timeout=20)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode != 0 and "KeyboardInterrupt" in err and "finished" not in out
    wait_for(lambda: not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
                             for p in executor_pids), 10, message="the executors to exit")
    ends = [e for e in log_events() if e["event"] == "JobEnd"]
    assert ends and ends[-1]["result"] == "failed" and "Ctrl-C" in ends[-1]["reason"]
    assert log_events()[-1]["event"] == "ApplicationEnd"


def test_ctrl_c_during_a_loop_of_small_jobs_is_raised_between_turns_and_the_context_goes_on(tmp_path):
    """The main thread runs the driver's loop while it waits (driver/loop_lead.py): a Ctrl-C that comes
    in the middle of a turn is raised after it, so the scheduler is never left halfway through an event
    and every later job is exact."""
    script = tmp_path / "job.py"
    script.write_text(
        "import zpark\n"
        "with zpark.Context('local[2]', conf={'zpark.ui.showConsoleProgress': False}) as ctx:\n"
        "    small = ctx.parallelize(range(100), 2)\n"
        "    print('ready', flush=True)\n"
        "    interrupts = 0\n"
        "    while interrupts < 3:\n"
        "        try:\n"
        "            for i in range(1000000):\n"
        "                assert small.map(lambda x, i=i: x + i).sum() == 4950 + 100 * i\n"
        "        except KeyboardInterrupt:\n"
        "            interrupts += 1\n"
        "            print('interrupted', flush=True)\n"
        "    acc = ctx.accumulator(0)\n"
        "    pairs = ctx.parallelize(range(2000), 8).map(lambda x: acc.add(1) or (x % 10, x))\n"
        "    print(sorted(pairs.reduceByKey(lambda a, b: a + b).collect()) ==\n"
        "          [(k, sum(range(k, 2000, 10))) for k in range(10)], acc.value, flush=True)\n")
    driver = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    import queue
    lines = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in driver.stdout], daemon=True)
    reader.start()
    try:
        assert lines.get(timeout=60) == "ready\n"
        for _ in range(3):
            time.sleep(0.3)            # jobs run meanwhile: the signal lands anywhere in one of them
            driver.send_signal(signal.SIGINT)
            assert lines.get(timeout=30) == "interrupted\n"
        assert driver.wait(timeout=60) == 0, driver.stderr.read()
        reader.join(10)
        assert lines.get(timeout=1) == "True 2000\n"
    finally:
        if driver.poll() is None:
            driver.kill()


def test_cancel_all_jobs_stops_running_tasks_and_the_context_stays_usable(sc):
    import threading
    import time
    errors = []

    def slow(x):
        time.sleep(0.01)
        return x

    def run():
        try:
            sc.parallelize(range(100000), 3).map(slow).count()
        except zpark.JobCancelledError as exc:
            errors.append(exc)
    worker = threading.Thread(target=run)
    worker.start()
    wait_for(lambda: events(sc, "TaskStart"), 10, message="tasks to start")
    started = time.monotonic()
    sc.cancelAllJobs()
    worker.join(15)
    assert errors and time.monotonic() - started < 10
    assert sc.parallelize(range(10), 3).sum() == 45


def test_an_executor_that_dies_before_it_registers_is_replaced(tmp_path):
    """Killing an executor process during its start-up used to leave local mode one executor short."""
    conf = {"zpark.eventLog.dir": str(tmp_path / "events")}
    with zpark.Context("local[2]", app_name="early-death", conf=conf) as ctx:
        cluster = ctx._cluster
        # Start a third executor and kill it before it can register.
        replaced = threading.Event()
        original = cluster.on_removed

        def watched(executor_id, reason):
            original(executor_id, reason)
            replaced.set()
        ctx._backend.on_executor_removed = watched
        newcomer = cluster._spawn()
        os.kill(cluster.executors[newcomer].process.pid, signal.SIGKILL)
        assert replaced.wait(10), "the dead newcomer was never replaced"
        wait_for(lambda: len(ctx._backend.executors) == 3, 30, message="the replacement to register")
        assert ctx.parallelize(range(100), 6).map(lambda x: x + 1).sum() == 5050
