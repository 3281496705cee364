"""Core engine behaviour on real executor processes: shuffles, stages, accumulators, cache, broadcast, errors."""
import os
import random
import socket
import threading
from collections import Counter
from operator import add

import pytest

import zpark
from zpark.driver.event_log import read_events


@pytest.fixture(scope="module")
def sc(tmp_path_factory):
    os.environ.pop("PYTHONHASHSEED", None)  # each executor then draws its own string-hash seed
    log_dir = tmp_path_factory.mktemp("events")
    with zpark.Context("local[3]", app_name="core-tests", conf={"zpark.eventLog.dir": str(log_dir)}) as ctx:
        yield ctx


def events(sc, kind=None):
    return [e for e in read_events(sc.eventLogPath) if kind is None or e["event"] == kind]


def job_stages(sc, job_id):
    start = [e for e in events(sc, "JobStart") if e["job_id"] == job_id][0]
    submitted = [e for e in events(sc, "StageSubmitted") if job_id in e["job_ids"]]
    return start, submitted


def last_job_id(sc):
    return max(e["job_id"] for e in events(sc, "JobStart"))


def test_wordcount_equals_counter_with_different_hash_seeds(sc, tmp_path):
    seeds = set(sc.parallelize(range(12), 12).map(lambda _: hash("zpark-word")).collect())
    assert len(seeds) >= 2, "executors should have different string-hash seeds"
    rng = random.Random(1)
    vocabulary = ["w%d" % i for i in range(300)] + ["é", "naïve", "日本"]
    text = []
    for i in range(5):
        lines = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 15))) for _ in range(400)]
        (tmp_path / ("f%d.txt" % i)).write_text("\n".join(lines) + "\n", encoding="utf-8")
        text.extend(lines)
    counts = (sc.textFile(str(tmp_path), minPartitions=9).flatMap(str.split)
              .map(lambda w: (w, 1)).reduceByKey(add, 5))
    assert dict(counts.collect()) == Counter(w for line in text for w in line.split())
    start, submitted = job_stages(sc, last_job_id(sc))
    assert len(start["stage_ids"]) == 2 and len(submitted) == 2


def test_stage_structure_of_joins(sc):
    a = sc.parallelize([(i % 10, i) for i in range(100)], 4)
    b = sc.parallelize([(i % 10, -i) for i in range(50)], 3)
    assert a.join(b).count() == sum(10 * 5 for _ in range(10))
    assert len(job_stages(sc, last_job_id(sc))[0]["stage_ids"]) == 3
    pa, pb = a.partitionBy(4), b.partitionBy(4)
    joined = pa.join(pb)
    assert b"ShuffledRDD" in joined.toDebugString()
    assert joined.count() == 500
    assert len(job_stages(sc, last_job_id(sc))[0]["stage_ids"]) == 3  # no shuffle for the join itself
    reduced = pa.reduceByKey(add)
    assert reduced.getNumPartitions() == 4 and sorted(reduced.collect()) == sorted(
        (k, sum(i for i in range(100) if i % 10 == k)) for k in range(10))
    assert len(job_stages(sc, last_job_id(sc))[0]["stage_ids"]) == 2


def test_debug_string_indents_one_level_per_shuffle(sc):
    rdd = sc.parallelize(["a b"], 2).flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add).mapValues(str)
    assert isinstance(rdd.toDebugString(), bytes)                # as PySpark returns it
    lines = rdd.toDebugString().decode().splitlines()
    assert lines[0].startswith("(2) MapPartitionsRDD")
    assert lines[1].startswith(" |  ShuffledRDD")
    assert lines[2].startswith(" +-(2) MapPartitionsRDD")       # flatMap and map pipelined into one RDD
    assert lines[3].startswith("    |  ParallelCollectionRDD") and len(lines) == 4


def test_transformations_are_lazy_and_finished_stages_are_skipped(sc):
    before = len(events(sc, "JobStart"))
    counts = sc.parallelize(range(100), 4).map(lambda x: (x % 7, 1)).reduceByKey(add).filter(lambda kv: kv[1])
    assert len(events(sc, "JobStart")) == before
    assert counts.count() == 7
    map_tasks_before = len([e for e in events(sc, "TaskStart")])
    assert sorted(counts.collect()) == sorted(Counter(x % 7 for x in range(100)).items())
    job = last_job_id(sc)
    start, submitted = job_stages(sc, job)
    assert len(start["stage_ids"]) == 2 and len(submitted) == 1  # the map stage was skipped
    assert len(events(sc, "TaskStart")) - map_tasks_before == counts.getNumPartitions()


