"""The RDD: a lazy, partitioned, recomputable collection, with PySpark's API.

Transformations only build new RDD objects; actions call ``ctx._run_job``.
Key/value operations live in ``pair_functions.PairFunctions``. What an RDD
computes - its dependencies, partitions and per-partition function - is its
``kind`` (rdd/kind.py, and the kinds in sources, narrow and shuffled), so this
module imports the kinds and no kind imports it.
"""
import concurrent.futures
import copy
import heapq
import itertools
import math
import operator
import os
import pickle
import random
import sys
import types
from collections import defaultdict
from functools import partial
from functools import reduce as _reduce

from ..common.hashing import portable_hash
from ..common.partitioner import Partitioner
from ..common.storage import StorageLevel
from ..data import compression
from ..data.aggregation import Aggregator
from ..data.chunks import chunks
from .dependencies import ShuffleDependency
from .narrow import Cartesian, Coalesced, MapPartitions, Zipped, union_of
from .approximate import ApproximateActions
from .barrier import RDDBarrier
from .checkpoint import Checkpointing
from .numeric import NumericActions
from .pair_functions import PairFunctions
from .pipe import Pipe
from .shuffled import Shuffled
from .sampling import Sampler, SplitSampler, fraction_for_sample_size
from .stat_counter import StatCounter
from . import task_functions

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The engine's own frames are not call sites; the bundled examples are user code.
_ENGINE_DIRS = tuple(os.path.join(_PACKAGE_DIR, d) + os.sep for d in ("rdd", "driver", "common", "data", "compat"))


def call_site():
    """'op at file:line' of the user code that called into the engine: the transformation that created an
    RDD (lineage, progress, the UI's DAG) or the action that started a job (its description, as Spark's)."""
    frame = sys._getframe(2)
    op = frame.f_code.co_name
    while frame is not None and frame.f_code.co_filename.startswith(_ENGINE_DIRS):
        op = frame.f_code.co_name
        frame = frame.f_back
    if frame is None:
        return op
    return "%s at %s:%d" % (op, os.path.basename(frame.f_code.co_filename), frame.f_lineno)


