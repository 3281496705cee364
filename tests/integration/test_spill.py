"""Sorting and grouping past the executor memory budget spill to disk and still give exact answers.

With ``zpark.executor.memory`` at 1 MiB every executor is always over budget,
so every chunk of a sort or grouping becomes a run file and every map
task's pickled output goes through spill files: the disk paths are the
only paths taken.
"""
import os
import random
from collections import defaultdict

import pytest

import zpark
from zpark.driver.event_log import read_events


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    conf = {"zpark.executor.memory": "1m", "zpark.eventLog.dir": str(tmp_path_factory.mktemp("events")),
            "zpark.ui.showConsoleProgress": False}
    with zpark.Context("local[2]", app_name="spill", conf=conf) as ctx:
        yield ctx


def spill_metrics(ctx):
    ends = [e for e in read_events(ctx.eventLogPath) if e["event"] == "TaskEnd"]
    return (sum(e["metrics"].get("spill_count", 0) for e in ends),
            sum(e["metrics"].get("spill_bytes_written", 0) for e in ends))


def leftover_spill_files(ctx):
    found = []
    for info in ctx.executorInfos():
        for folder, _, files in os.walk(info.work_dir):
            found += [os.path.join(folder, f) for f in files if f.endswith((".spill", ".tmp"))]
    return found


def test_sort_by_key_past_the_budget_is_exact_and_stable(tiny):
    rng = random.Random(7)
    records = [(rng.randrange(5000), i) for i in range(300_000)]
    before = spill_metrics(tiny)
    result = tiny.parallelize(records, 6).sortByKey(numPartitions=2).collect()
    assert result == sorted(records, key=lambda kv: kv[0])  # Python's sort is stable; so is the merge
    descending = tiny.parallelize(records, 6).sortByKey(ascending=False, numPartitions=2).keys().collect()
    assert descending == sorted((k for k, _ in records), reverse=True)
    runs, written = spill_metrics(tiny)
    assert runs - before[0] >= 4 and written > before[1]
    assert leftover_spill_files(tiny) == []


def unorderable_records(count, distinct):
    """(key, x) records whose keys mix ints, strings and tuples (not orderable together), and their groups."""
    def key(x):
        return (x % distinct, "t") if x % 3 == 0 else ("k%d" % (x % distinct) if x % 3 == 1 else x % distinct)
    records = [(key(x), x) for x in range(count)]
    groups = defaultdict(list)
    for k, v in records:
        groups[k].append(v)
    return records, groups


def test_group_by_key_past_the_budget_with_unorderable_keys(tiny):
    # Keys not orderable together: runs are merged by hash.
    records, expected = unorderable_records(240_000, 300)
    before = spill_metrics(tiny)
    grouped = tiny.parallelize(records, 6).groupByKey(2).mapValues(sorted).collect()
    assert len(grouped) == len(expected)
    assert dict(grouped) == {k: sorted(v) for k, v in expected.items()}
    assert spill_metrics(tiny)[0] - before[0] >= 4
    assert leftover_spill_files(tiny) == []


def shuffle_records_written(ctx):
    return sum(e["metrics"].get("shuffle_records_written", 0) for e in read_events(ctx.eventLogPath)
               if e["event"] == "TaskEnd")


def test_reduce_by_key_past_the_budget_combines_in_rounds_and_is_exact(tiny):
    # 300,000 records over 50,000 keys in 2 map partitions: each map task's combine outgrows the
    # budget after every 65,536 records, so its output repeats keys; the reducers spill runs too.
    records = [(x % 50_000, x) for x in range(300_000)]
    expected = defaultdict(int)
    for k, v in records:
        expected[k] += v
    before_runs, before_written = spill_metrics(tiny)[0], shuffle_records_written(tiny)
    result = tiny.parallelize(records, 2).reduceByKey(lambda a, b: a + b, 2).collect()
    assert len(result) == len(expected)
    assert dict(result) == expected
    # Without rounds each map task would write one record per distinct key it saw (50,000 each).
    assert shuffle_records_written(tiny) - before_written > 2 * 50_000
    assert spill_metrics(tiny)[0] - before_runs >= 2
    assert leftover_spill_files(tiny) == []


def test_combine_by_key_without_map_side_combine_past_the_budget(tiny):
    # Unorderable keys and list combiners merged across runs by hash.
    records, expected = unorderable_records(200_000, 5000)
    before = spill_metrics(tiny)[0]
    combined = tiny.parallelize(records, 4).combineByKey(
        lambda v: [v], lambda c, v: c + [v], lambda a, b: a + b, 2, mapSideCombine=False).collect()
    assert {k: sorted(v) for k, v in combined} == {k: sorted(v) for k, v in expected.items()}
    assert len(combined) == len(expected)
    assert spill_metrics(tiny)[0] - before >= 2
    assert leftover_spill_files(tiny) == []


def test_joins_and_cogroup_past_the_budget_are_exact(tiny):
    left = [(x % 20_000, x) for x in range(300_000)]  # 15 values per key, spread over several runs
    right = [(k, -k) for k in range(10_000, 30_000, 2)]          # keys half inside, half outside left's
    right_by_key = dict(right)
    left_by_key = defaultdict(list)
    for k, v in left:
        left_by_key[k].append(v)
    a, b = tiny.parallelize(left, 4), tiny.parallelize(right, 3)
    before = spill_metrics(tiny)[0]

    inner = a.join(b, 2).collect()
    assert sorted(inner) == sorted((k, (v, right_by_key[k])) for k, v in left if k in right_by_key)
    outer = a.fullOuterJoin(b, 2).collect()
    expected_outer = [(k, (v, right_by_key.get(k))) for k, v in left]
    expected_outer += [(k, (None, w)) for k, w in right if k not in left_by_key]
    assert sorted(outer, key=repr) == sorted(expected_outer, key=repr)
    grouped = a.cogroup(b, 2).mapValues(lambda vs: (sorted(vs[0]), list(vs[1]))).collect()
    assert len(grouped) == len(set(left_by_key) | set(right_by_key))
    assert dict(grouped) == {k: (sorted(left_by_key.get(k, [])), [right_by_key[k]] if k in right_by_key else [])
                             for k in set(left_by_key) | set(right_by_key)}

    assert spill_metrics(tiny)[0] - before >= 6
    assert leftover_spill_files(tiny) == []


def test_joins_of_sides_with_one_value_per_key_past_the_budget_are_exact(tiny):
    # Keys do not repeat on either side, so reducers start reading the sides into plain dicts;
    # past the budget they hand everything read so far to the spilling grouping path.
    left = [(k, k) for k in range(200_000)]
    right = [(k, -k) for k in range(0, 300_000, 3)]
    a, b = tiny.parallelize(left, 4), tiny.parallelize(right, 3)
    before = spill_metrics(tiny)[0]
    inner = a.join(b, 2).collect()
    assert sorted(inner) == [(k, (k, -k)) for k in range(0, 200_000, 3)]
    outer = a.fullOuterJoin(b, 2).collect()
    assert len(outer) == 200_000 + len(range(200_001, 300_000, 3))
    assert dict(outer) == {**{k: (k, -k if k % 3 == 0 else None) for k in range(200_000)},
                           **{k: (None, -k) for k in range(0, 300_000, 3) if k >= 200_000}}
    assert spill_metrics(tiny)[0] - before >= 2
    assert leftover_spill_files(tiny) == []