def test_accumulators_are_exact_and_custom_params_work(sc):
    acc = sc.accumulator(0)
    rdd = sc.parallelize(range(1000), 7)
    rdd.foreach(lambda x: acc.add(1))
    assert acc.value == 1000

    def count_and_pass(x):
        acc2.add(x)
        return x
    acc2 = sc.accumulator(0.0)
    assert rdd.map(count_and_pass).sum() == sum(range(1000))
    assert acc2.value == float(sum(range(1000)))

    class SetParam(zpark.AccumulatorParam):
        def zero(self, value):
            return set()

        def addInPlace(self, a, b):
            a |= b if isinstance(b, set) else {b}
            return a
    seen = sc.accumulator(set(), SetParam())
    rdd.foreach(lambda x: seen.add(x % 5))
    assert seen.value == {0, 1, 2, 3, 4}

    def read_value(x):
        return acc.value
    with pytest.raises(zpark.JobFailedError, match="cannot be accessed inside tasks"):
        sc.parallelize([1]).map(read_value).collect()


def test_cached_rdd_is_computed_once_for_two_actions(sc):
    computed = sc.accumulator(0)

    def expensive(x):
        computed.add(1)
        return x * 2
    for level in (zpark.StorageLevel.MEMORY_ONLY, zpark.StorageLevel.DISK_ONLY, zpark.StorageLevel.MEMORY_AND_DISK):
        computed.value = 0
        cached = sc.parallelize(range(300), 6).map(expensive).persist(level)
        assert cached.count() == 300
        assert cached.sum() == 2 * sum(range(300))
        assert sorted(cached.collect()) == [2 * x for x in range(300)]
        assert computed.value == 300
        cached.unpersist()


def test_broadcast_is_shipped_once_per_executor(sc, tmp_path):
    marker_dir = str(tmp_path)

    class Recorded:
        def __init__(self, payload):
            self.payload = payload

        def __setstate__(self, state):
            self.__dict__.update(state)
            with open(os.path.join(marker_dir, "%d-%d" % (os.getpid(), random.random() * 1e9)), "w"):
                pass
    table = sc.broadcast(Recorded({i: i * i for i in range(100)}))
    result = sc.parallelize(range(100), 30).map(lambda x: table.value.payload[x]).collect()
    assert result == [i * i for i in range(100)]
    again = sc.parallelize(range(10), 9).map(lambda x: table.value.payload[x]).sum()
    assert again == sum(i * i for i in range(10))
    pids = [name.split("-")[0] for name in os.listdir(marker_dir)]
    assert len(pids) == len(set(pids)) <= 3
    sent = [e for e in events(sc) if e["event"] == "TaskStart"]
    assert sent
    table.destroy()
    with pytest.raises(Exception):
        table.value


def test_unpicklable_closures_fail_on_the_driver_with_a_named_culprit(sc):
    rdd = sc.parallelize(range(10), 2)
    guard = threading.Lock()
    with pytest.raises(zpark.SerializationError, match="guard"):
        rdd.map(lambda x: (guard, x)).collect()
    conn = socket.socket()
    try:
        with pytest.raises(zpark.SerializationError, match="conn"):
            rdd.map(lambda x: conn.fileno() + x).collect()
    finally:
        conn.close()
    context = sc
    with pytest.raises(zpark.SerializationError, match="captures the Context"):
        rdd.map(lambda x: context.defaultParallelism).collect()
    other = sc.parallelize([1])
    with pytest.raises(zpark.SerializationError, match="captures the RDD"):
        rdd.map(lambda x: other.count()).collect()
    assert rdd.sum() == 45


def test_a_raising_task_fails_the_job_with_the_remote_traceback(sc):
    def explode(x):
        if x == 7:
            raise ValueError("bad record %d" % x)
        return x
    with pytest.raises(zpark.JobFailedError) as info:
        sc.parallelize(range(10), 5).map(explode).collect()
    message = str(info.value)
    assert "ValueError: bad record 7" in message and "explode" in message
    assert "partition 3" in message and "failed 4 times" in message and "stage" in message
    assert sc.parallelize(range(10), 5).map(lambda x: x + 1).sum() == 55


