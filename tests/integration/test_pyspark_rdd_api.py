"""The rest of PySpark's documented RDD API, checked against the outputs PySpark documents."""
import os
from typing import Tuple

import pytest

import zpark
from zpark import RDD


@pytest.fixture(scope="module")
def sc():
    with zpark.Context("local[2]", app_name="pyspark-rdd-api", conf={"zpark.ui.showConsoleProgress": False}) as ctx:
        yield ctx


def test_histogram_with_even_and_given_buckets(sc):
    rdd = sc.parallelize(range(51))
    assert rdd.histogram(2) == ([0, 25, 50], [25, 26])
    assert rdd.histogram([0, 5, 25, 50]) == ([0, 5, 25, 50], [5, 20, 26])
    assert rdd.histogram([0, 15, 30, 45, 60]) == ([0, 15, 30, 45, 60], [15, 15, 15, 6])
    assert sc.parallelize(["ab", "ac", "b", "bd", "ef"]).histogram(("a", "b", "c")) == (("a", "b", "c"), [2, 2])
    assert sc.parallelize([1.0, 1.0]).histogram(3) == ([1.0, 1.0], [2])
    assert sc.parallelize([0.0, 0.5, float("nan"), 1.0]).histogram(2) == ([0.0, 0.5, 1.0], [1, 2])
    with pytest.raises(ValueError, match="sorted"):
        rdd.histogram([5, 1])
    with pytest.raises(ValueError, match="empty"):
        sc.parallelize([]).histogram(2)


def test_pipe_runs_each_partition_through_a_program(sc):
    assert sc.parallelize(["1", "2", "", "3"]).pipe("cat").collect() == ["1", "2", "", "3"]
    assert sc.parallelize([1, 2, 3], 2).pipe("wc -l").map(int).sum() == 3
    with pytest.raises(zpark.JobFailedError, match="exited with error code 3"):
        sc.parallelize([1], 1).pipe(["sh", "-c", "cat >/dev/null; exit 3"], checkCode=True).collect()


def test_to_local_iterator_goes_partition_by_partition(sc):
    rdd = sc.parallelize(range(10), 4)
    assert list(rdd.toLocalIterator()) == list(range(10))
    assert list(rdd.toLocalIterator(prefetchPartitions=True)) == list(range(10))
    it = rdd.map(lambda x: x * 2).toLocalIterator()
    assert next(it) == 0 and next(it) == 2


def test_repartition_and_sort_within_partitions(sc):
    rdd = sc.parallelize([(0, 5), (3, 8), (2, 6), (0, 8), (3, 8), (1, 3)])
    rdd2 = rdd.repartitionAndSortWithinPartitions(2, lambda x: x % 2, True)
    assert rdd2.glom().collect() == [[(0, 5), (0, 8), (2, 6)], [(1, 3), (3, 8), (3, 8)]]
    desc = rdd.repartitionAndSortWithinPartitions(2, lambda x: x % 2, False).glom().collect()
    assert [[k for k, _ in part] for part in desc] == [[2, 0, 0], [3, 3, 1]]


def test_sample_by_key_keeps_about_each_key_s_fraction(sc):
    fractions = {"a": 0.2, "b": 0.1}
    rdd = sc.parallelize(list(fractions)).cartesian(sc.parallelize(range(0, 1000)))
    sample = dict(rdd.sampleByKey(False, fractions, 2).groupByKey().collect())
    assert 100 < len(sample["a"]) < 300 and 50 < len(sample["b"]) < 150
    assert max(sample["a"]) <= 999 and min(sample["a"]) >= 0
    again = dict(rdd.sampleByKey(False, fractions, 2).groupByKey().collect())
    assert sorted(again["a"]) == sorted(sample["a"])              # the same seed, the same sample
    with pytest.raises(ValueError, match="Negative fraction"):
        rdd.sampleByKey(False, {"a": -0.1})


