"""How an RDD depends on its parents: narrow (pipelined in one task) or shuffle (a stage boundary)."""
import itertools

from ..common.hashing import portable_hash
from ..common.partitioner import Partitioner
from ..data.aggregation import Aggregator

_shuffle_ids = itertools.count()


class Dependency:
    def __init__(self, rdd):
        self.rdd = rdd


class NarrowDependency(Dependency):
    """Each child partition reads a known, small set of parent partitions."""

    def get_parents(self, partition_index):
        raise NotImplementedError


class OneToOneDependency(NarrowDependency):
    def get_parents(self, partition_index):
        return [partition_index]


class RangeDependency(NarrowDependency):
    """Child partitions [out_start, out_start+length) are parent partitions [in_start, ...) (union)."""

    def __init__(self, rdd, in_start, out_start, length):
        super().__init__(rdd)
        self.in_start, self.out_start, self.length = in_start, out_start, length

    def get_parents(self, partition_index):
        if self.out_start <= partition_index < self.out_start + self.length:
            return [partition_index - self.out_start + self.in_start]
        return []


class ExplicitDependency(NarrowDependency):
    """Narrow dependency given by a table child index -> parent indexes (coalesce, cartesian)."""

    def __init__(self, rdd, parents_of):
        super().__init__(rdd)
        self.parents_of = parents_of

    def get_parents(self, partition_index):
        return list(self.parents_of(partition_index))


class ShuffleDependency(Dependency):
    """The parent's records are repartitioned by key: the parent ends a ShuffleMapStage."""

    def __init__(self, rdd, partitioner, aggregator=None, map_side_combine=False):
        super().__init__(rdd)
        self.partitioner = partitioner
        self.aggregator = aggregator
        self.map_side_combine = map_side_combine and aggregator is not None
        # Sums by int key can travel as numpy columns when the partition of a key is its portable hash.
        self.sums_in_columns = (self.map_side_combine and aggregator.kind == Aggregator.SUM
                                and type(partitioner) is Partitioner and partitioner.partitionFunc is portable_hash)
        # distinct(): each record is its own key and there are no values, so none are made, split or written.
        self.keys_only = aggregator is not None and aggregator.kind == Aggregator.DISTINCT
        self.shuffle_id = next(_shuffle_ids)

    def __getstate__(self):
        # The map side's lineage stays on the driver: a reduce task only reads blocks.
        state = dict(self.__dict__)
        state["rdd"] = None
        return state
