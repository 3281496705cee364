"""The concrete RDD classes: how each kind of RDD lists its partitions and computes one.

Partition objects travel with each task (they are small, except a
parallelized collection's slice, which is that task's input). A composite
partition holds its parents' partitions, so a task can walk the narrow
lineage without the driver.
"""
import glob
import itertools
import os

from ..common import aggregation, joins, spill
from ..common.line_reader import line_batches
from ..common.record_batches import deferred, pickled_batches, records_of
from .dependencies import ExplicitDependency, OneToOneDependency, RangeDependency, ShuffleDependency
from .rdd import RDD


class Partition:
    """One partition's description. Subclasses take their slots, in order, as constructor arguments
    (after ``index``), which is how they are pickled: one is sent with every task."""

    __slots__ = ("index",)
    _fields = ("index",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._fields = cls.__base__._fields + tuple(cls.__dict__.get("__slots__", ()))

    def __init__(self, index):
        self.index = index

    def __reduce__(self):
        return type(self), tuple([getattr(self, f) for f in self._fields])

    def __repr__(self):
        return "%s(%d)" % (type(self).__name__, self.index)


class ResultIterable(list):
    """The values of one key after a grouping (PySpark's ResultIterable).

    A list underneath, so ``len()`` and iteration run at C speed in the
    user's functions (PageRank calls ``len`` once per link); ``data`` and
    ``maxindex`` are PySpark's attribute names.
    """

    __slots__ = ()

    @property
    def data(self):
        return self

    @property
    def maxindex(self):
        return len(self)

    def __repr__(self):
        return "ResultIterable(%s)" % list.__repr__(self)


# ---------------------------------------------------------------- sources


class ParallelPartition(Partition):
    __slots__ = ("values",)

    def __init__(self, index, values):
        super().__init__(index)
        self.values = values


class ParallelCollectionRDD(RDD):
    """A driver-side collection cut into slices; each task carries its own slice."""

    def __init__(self, ctx, data, num_slices):
        super().__init__(ctx, [])
        self._slices = _slice(data, num_slices)

    def _get_partitions(self):
        return [ParallelPartition(i, s) for i, s in enumerate(self._slices)]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_slices", None)
        return state

    def compute(self, split, tc):
        if tc is not None:
            tc.add_metric("input_records_read", len(split.values))
        return records_of([split.values], tc)


def _slice(data, n):
    if isinstance(data, range):
        size = len(data)
        return [data[size * i // n: size * (i + 1) // n] for i in range(n)]
    data = list(data)
    size = len(data)
    return [data[size * i // n: size * (i + 1) // n] for i in range(n)]


def _count_input(tc, records, nbytes):
    """Input metrics of the running task (absent when computed outside a task)."""
    if tc is not None:
        tc.add_metric("input_records_read", records)
        tc.add_metric("input_bytes_read", nbytes)


class FileSplit(Partition):
    __slots__ = ("path", "start", "end")

    def __init__(self, index, path, start, end):
        super().__init__(index)
        self.path, self.start, self.end = path, start, end


def expand_paths(path):
    """A file, a directory (its visible files), a glob, or a comma-separated list of those."""
    found = []
    for part in str(path).split(","):
        part = part.strip()
        if part.startswith("file:"):
            part = part[5:]
        matches = sorted(glob.glob(part)) if glob.has_magic(part) else [part]
        for match in matches:
            if os.path.isdir(match):
                found.extend(sorted(os.path.join(match, f) for f in os.listdir(match)
                                    if not f.startswith((".", "_"))
                                    and os.path.isfile(os.path.join(match, f))))
            elif os.path.exists(match):
                found.append(match)
    if not found:
        raise FileNotFoundError("Input path does not exist: %s" % path)
    return [os.path.abspath(f) for f in found]


class TextFileRDD(RDD):
    """Lines of text files, split into byte ranges; a line belongs to the split its first byte is in."""

    def __init__(self, ctx, path, min_partitions, use_unicode=True):
        super().__init__(ctx, [])
        self.path = path
        self.use_unicode = use_unicode
        files = expand_paths(path)
        sizes = [os.path.getsize(f) for f in files]
        goal = max(1, sum(sizes) // max(1, min_partitions))
        self._splits = []
        for f, size in zip(files, sizes):
            start = 0
            while size - start > goal * 1.1:
                self._splits.append((f, start, start + goal))
                start += goal
            self._splits.append((f, start, size))

    def _get_partitions(self):
        return [FileSplit(i, *s) for i, s in enumerate(self._splits)]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_splits", None)
        return state

    def compute(self, split, tc):
        return records_of(self._batches(split, tc), tc)

    def _batches(self, split, tc):
        counts = {}
        try:
            yield from line_batches(split.path, split.start, split.end, self.use_unicode, counts)
        finally:
            _count_input(tc, counts["lines"], counts["bytes"])


class FileGroup(Partition):
    __slots__ = ("paths",)

    def __init__(self, index, paths):
        super().__init__(index)
        self.paths = paths


class WholeTextFilesRDD(RDD):
    """(path, content) per file, files grouped into partitions."""

    def __init__(self, ctx, path, min_partitions):
        super().__init__(ctx, [])
        files = expand_paths(path)
        n = max(1, min(min_partitions, len(files)))
        self._groups = [files[len(files) * i // n: len(files) * (i + 1) // n] for i in range(n)]

    def _get_partitions(self):
        return [FileGroup(i, g) for i, g in enumerate(self._groups)]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_groups", None)
        return state

    def compute(self, split, tc):
        for path in split.paths:
            with open(path, encoding="utf-8") as f:
                content = f.read()
            _count_input(tc, 1, os.path.getsize(path))
            yield "file:" + path, content


class PickleFileRDD(RDD):
    """Objects written by saveAsPickleFile: each part file is a sequence of pickled batches."""

    def __init__(self, ctx, path, min_partitions):
        super().__init__(ctx, [])
        files = [f for f in expand_paths(path) if os.path.basename(f).startswith("part-")]
        self._groups = [[f] for f in files]

    def _get_partitions(self):
        return [FileGroup(i, g) for i, g in enumerate(self._groups)]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_groups", None)
        return state

    def compute(self, split, tc):
        return records_of(self._batches(split, tc), tc)

    def _batches(self, split, tc):
        for path in split.paths:
            with open(path, "rb") as f:
                for batch in pickled_batches(f):
                    _count_input(tc, len(batch), 0)
                    yield batch
                _count_input(tc, 0, f.tell())


# ---------------------------------------------------------------- narrow transformations


class MapPartitionsRDD(RDD):
    """f(partition_index, iterator) applied to the parent, pipelined in the parent's task."""

    def __init__(self, prev, func, preserves_partitioning=False):
        super().__init__(prev.ctx, [OneToOneDependency(prev)])
        self.prev = prev
        self.func = func
        if preserves_partitioning:
            self.partitioner = prev.partitioner

    def _get_partitions(self):
        return self.prev.partitions()

    def compute(self, split, tc):
        return self.func(split.index, self.prev.iterator(split, tc))

    def user_functions(self):
        return [self.func]


class UnionPartition(Partition):
    __slots__ = ("parent_index", "parent")

    def __init__(self, index, parent_index, parent):
        super().__init__(index)
        self.parent_index, self.parent = parent_index, parent


class UnionRDD(RDD):
    def __init__(self, ctx, rdds):
        deps, out = [], 0
        for rdd in rdds:
            n = rdd.getNumPartitions()
            deps.append(RangeDependency(rdd, 0, out, n))
            out += n
        super().__init__(ctx, deps)
        self.rdds = list(rdds)

    def _get_partitions(self):
        parts = []
        for i, rdd in enumerate(self.rdds):
            for p in rdd.partitions():
                parts.append(UnionPartition(len(parts), i, p))
        return parts

    def compute(self, split, tc):
        return self.rdds[split.parent_index].iterator(split.parent, tc)


class GroupPartition(Partition):
    __slots__ = ("parents",)

    def __init__(self, index, parents):
        super().__init__(index)
        self.parents = parents


class CoalescedRDD(RDD):
    """Fewer partitions without a shuffle: each child reads a contiguous run of parents."""

    def __init__(self, prev, num_partitions):
        n_parent = prev.getNumPartitions()
        n = max(1, min(num_partitions, n_parent)) if n_parent else 0
        self._ranges = [range(n_parent * i // n, n_parent * (i + 1) // n) for i in range(n)]
        ranges = self._ranges
        super().__init__(prev.ctx, [ExplicitDependency(prev, lambda i: ranges[i])])
        self.prev = prev

    def _get_partitions(self):
        parents = self.prev.partitions()
        return [GroupPartition(i, [parents[j] for j in r]) for i, r in enumerate(self._ranges)]

    def compute(self, split, tc):
        return itertools.chain.from_iterable(self.prev.iterator(p, tc) for p in split.parents)


class CartesianRDD(RDD):
    def __init__(self, a, b):
        nb = b.getNumPartitions()
        super().__init__(a.ctx, [ExplicitDependency(a, lambda i: [i // nb]),
                                 ExplicitDependency(b, lambda i: [i % nb])])
        self.a, self.b = a, b

    def _get_partitions(self):
        pb = self.b.partitions()
        return [GroupPartition(i * len(pb) + j, [x, y])
                for i, x in enumerate(self.a.partitions()) for j, y in enumerate(pb)]

    def compute(self, split, tc):
        right = list(self.b.iterator(split.parents[1], tc))
        for x in self.a.iterator(split.parents[0], tc):
            for y in right:
                yield x, y


class ZippedRDD(RDD):
    """Pairs the i-th elements of the i-th partitions of two RDDs with equal partitioning."""

    def __init__(self, a, b):
        if a.getNumPartitions() != b.getNumPartitions():
            raise ValueError("Can only zip RDDs with the same number of partitions "
                             "(%d vs %d)" % (a.getNumPartitions(), b.getNumPartitions()))
        super().__init__(a.ctx, [OneToOneDependency(a), OneToOneDependency(b)])
        self.a, self.b = a, b

    def _get_partitions(self):
        return [GroupPartition(i, [x, y])
                for i, (x, y) in enumerate(zip(self.a.partitions(), self.b.partitions()))]

    def compute(self, split, tc):
        left = self.a.iterator(split.parents[0], tc)
        right = self.b.iterator(split.parents[1], tc)
        sentinel = object()
        for x, y in itertools.zip_longest(left, right, fillvalue=sentinel):
            if x is sentinel or y is sentinel:
                raise ValueError("Can only zip RDDs with the same number of elements in each "
                                 "partition (partition %d differs)" % split.index)
            yield x, y


# ---------------------------------------------------------------- shuffles


class ShuffledRDD(RDD):
    """The reduce side of a shuffle: reads this partition's blocks from every map output."""

    def __init__(self, prev, partitioner, aggregator=None, map_side_combine=True):
        self.dep = ShuffleDependency(prev, partitioner, aggregator, map_side_combine)
        super().__init__(prev.ctx, [self.dep])
        self.partitioner = partitioner

    def _get_partitions(self):
        return [Partition(i) for i in range(self.partitioner.numPartitions)]

    def compute(self, split, tc):
        # Deferred: nothing is fetched until the task starts consuming this partition.
        return deferred(self._reduce, split, tc)

    def _reduce(self, split, tc):
        agg = self.dep.aggregator
        if self.dep.map_side_combine:
            return spill.merged_combiners(tc.read_shuffle_blocks(self.dep.shuffle_id, split.index), agg, tc)
        records = tc.read_shuffle(self.dep.shuffle_id, split.index)
        if agg is None:
            return records
        if aggregation.is_grouping(agg):
            return spill.external_group(records, tc)
        return spill.external_combine(records, agg, tc)

    def user_functions(self):
        agg = self.dep.aggregator
        return [agg.createCombiner, agg.mergeValue, agg.mergeCombiners] if agg else []


class CoGroupPartition(Partition):
    __slots__ = ("narrow",)

    def __init__(self, index, narrow):
        super().__init__(index)
        self.narrow = narrow  # per dependency: the parent partition, or None when shuffled


class CoGroupedRDD(RDD):
    """(key, (values of rdd 0, values of rdd 1, ...)); parents already partitioned alike are not shuffled.

    ``emit`` turns the partition's groups (one {key: [values]} per parent)
    into its records: the cogroup's tuples by default, a join's pairs for
    the joins (zpark.common.joins).
    """

    def __init__(self, rdds, partitioner, emit=None):
        deps = [OneToOneDependency(r) if r.partitioner == partitioner else ShuffleDependency(r, partitioner)
                for r in rdds]
        super().__init__(rdds[0].ctx, deps)
        self.rdds = list(rdds)
        self.partitioner = partitioner
        self.emit = emit or cogrouped

    def _get_partitions(self):
        parents = [r.partitions() if isinstance(d, OneToOneDependency) else None
                   for r, d in zip(self.rdds, self.deps)]
        return [CoGroupPartition(i, [p[i] if p is not None else None for p in parents])
                for i in range(self.partitioner.numPartitions)]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("rdds", None)
        return state

    def compute(self, split, tc):
        return deferred(self._cogroup, split, tc)

    def _cogroup(self, split, tc):
        sides = []
        for dep, narrow in zip(self.deps, split.narrow):
            if narrow is not None:
                sides.append(dep.rdd.iterator(narrow, tc))
            else:
                sides.append(tc.read_shuffle(dep.shuffle_id, split.index))
        return spill.external_cogroup(sides, self.emit, tc, joins.of_single_values(self.emit))


def cogrouped(*groups):
    """(key, (ResultIterable of each parent's values)) for every key, in order of first appearance."""
    keys = dict.fromkeys(itertools.chain.from_iterable(groups))
    if len(groups) == 2:
        first, second = groups
        values = map(lambda key: (ResultIterable(first.get(key, ())), ResultIterable(second.get(key, ()))),
                     keys)
    else:
        values = map(lambda key: tuple([ResultIterable(g.get(key, ())) for g in groups]), keys)
    return zip(keys, values)
