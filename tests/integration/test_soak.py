"""Fault-injection soak: random kills, freezes, corrupt shuffle files and unreachable block servers
while jobs with three shuffles, a cached RDD and accumulators run. Every run must be exact, and
nothing may hang.

CI runs a short pass; ``pytest tests/integration/test_soak.py --soak-runs 50`` is the long mode
(``--soak-seed S`` replays a run: the seed of each run is printed).
"""
import os
import random
import signal
import threading
import time
from collections import Counter, defaultdict

import pytest

import zpark

HEARTBEAT_TIMEOUT = 3.0
FETCH_TIMEOUT = 1.5
N = 6000
FAULTS = ["kill", "freeze_long", "freeze_short", "flip_byte", "truncate", "delete_index", "unreachable"]


def expected_answer():
    sums = Counter()
    for x in range(N):
        sums[x % 97] += x
    groups = defaultdict(list)
    for k, v in sums.items():
        groups[k % 13].append(v)
    names = {k: "n%d" % k for k in range(13)}
    return {k: (sorted(vs), names[k]) for k, vs in groups.items()}


class FaultInjector:
    """Seeded faults against the executors of one Context, about one a second (0.4-1.6 s apart).

    Twice that rate on three one-core executors outruns recovery: every
    freeze longer than the heartbeat timeout takes an executor away for
    seconds, and corruptions then land on the recomputed outputs faster
    than a stage can finish, until the stage-attempt cap rightly gives up.
    """

    def __init__(self, ctx, rng):
        self.ctx, self.rng = ctx, rng
        self.counts = Counter()
        self.stop = threading.Event()
        self.frozen = {}                   # pid -> when to thaw
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.wait(self.rng.uniform(0.4, 1.6)):
            self._thaw(time.monotonic())
            fault = self.rng.choice(FAULTS)
            try:
                getattr(self, fault)()
            except (ProcessLookupError, FileNotFoundError, IndexError):
                continue
            self.counts[fault] += 1
        self._thaw(float("inf"))

    def _victim(self):
        pids = sorted(p for p in self.ctx._cluster.pids().values() if p not in self.frozen)
        return self.rng.choice(pids)

    def _freeze(self, seconds):
        pid = self._victim()
        os.kill(pid, signal.SIGSTOP)
        self.frozen[pid] = time.monotonic() + seconds

    def _thaw(self, now):
        for pid, when in list(self.frozen.items()):
            if when <= now:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                del self.frozen[pid]

    def kill(self):
        os.kill(self._victim(), signal.SIGKILL)

    def freeze_long(self):
        self._freeze(HEARTBEAT_TIMEOUT + 2.0)      # declared lost, then wakes up

    def freeze_short(self):
        self._freeze(HEARTBEAT_TIMEOUT / 3)        # noticed by nobody but a slow fetch

    def unreachable(self):
        self._freeze(FETCH_TIMEOUT + 0.7)          # its block server times out fetches; it stays registered

    def _shuffle_file(self, suffix):
        files = []
        for info in self.ctx.executorInfos():
            folder = os.path.join(info.work_dir or "", "shuffle")
            if os.path.isdir(folder):
                files += [os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(suffix)]
        return self.rng.choice(sorted(files))

    def flip_byte(self):
        path = self._shuffle_file(".data")
        size = os.path.getsize(path)
        if size:
            with open(path, "r+b") as f:
                f.seek(self.rng.randrange(size))
                byte = f.read(1)
                f.seek(-1, os.SEEK_CUR)
                f.write(bytes([byte[0] ^ 0xFF]))

    def truncate(self):
        path = self._shuffle_file(".data")
        os.truncate(path, os.path.getsize(path) // 2)

    def delete_index(self):
        os.unlink(self._shuffle_file(".index"))


def one_job(ctx, names):
    seen = ctx.accumulator(0)

    def keyed(x, seen=seen):
        seen.add(1)
        if x % 50 == 0:
            time.sleep(0.01)           # about a second of work a job, so faults land inside it
        return (x % 97, x)
    sums = ctx.parallelize(range(N), 12).map(keyed).reduceByKey(lambda a, b: a + b, 6)   # shuffle 1
    groups = sums.map(lambda kv: (kv[0] % 13, kv[1])).groupByKey(5)                     # shuffle 2
    joined = groups.mapValues(sorted).join(names, 4)                                     # shuffle 3
    return dict(joined.collect()), seen


def one_run(ctx, seed, expected, min_faults=4, max_jobs=12):
    """Jobs back to back under faults until ``min_faults`` were injected; each must be exact."""
    injector = FaultInjector(ctx, random.Random(seed))
    names = ctx.parallelize([(k, "n%d" % k) for k in range(13)], 3).cache()    # a cached RDD
    names.count()
    injector.thread.start()
    jobs = 0
    try:
        while jobs < max_jobs and (jobs == 0 or sum(injector.counts.values()) < min_faults):
            answer, seen = one_job(ctx, names)
            jobs += 1
            assert answer == expected, "seed %d, job %d" % (seed, jobs)
            assert seen.value == N, "seed %d, job %d: accumulator %d" % (seed, jobs, seen.value)
    finally:
        injector.stop.set()
        injector.thread.join()
    return jobs, injector.counts


@pytest.mark.soak
@pytest.mark.timeout(0)   # the long mode runs for many minutes; zpark.job.stallTimeout bounds each job instead
def test_soak_every_run_is_exact_under_random_faults(request, tmp_path):
    runs = request.config.getoption("--soak-runs") or int(os.environ.get("ZPARK_SOAK_RUNS", "3"))
    first_seed = request.config.getoption("--soak-seed")
    first_seed = random.randrange(1 << 30) if first_seed is None else first_seed
    conf = {"zpark.eventLog.dir": str(tmp_path), "zpark.executor.heartbeatTimeout": HEARTBEAT_TIMEOUT,
            "zpark.executor.heartbeatInterval": 0.25, "zpark.shuffle.fetchTimeout": FETCH_TIMEOUT,
            "zpark.local.maxExecutorRestarts": 100000, "zpark.task.maxFailures": 4,
            "zpark.job.stallTimeout": 120.0,
            "zpark.shuffle.readHostLocalDisk": False}   # reducers fetch from block servers, which the faults hit
    expected = expected_answer()
    totals = Counter()
    with zpark.Context("local[3]", app_name="soak", conf=conf) as ctx:
        for run in range(runs):
            seed = first_seed + run
            print("soak run %d: seed %d" % (run, seed), flush=True)
            jobs, counts = one_run(ctx, seed, expected)
            totals.update(counts)
            print("soak run %d: %d jobs exact; faults %s" % (run, jobs, dict(counts)), flush=True)
    print("soak: %d runs exact, seeds %d-%d, faults %s" % (runs, first_seed, first_seed + runs - 1,
                                                         dict(totals)), flush=True)
