"""Kinds of RDD that start a stage: the reduce side of a shuffle, and cogroups/joins of several parents."""
import itertools

from ..data import joins, spill
from ..data.record_batches import deferred
from .dependencies import Aggregator, OneToOneDependency, ShuffleDependency
from .kind import Kind
from .partitions import CoGroupPartition, Partition
from .result_iterable import ResultIterable


class Shuffled(Kind):
    """The reduce side of a shuffle: reads this partition's blocks from every map output."""

    def __init__(self, prev, partitioner, aggregator=None, map_side_combine=True):
        self.dep = ShuffleDependency(prev, partitioner, aggregator, map_side_combine)
        self.deps = [self.dep]
        # A distinct()'s records are not (key, value) pairs placed by a key: later pair operations reshuffle.
        self.partitioner = None if self.dep.keys_only else partitioner

    def partitions(self):
        return [Partition(i) for i in range(self.dep.partitioner.numPartitions)]

    def compute(self, split, tc):
        # Deferred: nothing is fetched until the task starts consuming this partition.
        return deferred(self._reduce, split, tc)

    def _reduce(self, split, tc):
        dep = self.dep
        agg = dep.aggregator
        if dep.keys_only:
            return spill.distinct_keys(tc.read_shuffle_blocks(dep.shuffle_id, split.index), tc)
        if dep.map_side_combine:
            blocks = tc.read_shuffle_blocks(dep.shuffle_id, split.index)
            return spill.merged_combiners(blocks, agg, tc, dep.sums_in_columns)
        records = tc.read_shuffle(dep.shuffle_id, split.index)
        if agg is None:
            return records
        if agg.kind == Aggregator.GROUP:
            return spill.external_group(records, tc)
        return spill.external_combine(records, agg, tc)

    def user_functions(self):
        agg = self.dep.aggregator
        return [agg.createCombiner, agg.mergeValue, agg.mergeCombiners] if agg else []


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


COGROUP = joins.JoinKind("cogroup", cogrouped)


class CoGrouped(Kind):
    """(key, (values of rdd 0, values of rdd 1, ...)); parents already partitioned alike are not shuffled.

    ``join`` (a joins.JoinKind) turns the partition's groups (one
    {key: [values]} per parent) into its records: the cogroup's tuples by
    default, a join's pairs for the joins.
    """

    def __init__(self, rdds, partitioner, join=COGROUP):
        self.deps = [OneToOneDependency(r) if r.partitioner == partitioner else ShuffleDependency(r, partitioner)
                     for r in rdds]
        self.rdds = list(rdds)
        self.partitioner = partitioner
        self.join = join

    def partitions(self):
        parents = [r.partitions() if isinstance(d, OneToOneDependency) else None
                   for r, d in zip(self.rdds, self.deps)]
        return [CoGroupPartition(i, [p[i] if p is not None else None for p in parents])
                for i in range(self.partitioner.numPartitions)]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("rdds", None)   # a task reaches narrow parents through its dependencies
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
        return spill.external_cogroup(sides, self.join, tc)
