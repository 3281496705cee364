"""Kinds of RDD computed from their parents' partitions in the same task (narrow dependencies)."""
import functools
import itertools

from .dependencies import ExplicitDependency, OneToOneDependency, RangeDependency
from .kind import Kind
from . import task_functions
from .partitions import GroupPartition, UnionPartition


class MapPartitions(Kind):
    """f(partition_index, iterator) applied to the parent, pipelined in the parent's task."""

    lazy_id = True                      # takes an RDD id only when asked (a pipelined step never is)

    def __init__(self, prev, func, preserves_partitioning=False, barrier=False):
        self.deps = [OneToOneDependency(prev)]
        self.prev = prev
        self.func = func
        self.preserves_partitioning = preserves_partitioning
        self.barrier = barrier          # from rdd.barrier(): its stage's tasks run together
        if preserves_partitioning:
            self.partitioner = prev.partitioner

    @classmethod
    def pipelined(cls, prev, func, preserves_partitioning=False, barrier=False):
        """``func`` over ``prev``; when ``prev`` is itself a plain, uncached function of its parent,
        one RDD applying both (as PySpark's PipelinedRDD: ``map(f).filter(g)`` is one RDD, one id)."""
        kind = prev.kind
        if type(kind) is not cls or prev.is_cached or prev.isCheckpointed() or prev._checkpoint_mark:
            return cls(prev, func, preserves_partitioning, barrier)
        inner = kind.func
        return cls(kind.prev, functools.partial(task_functions.composed, func, inner),
                   kind.preserves_partitioning and preserves_partitioning, barrier or kind.barrier)

    def partitions(self):
        return self.prev.partitions()

    def compute(self, split, tc):
        return self.func(split.index, self.prev.iterator(split, tc))

    def user_functions(self):
        return [self.func]


class Union(Kind):
    def __init__(self, rdds):
        self.deps, out = [], 0
        for rdd in rdds:
            n = rdd.getNumPartitions()
            self.deps.append(RangeDependency(rdd, 0, out, n))
            out += n
        self.rdds = list(rdds)

    def partitions(self):
        parts = []
        for i, rdd in enumerate(self.rdds):
            for p in rdd.partitions():
                parts.append(UnionPartition(len(parts), i, p))
        return parts

    def compute(self, split, tc):
        return self.rdds[split.parent_index].iterator(split.parent, tc)


class PartitionerAwareUnion(Kind):
    """A union of RDDs partitioned alike keeps their partitioner: partition i is every parent's
    partition i, so a later join or reduce on it does not shuffle again (as in Spark)."""

    def __init__(self, rdds):
        self.rdds = list(rdds)
        self.partitioner = self.rdds[0].partitioner
        self.deps = [OneToOneDependency(rdd) for rdd in self.rdds]

    def partitions(self):
        return [GroupPartition(i, [rdd.partitions()[i] for rdd in self.rdds])
                for i in range(self.partitioner.numPartitions)]

    def compute(self, split, tc):
        return itertools.chain.from_iterable(rdd.iterator(part, tc) for rdd, part in zip(self.rdds, split.parents))


def union_of(rdds):
    """The union kind for ``rdds``: partitioner-aware when they all share a partitioner."""
    rdds = list(rdds)
    first = rdds[0].partitioner if rdds else None
    if first is not None and len(rdds) > 1 and all(r.partitioner == first for r in rdds):
        return PartitionerAwareUnion(rdds)
    return Union(rdds)


class Coalesced(Kind):
    """Fewer partitions without a shuffle: each child reads a contiguous run of parents."""

    def __init__(self, prev, num_partitions):
        n_parent = prev.getNumPartitions()
        n = max(1, min(num_partitions, n_parent)) if n_parent else 0
        self._ranges = [range(n_parent * i // n, n_parent * (i + 1) // n) for i in range(n)]
        ranges = self._ranges
        self.deps = [ExplicitDependency(prev, lambda i: ranges[i])]
        self.prev = prev

    def partitions(self):
        parents = self.prev.partitions()
        return [GroupPartition(i, [parents[j] for j in r]) for i, r in enumerate(self._ranges)]

    def compute(self, split, tc):
        return itertools.chain.from_iterable(self.prev.iterator(p, tc) for p in split.parents)


class Cartesian(Kind):
    def __init__(self, a, b):
        nb = b.getNumPartitions()
        self.deps = [ExplicitDependency(a, lambda i: [i // nb]), ExplicitDependency(b, lambda i: [i % nb])]
        self.a, self.b = a, b

    def partitions(self):
        pb = self.b.partitions()
        return [GroupPartition(i * len(pb) + j, [x, y])
                for i, x in enumerate(self.a.partitions()) for j, y in enumerate(pb)]

    def compute(self, split, tc):
        right = list(self.b.iterator(split.parents[1], tc))
        for x in self.a.iterator(split.parents[0], tc):
            for y in right:
                yield x, y


class Zipped(Kind):
    """Pairs the i-th elements of the i-th partitions of two RDDs with equal partitioning."""

    def __init__(self, a, b):
        if a.getNumPartitions() != b.getNumPartitions():
            raise ValueError("Can only zip RDDs with the same number of partitions "
                             "(%d vs %d)" % (a.getNumPartitions(), b.getNumPartitions()))
        self.deps = [OneToOneDependency(a), OneToOneDependency(b)]
        self.a, self.b = a, b

    def partitions(self):
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
