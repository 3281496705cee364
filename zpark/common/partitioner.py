"""Partitioners: which reduce partition a key belongs to, the same in every process."""
import bisect

from .hashing import portable_hash


class Partitioner:
    """Hash partitioning, as PySpark's ``Partitioner(numPartitions, partitionFunc)``.

    Two partitioners are equal when they have the same partition count and
    function; an RDD already partitioned by an equal partitioner needs no
    shuffle to be reduced or joined.
    """

    def __init__(self, numPartitions, partitionFunc=portable_hash):
        if numPartitions < 1:
            raise ValueError("numPartitions must be at least 1, got %r" % (numPartitions,))
        self.numPartitions = numPartitions
        self.partitionFunc = partitionFunc

    def __call__(self, key):
        return self.partitionFunc(key) % self.numPartitions

    def __eq__(self, other):
        return (type(other) is type(self) and other.numPartitions == self.numPartitions
                and other.partitionFunc == self.partitionFunc)

    def __hash__(self):
        return hash((type(self), self.numPartitions))

    def __repr__(self):
        return "%s(%d)" % (type(self).__name__, self.numPartitions)


HashPartitioner = Partitioner


class RangePartitioner(Partitioner):
    """Sends keys to partitions by sorted upper bounds taken from a sample (sortByKey)."""

    def __init__(self, bounds, ascending=True, keyfunc=lambda k: k):
        self.bounds = list(bounds)
        self.ascending = ascending
        self.keyfunc = keyfunc
        super().__init__(len(self.bounds) + 1, self._partition)

    def _partition(self, key):
        p = bisect.bisect_left(self.bounds, self.keyfunc(key))
        return p if self.ascending else len(self.bounds) - p

    def __call__(self, key):
        return self._partition(key)

    def __eq__(self, other):
        return (type(other) is RangePartitioner and other.bounds == self.bounds
                and other.ascending == self.ascending and other.keyfunc == self.keyfunc)

    def __hash__(self):
        return hash((RangePartitioner, len(self.bounds)))
