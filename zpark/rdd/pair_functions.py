"""Key/value operations of an RDD of pairs (PySpark puts them on RDD itself; so do we, via a mixin).

``_derived(kind)`` (defined by the RDD) wraps a kind in a new RDD of the same Context.
"""
import itertools
import math
import operator
import random
import sys

from ..data import aggregation, joins, spill
from ..common.task_context import TaskContext
from ..common.hashing import portable_hash
from ..common.partitioner import Partitioner, RangePartitioner
from .dependencies import Aggregator
from .result_iterable import ResultIterable
from . import task_functions
from .sampling import KeySampler, KeySketch, range_bounds
from .shuffled import CoGrouped, Shuffled


def _as_partitioner(num_partitions, partition_func):
    if isinstance(num_partitions, Partitioner):
        return num_partitions
    return Partitioner(num_partitions, partition_func)


class PairFunctions:
    def _default_partitioner(self, others=(), numPartitions=None, partitionFunc=portable_hash, reuse=True):
        """An explicit count wins; else reuse a parent's partitioner (no shuffle) unless ``reuse`` is false
        (the records are not its keys); else the widest parent."""
        rdds = [self, *others]
        if numPartitions is not None:
            return _as_partitioner(numPartitions, partitionFunc)
        if partitionFunc is portable_hash and reuse:
            existing = [r.partitioner for r in rdds if r.partitioner is not None]
            if existing:
                return max(existing, key=lambda p: p.numPartitions)
        default = self.ctx._conf.get("zpark.default.parallelism")
        n = default or max(r.getNumPartitions() for r in rdds)
        return Partitioner(max(1, n), partitionFunc)

    def keys(self):
        return self.map(operator.itemgetter(0))

    def values(self):
        return self.map(operator.itemgetter(1))

    def mapValues(self, f):
        return self.map(lambda kv: (kv[0], f(kv[1])), True)

    def flatMapValues(self, f):
        return self.flatMap(lambda kv: zip(itertools.repeat(kv[0]), f(kv[1])), True)

    def partitionBy(self, numPartitions, partitionFunc=portable_hash):
        partitioner = _as_partitioner(numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            return self
        return self._derived(Shuffled(self, partitioner))

    def combineByKey(self, createCombiner, mergeValue, mergeCombiners,
                     numPartitions=None, partitionFunc=portable_hash, mapSideCombine=True):
        return self._combined(Aggregator(createCombiner, mergeValue, mergeCombiners),
                              numPartitions, partitionFunc, mapSideCombine)

    def _combined(self, aggregator, numPartitions, partitionFunc, mapSideCombine=True):
        partitioner = self._default_partitioner((), numPartitions, partitionFunc)
        if self.partitioner == partitioner:
            # Already partitioned this way: every key is in one partition, combine in place.
            return self.mapPartitions(
                lambda it: iter(aggregation.combine_values(it, aggregator).items()), True)
        return self._derived(Shuffled(self, partitioner, aggregator, mapSideCombine))

    def reduceByKey(self, func, numPartitions=None, partitionFunc=portable_hash):
        return self._combined(Aggregator.reducing(func), numPartitions, partitionFunc)

    def reduceByKeyLocally(self, func):
        def merge(a, b):
            for k, v in b.items():
                a[k] = func(a[k], v) if k in a else v
            return a
        return self.mapPartitions(
            lambda it: [aggregation.combine_values(it, Aggregator.reducing(func))]
        ).reduce(merge)

    def foldByKey(self, zeroValue, func, numPartitions=None, partitionFunc=portable_hash):
        return self.aggregateByKey(zeroValue, func, func, numPartitions, partitionFunc)

    def aggregateByKey(self, zeroValue, seqFunc, combFunc, numPartitions=None,
                       partitionFunc=portable_hash):
        shareable = task_functions.is_shareable(zeroValue)
        create = task_functions.seeded_with(seqFunc, zeroValue, shareable)
        if shareable:
            aggregator = Aggregator.folding(create, seqFunc, combFunc, zeroValue)
        else:
            aggregator = Aggregator(create, seqFunc, combFunc)
        return self._combined(aggregator, numPartitions, partitionFunc)

    def groupByKey(self, numPartitions=None, partitionFunc=portable_hash):
        grouped = self._combined(Aggregator.grouping(), numPartitions, partitionFunc, mapSideCombine=False)
        return grouped.mapValues(ResultIterable)

    def repartitionAndSortWithinPartitions(self, numPartitions=None, partitionFunc=portable_hash,
                                           ascending=True, keyfunc=lambda k: k):
        """One shuffle: partition by ``partitionFunc``, then sort each partition by key."""
        if numPartitions is None:
            numPartitions = self._default_partitioner().numPartitions
        sort_key = lambda kv: keyfunc(kv[0])  # noqa: E731 - pickled with the stage

        def sort_partition(iterator):
            return spill.external_sorted(iterator, sort_key, not ascending, TaskContext.get())
        return self.partitionBy(numPartitions, partitionFunc).mapPartitions(sort_partition, True)

    def sampleByKey(self, withReplacement, fractions, seed=None):
        """A sample with a fraction per key (``fractions``: key -> fraction; every key needs one)."""
        for key, fraction in fractions.items():
            if fraction < 0.0:
                raise ValueError("Negative fraction value: %s" % fraction)
        seed = random.randrange(sys.maxsize) if seed is None else seed
        return self.mapPartitionsWithIndex(KeySampler(withReplacement, fractions, seed), True)

    def sortByKey(self, ascending=True, numPartitions=None, keyfunc=None):
        return self._sorted_by_key(ascending, numPartitions, keyfunc)

    def _sorted_by_key(self, ascending, numPartitions, keyfunc, sketched=None):
        """sortByKey; ``sketched``: (an RDD partitioned as this one, the function giving a record of it
        this one's key) to sample instead - sortBy samples its input, so only sampled records are keyed."""
        if numPartitions is None:
            numPartitions = self._default_partitioner().numPartitions

        sort_key = operator.itemgetter(0) if keyfunc is None else (lambda kv: keyfunc(kv[0]))

        def sort_partition(iterator):
            return spill.external_sorted(iterator, sort_key, not ascending, TaskContext.get())

        if numPartitions == 1:
            source = self.coalesce(1) if self.getNumPartitions() > 1 else self
            return source.mapPartitions(sort_partition, True)
        # One pass counts and samples the input (as Spark's range partitioner sketches it): about 20 keys
        # per output partition, each input partition sampled 3x its share in case partitions differ in size.
        per_partition = math.ceil(3.0 * min(20.0 * numPartitions, 1e6) / max(self.getNumPartitions(), 1))
        source, key = sketched or (self, operator.itemgetter(0))
        sketches = source.mapPartitionsWithIndex(KeySketch(per_partition, 1, key)).collect()
        if not sum(count for count, _ in sketches):
            return self
        partitioner = RangePartitioner(range_bounds(sketches, numPartitions, keyfunc), ascending, keyfunc)
        return self.partitionBy(partitioner).mapPartitions(sort_partition, True)

    def cogroup(self, other, numPartitions=None):
        return self.groupWith(other, numPartitions=numPartitions)

    def groupWith(self, other, *others, numPartitions=None):
        rdds = [self, other, *others]
        return self._derived(CoGrouped(rdds, self._default_partitioner(rdds[1:], numPartitions)))

    def join(self, other, numPartitions=None):
        return self._join(other, numPartitions, joins.INNER)

    def leftOuterJoin(self, other, numPartitions=None):
        return self._join(other, numPartitions, joins.LEFT_OUTER)

    def rightOuterJoin(self, other, numPartitions=None):
        return self._join(other, numPartitions, joins.RIGHT_OUTER)

    def fullOuterJoin(self, other, numPartitions=None):
        return self._join(other, numPartitions, joins.FULL_OUTER)

    def _join(self, other, numPartitions, join):
        return self._derived(CoGrouped([self, other], self._default_partitioner([other], numPartitions), join))

    def subtractByKey(self, other, numPartitions=None):
        return self.cogroup(other, numPartitions).filter(
            lambda kv: len(kv[1][0]) and not len(kv[1][1])).flatMapValues(lambda vs: vs[0])

    def countByKey(self):
        return self.map(lambda kv: kv[0]).countByValue()

    def collectAsMap(self):
        return dict(self.collect())

    def lookup(self, key):
        values = self.filter(lambda kv: kv[0] == key).values()
        if self.partitioner is not None:
            chunks = self.ctx._run_job(values, list, [self.partitioner(key)])
            return list(itertools.chain.from_iterable(chunks))
        return values.collect()