def test_event_log_counts_input_shuffle_and_output_records_and_bytes(sc, tmp_path):
    lines = ["alpha beta", "beta", "", "gamma alpha beta"] * 50
    source = tmp_path / "in.txt"
    source.write_text("\n".join(lines) + "\n")
    words = sc.textFile(str(source), minPartitions=3).flatMap(str.split).map(lambda w: (w, 1))
    out = str(tmp_path / "out")
    words.reduceByKey(add, 2).saveAsTextFile(out)
    job = last_job_id(sc)
    stage_ids = set(job_stages(sc, job)[0]["stage_ids"])
    ends = [e for e in events(sc, "TaskEnd") if e["stage_id"] in stage_ids and e["counted"]]
    total = Counter()
    for e in ends:
        total.update(e["metrics"])
    assert total["input_records_read"] == len(lines)
    assert total["input_bytes_read"] == os.path.getsize(source)
    assert total["shuffle_records_written"] == total["shuffle_records_read"] <= 3 * 3
    assert total["shuffle_bytes_written"] == total["shuffle_bytes_read"] > 0
    written = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out) if f.startswith("part-"))
    assert total["output_records_written"] == 3 and total["output_bytes_written"] == written
    assert all(e["duration"] >= 0 and e["executor_id"] and "attempt" in e for e in ends)


def test_sums_by_int_key_are_exact_in_columns_and_where_records_need_dicts(sc):
    """reduceByKey(add) over int keys is summed in numpy columns; odd records fall back to dicts, exactly."""
    def records(i):
        rng = random.Random(i)
        if i == 3:   # a bool key, an int past int64, a float among ints: this map task combines in dicts
            return [(True, 1), (1 << 70, 2), (7, 0.5)] + [(rng.randrange(-50, 100), 1) for _ in range(500)]
        return [(rng.randrange(-50, 100), rng.randint(-5, 5)) for _ in range(5000)]

    def expected(parts):
        merged = {}
        for i in parts:   # each map output combined in record order, merged in map order
            combined = {}
            for k, v in records(i):
                combined[k] = combined[k] + v if k in combined else v
            for k, v in combined.items():
                merged[k] = merged[k] + v if k in merged else v
        return sorted((type(k).__name__, k, type(v).__name__, v) for k, v in merged.items())

    def typed(pairs):
        return sorted((type(k).__name__, k, type(v).__name__, v) for k, v in pairs)

    def columns_used():
        stage_ids = set(job_stages(sc, last_job_id(sc))[0]["stage_ids"])
        return sum(e["metrics"].get("shuffle_records_combined_in_columns", 0)
                   for e in events(sc, "TaskEnd") if e["stage_id"] in stage_ids and e["counted"])

    ints = sc.parallelize([0, 1, 2], 3).flatMap(records).reduceByKey(add, 4).collect()
    assert typed(ints) == expected([0, 1, 2])
    assert 0 < columns_used() <= 3 * 150
    mixed = sc.parallelize([0, 1, 2, 3], 4).flatMap(records).reduceByKey(add, 4).collect()
    assert typed(mixed) == expected([0, 1, 2, 3])
    assert isinstance(dict(mixed)[7], float) and dict(mixed)[1 << 70] == 2
    floats = (sc.parallelize(range(4), 4).flatMap(lambda i: [(k % 97, k / 7) for k in range(i, 4000, 4)])
              .reduceByKey(add).collect())
    reference = {}
    for i in range(4):
        combined = {}
        for k in range(i, 4000, 4):
            combined[k % 97] = combined[k % 97] + k / 7 if k % 97 in combined else k / 7
        for k, v in combined.items():
            reference[k] = reference[k] + v if k in reference else v
    assert dict(floats) == reference and columns_used() > 0


def test_a_result_the_driver_cannot_decode_fails_the_action_and_the_context_goes_on(sc):
    def refuse():
        raise ValueError("this result refuses to be unpickled")

    class Refusing:
        def __reduce__(self):
            return refuse, ()

    with pytest.raises(ValueError, match="refuses to be unpickled"):
        sc.parallelize(range(4), 4).map(lambda x: Refusing() if x == 2 else x).collect()
    assert sc.parallelize(range(4), 4).map(lambda x: x * 2).collect() == [0, 2, 4, 6]


def test_a_bug_inside_the_scheduler_fails_the_job_at_once_and_the_context_goes_on(sc):
    import time
    scheduler = sc._backend.scheduler

    def broken(event):
        raise ZeroDivisionError("injected scheduler bug")

    installed = threading.Event()
    sc._backend.submit(lambda: (setattr(scheduler, "_on_TaskSucceeded", broken), installed.set()))
    assert installed.wait(5)
    started = time.monotonic()
    try:
        with pytest.raises(zpark.JobFailedError, match="injected scheduler bug"):
            sc.parallelize(range(10), 2).map(lambda x: x * 2).collect()
        assert time.monotonic() - started < 5
    finally:
        restored = threading.Event()
        sc._backend.submit(lambda: (scheduler.__dict__.pop("_on_TaskSucceeded", None), restored.set()))
        assert restored.wait(5)
    assert sc.parallelize(range(10), 2).map(lambda x: x * 2).collect() == [x * 2 for x in range(10)]