class RDD(PairFunctions, NumericActions, ApproximateActions, Checkpointing):
    """A resilient distributed dataset (PySpark's ``pyspark.RDD``); ``RDD[T]`` works in annotations."""

    __class_getitem__ = classmethod(types.GenericAlias)

    def __init__(self, ctx, kind):
        self.ctx = ctx
        self.kind = kind
        self._id = None if kind.lazy_id else (ctx._new_rdd_id() if ctx is not None else -1)
        self.partitioner = kind.partitioner
        self._storage_level = StorageLevel.NONE
        self._name = None
        self._partitions = None
        self.creation_site = call_site()

    # ------------------------------------------------------------ plumbing

    def __getstate__(self):
        self.id()                            # its id travels with it (executors key cached blocks by it)
        state = dict(self.__dict__)
        state["ctx"] = None
        state["_partitions"] = None
        state.pop("_described", None)
        return state

    def description(self):
        """What the UI's DAG shows of it (id, name, call site, caching, its parents in the stage); made
        again only when its name, storage level or kind (a checkpoint) changed: every stage submission
        names its RDDs.
        Do not change the dict: the event log and the UI share it."""
        key = (self.id(), self._name, self._storage_level, self.kind)     # a checkpoint replaces the kind
        described = self.__dict__.get("_described")
        if described is None or described[0] != key:
            deps = self.deps
            described = self._described = (key, {
                "id": self.id(), "name": self.name() or self.kind.name, "site": self.creation_site,
                "cached": self.is_cached, "partitions": self.getNumPartitions(),
                "storage_level": str(self.getStorageLevel()),
                "parents": [d.rdd.id() for d in deps if not isinstance(d, ShuffleDependency)],
                "shuffle_parents": [d.shuffle_id for d in deps if isinstance(d, ShuffleDependency)]})
        return described[1]

    @property
    def deps(self):
        return self.kind.deps

    def partitions(self):
        if self._partitions is None:
            self._partitions = self.kind.partitions()
        return self._partitions

    def compute(self, split, tc):
        """Iterator over one partition's records; runs inside a task on an executor."""
        return self.kind.compute(split, tc)

    def iterator(self, split, tc):
        if self._storage_level.useMemory or self._storage_level.useDisk:
            return tc.get_or_compute(self, split)
        return self.compute(split, tc)

    def user_functions(self):
        """Functions the user gave this RDD (checked for captured RDDs/Contexts before shipping)."""
        return self.kind.user_functions()

    def _derived(self, kind):
        return RDD(self.ctx, kind)

    # ------------------------------------------------------------ introspection

    def id(self):
        if self._id is None:
            self._id = self.ctx._new_rdd_id() if self.ctx is not None else -1
        return self._id

    def name(self):
        return self._name

    def setName(self, name):
        self._name = name
        return self

    def getNumPartitions(self):
        return len(self.partitions())

    def getStorageLevel(self):
        return self._storage_level

    @property
    def is_cached(self):
        level = self._storage_level
        return level.useMemory or level.useDisk or level.useOffHeap

    @property
    def context(self):
        return self.ctx

    def __repr__(self):
        return "%s[%d] at %s" % (self._name or self.kind.name, self.id(), self.creation_site)

    def toDebugString(self):
        """The lineage, one RDD a line, indented one level per shuffle (Spark's format)."""
        lines = []

        def describe(rdd):
            level = " [%s]" % rdd._storage_level if rdd.is_cached else " []"
            return "%r%s" % (rdd, level)

        def emit(rdd, indent):
            for dep in rdd.deps:
                parent = dep.rdd
                if isinstance(dep, ShuffleDependency):
                    lines.append("%s +-(%d) %s" % (indent, parent.getNumPartitions(), describe(parent)))
                    emit(parent, indent + "   ")
                else:
                    lines.append("%s |  %s" % (indent, describe(parent)))
                    emit(parent, indent)

        lines.append("(%d) %s" % (self.getNumPartitions(), describe(self)))
        emit(self, "")
        return "\n".join(lines).encode("utf-8")          # bytes, as PySpark returns

    # ------------------------------------------------------------ persistence

    def persist(self, storageLevel=StorageLevel.MEMORY_ONLY):
        if self._storage_level != StorageLevel.NONE and storageLevel != self._storage_level:
            raise ValueError("Cannot change storage level of an RDD after it was already assigned a level "
                             "(%s; unpersist() it first)" % self._storage_level)
        self._storage_level = storageLevel
        self.ctx._persist(self)
        return self

    def cache(self):
        return self.persist(StorageLevel.MEMORY_ONLY)

    def unpersist(self, blocking=False):
        self._storage_level = StorageLevel.NONE
        self.ctx._unpersist(self.id())
        return self

    # ------------------------------------------------------------ transformations

    def mapPartitionsWithIndex(self, f, preservesPartitioning=False):
        return self._derived(MapPartitions.pipelined(self, f, preservesPartitioning))

    def barrier(self):
        """Mark the next mapPartitions as a barrier stage: its tasks are launched together and may
        meet in ``BarrierTaskContext.barrier()``/``allGather()``; a failure reruns them all."""
        return RDDBarrier(self)

    def _barrier_map_partitions(self, f, preservesPartitioning):
        return self._derived(MapPartitions.pipelined(self, f, preservesPartitioning, barrier=True))

    def _is_barrier(self):
        return getattr(self.kind, "barrier", False)

    def mapPartitionsWithSplit(self, f, preservesPartitioning=False):
        """Deprecated name of mapPartitionsWithIndex, kept as PySpark does."""
        return self.mapPartitionsWithIndex(f, preservesPartitioning)

    def pipe(self, command, env=None, checkCode=False):
        """Each partition's elements, one per line (``str(x)``), through ``command``; its output lines."""
        return self.mapPartitions(Pipe(command, env, checkCode))

    def mapPartitions(self, f, preservesPartitioning=False):
        return self.mapPartitionsWithIndex(partial(task_functions.of_iterator, f), preservesPartitioning)

    def map(self, f, preservesPartitioning=False):
        return self.mapPartitionsWithIndex(partial(task_functions.mapped, f), preservesPartitioning)

    def flatMap(self, f, preservesPartitioning=False):
        return self.mapPartitionsWithIndex(partial(task_functions.flat_mapped, f), preservesPartitioning)

    def filter(self, f):
        return self.mapPartitionsWithIndex(partial(task_functions.filtered, f), True)

    def glom(self):
        return self.mapPartitionsWithIndex(lambda _, it: [list(it)])

    def keyBy(self, f):
        return self.map(partial(task_functions.keyed, f))

    def distinct(self, numPartitions=None):
        """PySpark's map to (x, None), reduceByKey keeping the first, keys - as a shuffle of the records
        alone (ShuffleDependency.keys_only): no pair is made per record."""
        partitioner = self._default_partitioner((), numPartitions, reuse=False)
        return self._derived(Shuffled(self, partitioner, Aggregator.distinct()))

    def union(self, other):
        return self._derived(union_of([self, other]))

    def __add__(self, other):
        return self.union(other)

    def intersection(self, other):
        return (self.map(lambda v: (v, None)).cogroup(other.map(lambda v: (v, None)))
                .filter(lambda kv: len(kv[1][0]) and len(kv[1][1])).keys())

    def subtract(self, other, numPartitions=None):
        return self.map(lambda x: (x, True)).subtractByKey(
            other.map(lambda x: (x, True)), numPartitions).keys()

    def cartesian(self, other):
        return self._derived(Cartesian(self, other))

    def zip(self, other):
        return self._derived(Zipped(self, other))

    def zipWithIndex(self):
        starts = [0]
        if self.getNumPartitions() > 1:
            counts = self.ctx._run_job(self, _count_iterator, range(self.getNumPartitions() - 1))
            for c in counts:
                starts.append(starts[-1] + c)
        return self.mapPartitionsWithIndex(
            lambda k, it: ((x, i) for i, x in enumerate(it, starts[k])))

    def zipWithUniqueId(self):
        n = self.getNumPartitions()
        return self.mapPartitionsWithIndex(
            lambda k, it: ((x, i * n + k) for i, x in enumerate(it)))

    def coalesce(self, numPartitions, shuffle=False):
        if shuffle:
            return self.repartition(numPartitions)
        return self._derived(Coalesced(self, numPartitions))

    def repartition(self, numPartitions):
        def spread(split, iterator):
            position = random.Random(split).randrange(numPartitions)
            for x in iterator:
                position += 1
                yield position % numPartitions, x
        return (self.mapPartitionsWithIndex(spread)
                .partitionBy(Partitioner(numPartitions, _identity)).values())

    def sample(self, withReplacement, fraction, seed=None):
        if fraction < 0:
            raise ValueError("Fraction must be nonnegative, got %r" % (fraction,))
        seed = random.randrange(sys.maxsize) if seed is None else seed
        return self.mapPartitionsWithIndex(Sampler(withReplacement, fraction, seed), True)

    def randomSplit(self, weights, seed=None):
        if any(w < 0 for w in weights):
            raise ValueError("Weights must be nonnegative")
        total = float(sum(weights))
        if total <= 0:
            raise ValueError("Sum of weights must be positive")
        seed = random.randrange(sys.maxsize) if seed is None else seed
        bounds = [0.0] + list(itertools.accumulate(w / total for w in weights))
        return [self.mapPartitionsWithIndex(SplitSampler(lo, hi, seed), True)
                for lo, hi in zip(bounds, bounds[1:])]

    def sortBy(self, keyfunc, ascending=True, numPartitions=None):
        return self.keyBy(keyfunc)._sorted_by_key(ascending, numPartitions, None, (self, keyfunc)).values()

    def groupBy(self, f, numPartitions=None, partitionFunc=portable_hash):
        return self.map(lambda x: (f(x), x)).groupByKey(numPartitions, partitionFunc)

    # ------------------------------------------------------------ actions

    def collect(self):
        return list(itertools.chain.from_iterable(self.ctx._run_job(self, list)))

    def foreachPartition(self, f):
        def run(iterator):
            f(iterator)
            return None
        self.ctx._run_job(self, run)

    def foreach(self, f):
        def run(iterator):
            for x in iterator:
                f(x)
            return None
        self.ctx._run_job(self, run)

    def count(self):
        return sum(self.ctx._run_job(self, _count_iterator))

    def reduce(self, f):
        values = list(itertools.chain.from_iterable(self.ctx._run_job(self, partial(task_functions.reduced, f))))
        if not values:
            raise ValueError("Can not reduce() empty RDD")
        return _reduce(f, values)

    def treeReduce(self, f, depth=2):
        if depth < 1:
            raise ValueError("Depth cannot be smaller than 1 but got depth = %s." % depth)
        # (value, empty?) pairs: a flag survives the zero value's copies and pickling, an identity would not
        def op(x, y):
            if x[1]:
                return y
            if y[1]:
                return x
            return f(x[0], y[0]), False
        result = self.treeAggregate((None, True), lambda acc, v: op(acc, (v, False)), op, depth)
        if result[1]:
            raise ValueError("Cannot reduce empty RDD.")
        return result[0]

    def fold(self, zeroValue, op):
        return self.aggregate(zeroValue, op, op)

    def aggregate(self, zeroValue, seqOp, combOp):
        return _reduce(combOp, self.ctx._run_job(self, partial(task_functions.folded, zeroValue, seqOp)),
                       copy.deepcopy(zeroValue))

    def treeAggregate(self, zeroValue, seqOp, combOp, depth=2):
        if depth < 1:
            raise ValueError("Depth cannot be smaller than 1 but got depth = %s." % depth)
        num_partitions = self.getNumPartitions()
        if num_partitions == 0:
            return zeroValue

        def partial(iterator):
            acc = copy.deepcopy(zeroValue)     # the fold below runs in the same task: not the same zero
            for x in iterator:
                acc = seqOp(acc, x)
            yield acc
        partials = self.mapPartitions(partial)
        scale = max(int(num_partitions ** (1.0 / depth)), 2)
        while num_partitions > scale + num_partitions / scale:
            num_partitions //= scale
            n = num_partitions
            partials = (partials.mapPartitionsWithIndex(lambda i, it: ((i % n, x) for x in it))
                        .reduceByKey(combOp, n).values())
        return partials.fold(zeroValue, combOp)

    def sum(self):
        return self.mapPartitions(task_functions.summed).fold(0, operator.add)

    def max(self, key=None):
        return self.reduce(max if key is None else (lambda a, b: max(a, b, key=key)))

    def min(self, key=None):
        return self.reduce(min if key is None else (lambda a, b: min(a, b, key=key)))

    def stats(self):
        return self.mapPartitions(lambda it: [StatCounter(it)]).reduce(
            lambda a, b: a.mergeStats(b))

    def mean(self):
        return self.stats().mean()

    def variance(self):
        return self.stats().variance()

    def stdev(self):
        return self.stats().stdev()

    def sampleStdev(self):
        return self.stats().sampleStdev()

    def sampleVariance(self):
        return self.stats().sampleVariance()

    def countByValue(self):
        def count_partition(iterator):
            counts = defaultdict(int)
            for x in iterator:
                counts[x] += 1
            return counts
        total = defaultdict(int)
        for counts in self.ctx._run_job(self, count_partition):
            for k, v in counts.items():
                total[k] += v
        return total

    def take(self, num):
        items = []
        total = self.getNumPartitions()
        scanned = 0
        while len(items) < num and scanned < total:
            to_try = 1
            if scanned > 0:
                if not items:
                    to_try = scanned * 4
                else:
                    to_try = int(1.5 * num * scanned / len(items)) - scanned
                    to_try = min(max(to_try, 1), scanned * 4)
            left = num - len(items)
            parts = range(scanned, min(scanned + to_try, total))
            for chunk in self.ctx._run_job(self, lambda it: list(itertools.islice(it, left)), parts):
                items.extend(chunk)
            scanned += to_try
        return items[:num]

    def toLocalIterator(self, prefetchPartitions=False):
        """The elements, one partition's job at a time (with ``prefetchPartitions``, the next
        partition is computed while this one is consumed)."""
        total = self.getNumPartitions()
        if not prefetchPartitions:
            for p in range(total):
                yield from self.ctx._run_job(self, list, [p])[0]
            return
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            ahead = pool.submit(self.ctx._run_job, self, list, [0]) if total else None
            for p in range(total):
                part = ahead.result()[0]
                ahead = pool.submit(self.ctx._run_job, self, list, [p + 1]) if p + 1 < total else None
                yield from part

    def first(self):
        items = self.take(1)
        if items:
            return items[0]
        raise ValueError("RDD is empty")

    def isEmpty(self):
        return self.getNumPartitions() == 0 or len(self.take(1)) == 0

    def takeOrdered(self, num, key=None):
        if num <= 0:
            return []
        parts = self.ctx._run_job(self, lambda it: heapq.nsmallest(num, it, key))
        return heapq.nsmallest(num, itertools.chain.from_iterable(parts), key)

    def top(self, num, key=None):
        if num <= 0:
            return []
        parts = self.ctx._run_job(self, lambda it: heapq.nlargest(num, it, key))
        return heapq.nlargest(num, itertools.chain.from_iterable(parts), key)

    def takeSample(self, withReplacement, num, seed=None):
        """``num`` elements drawn as PySpark draws them (the same seed, the same sample)."""
        largest = sys.maxsize - int(10.0 * math.sqrt(sys.maxsize))
        if num < 0:
            raise ValueError("Sample size cannot be negative.")
        if num > largest:
            raise ValueError("Sample size cannot be greater than %d." % largest)
        if num == 0 or self.getNumPartitions() == 0:
            return []
        total = self.count()
        if total == 0:
            return []
        rng = random.Random(seed)
        if not withReplacement and num >= total:
            samples = self.collect()
            rng.shuffle(samples)
            return samples
        fraction = fraction_for_sample_size(num, total, withReplacement)
        samples = self.sample(withReplacement, fraction, seed).collect()
        while len(samples) < num:
            samples = self.sample(withReplacement, fraction, rng.randint(0, sys.maxsize)).collect()
        rng.shuffle(samples)
        return samples[:num]

    def saveAsTextFile(self, path, compressionCodecClass=None):
        """One ``part-NNNNN`` file per partition; compressed (``.gz``, ``.bz2``) with
        ``compressionCodecClass="org.apache.hadoop.io.compress.GzipCodec"`` or ``BZip2Codec``."""
        def line(x):
            if isinstance(x, bytes):
                return x.decode("utf-8")
            return str(x)
        suffix, opener = compression.codec(compressionCodecClass) if compressionCodecClass else ("", open)
        self.ctx._save(self, path, lambda stream, it: stream.writelines(
            (line(x) + "\n").encode("utf-8") for x in it), suffix, opener)

    def saveAsPickleFile(self, path, batchSize=10):
        def write(stream, iterator):
            for batch in chunks(iterator, max(1, batchSize)):
                pickle.dump(batch, stream, 5)
        self.ctx._save(self, path, write)


def _count_iterator(iterator):
    n = 0
    for _ in iterator:
        n += 1
    return n


def _identity(x):
    return x