def test_approximate_actions(sc):
    rdd = sc.parallelize(range(1000), 10)
    assert rdd.countApprox(1000, 1.0) == 1000
    r = sum(range(1000))
    assert abs(rdd.sumApprox(1000) - r) / r < 0.05
    assert abs(rdd.meanApprox(1000) - r / 1000.0) / (r / 1000.0) < 0.05
    assert rdd.sumApprox(1000).confidence == 0.95
    n = sc.parallelize(range(1000)).map(str).countApproxDistinct()
    assert 900 < n < 1100
    assert sc.parallelize([i % 20 for i in range(1000)]).countApproxDistinct() == 20
    with pytest.raises(ValueError):
        rdd.countApproxDistinct(0.000001)


def test_rdd_is_generic_in_annotations_and_old_names_work(sc):
    def pairs_of(rdd: RDD[Tuple[int, int]]) -> RDD[int]:
        return rdd.keys()
    assert pairs_of(sc.parallelize([(1, 2)])).collect() == [1]
    assert RDD[int].__origin__ is RDD
    assert sc.parallelize(range(4), 2).mapPartitionsWithSplit(lambda i, it: [i]).collect() == [0, 1]


def test_stats_family(sc):
    rdd = sc.parallelize([1, 2, 3])
    assert rdd.stdev() == pytest.approx(0.816496580927726) and rdd.sampleStdev() == 1.0
    assert rdd.variance() == pytest.approx(0.6666666666666666) and rdd.sampleVariance() == 1.0


def test_tree_aggregate_with_a_mutable_zero_on_one_partition_counts_once(sc):
    def add_to(counts, x):
        counts[x % 2] += 1
        return counts

    def merge(a, b):
        return [a[0] + b[0], a[1] + b[1]]
    for partitions in (1, 3):
        rdd = sc.parallelize(range(10), partitions)
        assert rdd.treeAggregate([0, 0], add_to, merge) == [5, 5]
        assert rdd.aggregate([0, 0], add_to, merge) == [5, 5]


def test_a_union_of_rdds_partitioned_alike_keeps_the_partitioner(sc):
    a = sc.parallelize([(1, "a"), (2, "b")]).partitionBy(2)
    b = sc.parallelize([(1, "c"), (3, "d")]).partitionBy(2)
    u = a.union(b)
    assert u.getNumPartitions() == 2 and u.partitioner == a.partitioner
    assert sorted(u.collect()) == [(1, "a"), (1, "c"), (2, "b"), (3, "d")]
    assert sorted(u.glom().collect()[0]) == sorted(kv for kv in u.collect() if kv[0] % 2 == 0)
    assert sc.union([a, b]).partitioner == a.partitioner
    c = sc.parallelize([(1, "x")]).partitionBy(3)
    assert a.union(c).getNumPartitions() == 5 and a.union(c).partitioner is None


def test_stat_counter_as_pyspark_defines_it(sc):
    import numpy as np
    from zpark import StatCounter
    stats = sc.parallelize([1.0, 2.0, 3.0, 4.0]).stats()
    assert stats.asDict() == {"count": 4, "mean": 2.5, "sum": 10.0, "min": 1.0, "max": 4.0,
                              "stdev": pytest.approx(1.2909944487358056), "variance": pytest.approx(5 / 3)}
    assert stats.asDict(sample=True)["variance"] == pytest.approx(1.25)
    assert StatCounter(None).count() == 0
    vectors = sc.parallelize([np.array([1.0, 10.0]), np.array([3.0, 30.0])], 2).stats()
    assert vectors.mean().tolist() == [2.0, 20.0] and vectors.max().tolist() == [3.0, 30.0]
    assert vectors.stdev().tolist() == [1.0, 10.0]


def test_accumulator_value_inside_a_task_raises_pyspark_s_error(sc):
    acc = sc.accumulator(0)
    with pytest.raises(zpark.JobFailedError, match="Accumulator.value cannot be accessed inside tasks"):
        sc.parallelize([1], 1).map(lambda x: acc.value).collect()


@pytest.mark.parametrize("codec,suffix,opener", [("org.apache.hadoop.io.compress.GzipCodec", ".gz", "gzip"),
                                                 ("org.apache.hadoop.io.compress.BZip2Codec", ".bz2", "bz2")])
