"""Every transformation and action, on real executor processes, compared to plain Python."""
import itertools
import operator
from collections import Counter, defaultdict

import pytest

import zpark

DATA = list(range(1, 21))
PAIRS = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5), ("a", 6)]
OTHER = [("a", "x"), ("c", "y"), ("d", "z")]


@pytest.fixture(scope="module")
def sc():
    with zpark.Context("local[2]", app_name="api-tests") as ctx:
        yield ctx


@pytest.fixture
def nums(sc):
    return sc.parallelize(DATA, 4)


@pytest.fixture
def pairs(sc):
    return sc.parallelize(PAIRS, 3)


def grouped(items):
    out = defaultdict(list)
    for k, v in items:
        out[k].append(v)
    return out


def test_element_transformations(nums):
    assert nums.map(lambda x: x * 2).collect() == [x * 2 for x in DATA]
    assert nums.flatMap(lambda x: [x, -x]).collect() == list(itertools.chain.from_iterable([x, -x] for x in DATA))
    assert nums.filter(lambda x: x % 3 == 0).collect() == [x for x in DATA if x % 3 == 0]
    assert nums.mapPartitions(lambda it: [sum(it)]).collect() == [sum(DATA[i * 5:(i + 1) * 5]) for i in range(4)]
    assert nums.mapPartitionsWithIndex(lambda i, it: [i] * len(list(it))).collect() == [i // 5 for i in range(20)]
    assert nums.glom().collect() == [DATA[i * 5:(i + 1) * 5] for i in range(4)]
    assert nums.keyBy(lambda x: x % 2).take(2) == [(1, 1), (0, 2)]


def test_set_like_transformations(sc, nums):
    dup = sc.parallelize([1, 1, 2, 3, 3, 3], 3)
    assert sorted(dup.distinct().collect()) == [1, 2, 3]
    # distinct() places whole records, not keys: a pair operation after it shuffles by key again.
    pairs = sc.parallelize([("a", 1), ("b", 2), ("a", 3), ("a", 1), ("c", 1), ("b", 2)], 3).distinct()
    assert pairs.partitioner is None
    assert sorted((k, sorted(v)) for k, v in pairs.groupByKey().collect()) == [("a", [1, 3]), ("b", [2]), ("c", [1])]
    words = sc.parallelize(["x%d" % (i % 700) for i in range(5000)], 4).distinct(3)
    assert words.getNumPartitions() == 3 and sorted(words.collect()) == sorted("x%d" % i for i in range(700))
    assert nums.union(dup).collect() == DATA + [1, 1, 2, 3, 3, 3]
    assert sorted(nums.intersection(sc.parallelize([2, 4, 99, 4])).collect()) == [2, 4]
    assert sorted(nums.subtract(sc.parallelize(range(5, 21))).collect()) == [1, 2, 3, 4]
    small = sc.parallelize([1, 2], 2)
    assert sorted(small.cartesian(sc.parallelize("ab", 2)).collect()) == sorted(itertools.product([1, 2], "ab"))


def test_zips(sc, nums):
    assert nums.zip(nums.map(str)).collect() == [(x, str(x)) for x in DATA]
    assert nums.zipWithIndex().collect() == [(x, i) for i, x in enumerate(DATA)]
    ids = nums.zipWithUniqueId().collect()
    assert len({i for _, i in ids}) == 20 and [x for x, _ in ids] == DATA
    with pytest.raises(ValueError):
        nums.zip(sc.parallelize(DATA, 3))


def test_partitioning_transformations(sc, nums, pairs):
    assert nums.coalesce(2).getNumPartitions() == 2 and nums.coalesce(2).collect() == DATA
    repartitioned = nums.repartition(7)
    assert repartitioned.getNumPartitions() == 7 and sorted(repartitioned.collect()) == DATA
    parted = pairs.partitionBy(2)
    assert parted.partitioner == zpark.Partitioner(2)
    for index, part in enumerate(parted.glom().collect()):
        assert all(zpark.portable_hash(k) % 2 == index for k, _ in part)


def test_key_value_aggregations(pairs):
    expected = grouped(PAIRS)
    assert sorted(pairs.reduceByKey(operator.add).collect()) == sorted((k, sum(v)) for k, v in expected.items())
    assert sorted(pairs.foldByKey(0, operator.add).collect()) == sorted((k, sum(v)) for k, v in expected.items())
    assert sorted(pairs.aggregateByKey((0, 0), lambda a, v: (a[0] + v, a[1] + 1),
                                       lambda a, b: (a[0] + b[0], a[1] + b[1])).collect()) == \
        sorted((k, (sum(v), len(v))) for k, v in expected.items())
    in_place = pairs.aggregateByKey([], lambda acc, v: acc.append(v) or acc, lambda a, b: a.extend(b) or a)
    assert sorted((k, sorted(v)) for k, v in in_place.collect()) == sorted(expected.items())
    assert sorted(pairs.foldByKey([], lambda a, b: a + (b if isinstance(b, list) else [b])).mapValues(sorted)
                  .collect()) == sorted(expected.items())
    assert sorted(pairs.combineByKey(lambda v: [v], lambda a, v: a + [v], lambda a, b: a + b)
                  .mapValues(sorted).collect()) == sorted((k, sorted(v)) for k, v in expected.items())
    assert sorted(pairs.groupByKey().mapValues(list).collect()) == sorted(expected.items())
    assert sorted((k, sorted(v)) for k, v in pairs.map(lambda kv: kv[1]).groupBy(lambda x: x % 2)
                  .collect()) == [(0, [2, 4, 6]), (1, [1, 3, 5])]
    assert pairs.mapValues(lambda v: v * 10).collect() == [(k, v * 10) for k, v in PAIRS]
    assert pairs.flatMapValues(lambda v: range(v % 3)).collect() == [(k, i) for k, v in PAIRS for i in range(v % 3)]
    assert pairs.keys().collect() == [k for k, _ in PAIRS] and pairs.values().collect() == [v for _, v in PAIRS]


def test_joins(sc, pairs):
    other = sc.parallelize(OTHER, 2)
    left, right = grouped(PAIRS), grouped(OTHER)
    inner = [(k, (a, b)) for k in left for a in left[k] for b in right.get(k, [])]
    assert sorted(pairs.join(other).collect()) == sorted(inner)
    left_outer = [(k, (a, b)) for k in left for a in left[k] for b in right.get(k, [None])]
    assert sorted(pairs.leftOuterJoin(other).collect()) == sorted(left_outer)
    right_outer = [(k, (a, b)) for k in right for b in right[k] for a in left.get(k, [None])]
    assert sorted(pairs.rightOuterJoin(other).collect()) == sorted(right_outer)
    keys = set(left) | set(right)
    full = [(k, (a, b)) for k in keys for a in left.get(k, [None]) for b in right.get(k, [None])]
    assert sorted(pairs.fullOuterJoin(other).collect(), key=str) == sorted(full, key=str)
    cg = {k: (sorted(a), sorted(b)) for k, (a, b) in pairs.cogroup(other).collect()}
    assert cg == {k: (sorted(left.get(k, [])), sorted(right.get(k, []))) for k in keys}
    gw = {k: tuple(map(sorted, v)) for k, v in pairs.groupWith(other, other).collect()}
    assert gw["d"] == ([], ["z"], ["z"])
    assert sorted(pairs.subtractByKey(other).collect()) == [("b", 2), ("b", 5)]


def test_sorting(sc):
    import random
    rng = random.Random(3)
    keys = [rng.random() for _ in range(500)]
    rdd = sc.parallelize([(k, i) for i, k in enumerate(keys)], 5)
    ordered = rdd.sortByKey(numPartitions=4)
    assert ordered.getNumPartitions() == 4
    assert [k for k, _ in ordered.collect()] == sorted(keys)
    assert [k for k, _ in rdd.sortByKey(False).collect()] == sorted(keys, reverse=True)
    assert sc.parallelize(DATA, 3).sortBy(lambda x: -x).collect() == sorted(DATA, reverse=True)
    assert sc.parallelize([("b", 1), ("A", 2), ("c", 3)]).sortByKey(keyfunc=str.lower).keys().collect() == ["A", "b", "c"]


def test_sort_by_keys_each_record_once_and_only_the_sample_again(sc):
    """sortBy samples its input records and keys only the sample; the shuffle keys every record once."""
    calls = sc.accumulator(0)

    def age(person):
        calls.add(1)
        return person[1]
    people = sc.parallelize([("p%d" % i, (i * 37) % 90) for i in range(20_000)], 4)
    ordered = people.sortBy(age, numPartitions=3)
    sampled = calls.value
    assert 0 < sampled <= 3 * 20 * 3   # sortByKey's sketch: about 20 keys per output partition, 3x over
    assert [p[1] for p in ordered.collect()] == sorted((i * 37) % 90 for i in range(20_000))
    assert calls.value == sampled + 20_000


def test_sorting_skewed_partitions_gives_balanced_ranges(sc):
    # one input partition holds 20,000 keys, three hold 10 each: their samples are weighted by their sizes
    parts = [list(range(20_000))] + [[20_000 + 10 * p + i for i in range(10)] for p in range(3)]
    rdd = sc.parallelize(range(4), 4).flatMap(lambda p: parts[p]).map(lambda k: (k, None))
    sizes = rdd.sortByKey(numPartitions=4).glom().map(len).collect()
    assert sum(sizes) == 20_030 and min(sizes) > 3_000
    assert rdd.sortByKey(numPartitions=4).keys().collect() == sorted(k for part in parts for k in part)


def test_sampling(sc):
    rdd = sc.parallelize(range(1000), 4)
    s1 = rdd.sample(False, 0.1, 42).collect()
    assert s1 == rdd.sample(False, 0.1, 42).collect() and 50 < len(s1) < 150 and set(s1) <= set(range(1000))
    splits = rdd.randomSplit([2, 3], seed=11)
    a, b = splits[0].collect(), splits[1].collect()
    assert sorted(a + b) == list(range(1000)) and 300 < len(a) < 500
    taken = rdd.takeSample(False, 10, 5)
    assert len(taken) == 10 and len(set(taken)) == 10
    assert len(rdd.takeSample(True, 2000, 5)) == 2000
    assert sorted(sc.parallelize([1, 2, 3]).takeSample(False, 10, 1)) == [1, 2, 3]


def test_simple_actions(sc, nums):
    assert nums.collect() == DATA and nums.count() == 20 and nums.first() == 1
    assert nums.take(7) == DATA[:7] and nums.take(100) == DATA
    assert nums.takeOrdered(3) == [1, 2, 3] and nums.takeOrdered(3, key=lambda x: -x) == [20, 19, 18]
    assert nums.top(3) == [20, 19, 18] and nums.top(2, key=lambda x: -x) == [1, 2]
    assert nums.reduce(operator.add) == sum(DATA) and nums.treeReduce(operator.add, 3) == sum(DATA)
    assert nums.fold(0, operator.add) == sum(DATA)
    assert nums.aggregate(0, operator.add, operator.add) == sum(DATA)
    assert nums.treeAggregate(0, operator.add, operator.add, depth=3) == sum(DATA)
    assert nums.sum() == sum(DATA) and nums.min() == 1 and nums.max() == 20 and nums.mean() == 10.5
    assert nums.max(key=lambda x: -x) == 1
    stats = nums.stats()
    assert (stats.count(), stats.mean(), stats.min(), stats.max()) == (20, 10.5, 1, 20)
    assert abs(stats.stdev() - 5.766281297335398) < 1e-12
    assert abs(nums.sampleStdev() - 5.916079783099616) < 1e-12
    assert nums.isEmpty() is False and sc.emptyRDD().isEmpty() and sc.parallelize([], 3).isEmpty()
    with pytest.raises(ValueError):
        sc.emptyRDD().reduce(operator.add)
    with pytest.raises(ValueError):
        sc.parallelize([], 2).first()


def test_counting_actions(sc, pairs):
    assert pairs.countByKey() == Counter(k for k, _ in PAIRS)
    values = sc.parallelize([1, 2, 1, 1, 3], 2)
    assert values.countByValue() == Counter([1, 2, 1, 1, 3])
    assert pairs.collectAsMap() == dict(PAIRS)
    assert sorted(pairs.lookup("a")) == [1, 3, 6]
    assert sorted(pairs.partitionBy(3).lookup("b")) == [2, 5]


def test_foreach_and_foreach_partition(sc, nums):
    total = sc.accumulator(0)
    nums.foreach(lambda x: total.add(x))
    parts = sc.accumulator(0)
    nums.foreachPartition(lambda it: parts.add(1))
    assert total.value == sum(DATA) and parts.value == 4


def test_files_round_trip(sc, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    lines = ["line %d" % i for i in range(100)]
    (src / "a.txt").write_text("\n".join(lines[:60]) + "\n")
    (src / "b.txt").write_text("\n".join(lines[60:]))
    rdd = sc.textFile(str(src), minPartitions=7)
    assert rdd.getNumPartitions() >= 7
    assert rdd.collect() == lines
    assert sc.textFile(str(src / "*.txt")).count() == 100
    whole = dict(sc.wholeTextFiles(str(src)).collect())
    assert whole["file:" + str(src / "a.txt")].startswith("line 0\n")
    out = tmp_path / "out"
    rdd.saveAsTextFile(str(out))
    parts = sorted(p.name for p in out.iterdir())
    assert parts == ["_SUCCESS"] + ["part-%05d" % i for i in range(rdd.getNumPartitions())]
    assert sc.textFile(str(out)).collect() == lines
    pickled = tmp_path / "pickled"
    sc.parallelize([{"k": i} for i in range(50)], 3).saveAsPickleFile(str(pickled), batchSize=7)
    assert sorted(sc.pickleFile(str(pickled)).collect(), key=lambda d: d["k"]) == [{"k": i} for i in range(50)]
    with pytest.raises(FileExistsError):
        rdd.saveAsTextFile(str(out))


def test_introspection(sc, nums):
    named = nums.map(lambda x: x).setName("doubled")
    assert named.name() == "doubled" and isinstance(named.id(), int)
    assert named.getStorageLevel() == zpark.StorageLevel.NONE
    assert named.cache().getStorageLevel() == zpark.StorageLevel.MEMORY_ONLY
    named.unpersist()
    assert sc.range(0, 10, 2).collect() == [0, 2, 4, 6, 8]
    assert sc.union([nums, nums]).count() == 40
    assert sc.defaultParallelism == 2 and sc.applicationId.startswith("local-")
    seen = nums.map(lambda x: (zpark.TaskContext.get().partitionId(),
                               zpark.TaskContext.get().attemptNumber())).distinct().collect()
    assert sorted(seen) == [(0, 0), (1, 0), (2, 0), (3, 0)]


def test_a_shuffle_of_records_that_are_not_pairs_names_the_record(sc):
    with pytest.raises(zpark.JobFailedError, match=r"\(key, value\) pairs, but got the record \(1, 2, 3\)"):
        sc.parallelize([(0, 1), (1, 2, 3)], 2).partitionBy(2).collect()
    with pytest.raises(zpark.JobFailedError, match=r"\(key, value\) pairs, but got the record 7 \(int\)"):
        sc.parallelize([7], 1).groupByKey().collect()
    # list records are pairs too, and come out as tuples (as in PySpark)
    assert sorted(sc.parallelize([[1, "a"], [2, "b"]], 2).partitionBy(3).collect()) == [(1, "a"), (2, "b")]


def test_a_shuffle_unpacks_records_the_way_a_for_loop_does(sc):
    from collections import namedtuple
    Point = namedtuple("Point", "key value")
    records = [Point(1, "a"), {"x": 0, "y": 1}, "ab", (2, "b")]
    assert dict(sc.parallelize(records, 2).groupByKey().mapValues(list).collect()) == {
        1: ["a"], 2: ["b"], "a": ["b"], "x": ["y"]}