def test_save_as_text_file_compressed_by_hadoop_codec_name_and_read_back(sc, tmp_path, codec, suffix, opener):
    import importlib
    import os
    out = str(tmp_path / "out")
    sc.parallelize(["line %d" % i for i in range(100)], 3).saveAsTextFile(out, codec)
    parts = sorted(f for f in os.listdir(out) if f.startswith("part-"))
    assert parts == ["part-0000%d%s" % (i, suffix) for i in range(3)]
    with importlib.import_module(opener).open(os.path.join(out, parts[0]), "rt") as f:
        assert f.readline() == "line 0\n"
    assert sc.textFile(out).collect() == ["line %d" % i for i in range(100)]
    with pytest.raises(ValueError, match="unsupported compression codec"):
        sc.parallelize([1]).saveAsTextFile(str(tmp_path / "x"), "org.apache.hadoop.io.compress.Lz4Codec")


def test_tree_reduce_with_empty_partitions_and_an_empty_rdd(sc):
    from operator import add
    rdd = sc.parallelize([-5, -4, -3, -2, -1, 1, 2, 3, 4], 10)        # more partitions than elements
    assert rdd.treeReduce(add) == -5 and rdd.treeReduce(add, 1) == -5 and rdd.treeReduce(add, 5) == -5
    with pytest.raises(ValueError, match="empty"):
        sc.parallelize([], 3).treeReduce(add)


def test_checkpoint_saves_the_partitions_and_cuts_the_lineage(sc, tmp_path):
    from operator import add
    with pytest.raises(zpark.ZparkError, match="Checkpoint directory has not been set"):
        sc.parallelize([1]).checkpoint()
    sc.setCheckpointDir(str(tmp_path / "checkpoints"))
    assert sc.getCheckpointDir().startswith(str(tmp_path / "checkpoints"))
    computed = sc.accumulator(0)

    def count(x):
        computed.add(1)
        return x % 5, x
    sums = sc.parallelize(range(100), 4).map(count).reduceByKey(add, 3)
    sums.checkpoint()
    assert not sums.isCheckpointed() and sums.getCheckpointFile() is None
    expected = {k: sum(x for x in range(100) if x % 5 == k) for k in range(5)}
    assert dict(sums.collect()) == expected
    assert sums.isCheckpointed() and not sums.isLocallyCheckpointed()
    assert sorted(os.listdir(sums.getCheckpointFile())) == ["part-00000", "part-00001", "part-00002"]
    assert computed.value == 100                  # the checkpoint job reused the shuffle's map outputs
    lines = sums.toDebugString().decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("(3) ReliableCheckpointRDD")
    assert dict(sums.mapValues(lambda v: -v).collect()) == {k: -v for k, v in expected.items()}
    assert computed.value == 100 and sums.partitioner.numPartitions == 3   # read back, not recomputed


def test_local_checkpoint_keeps_partitions_in_the_executors_and_cuts_the_lineage(sc):
    computed = sc.accumulator(0)

    def square(x):
        computed.add(1)
        return x * x
    squares = sc.parallelize(range(10), 2).map(square)
    squares.localCheckpoint()
    assert squares.isLocallyCheckpointed() and not squares.isCheckpointed()
    assert squares.take(2) == [0, 1]               # one partition, then the rest is materialized
    assert squares.isCheckpointed() and squares.getCheckpointFile() is None
    assert b"LocalCheckpointRDD" in squares.toDebugString()
    assert squares.sum() == 285 and computed.value == 10


def test_map_then_filter_is_one_pipelined_rdd_as_in_pyspark(sc):
    base = sc.parallelize(range(10), 2)
    before = sc.parallelize([]).id()
    piped = base.map(lambda x: x + 1).filter(lambda x: x % 2 == 0).map(str)
    assert piped.id() == before + 1                # the intermediate steps take no ids
    assert piped.collect() == ["2", "4", "6", "8", "10"]
    cached = base.map(lambda x: x * 2).cache()
    assert cached.map(lambda x: x + 1).toDebugString().count(b"MapPartitionsRDD") == 2   # a cached step stays
    keyed = sc.parallelize([(1, 1), (2, 2)], 2).partitionBy(2)
    assert keyed.mapValues(str).filter(lambda kv: True).partitioner == keyed.partitioner
    assert keyed.map(lambda kv: kv).filter(lambda kv: True).partitioner is None
