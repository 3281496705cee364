"""Partitioners: which reduce partition a key belongs to, the same in every process."""
import bisect
import itertools

from . import native
from .hashing import portable_hash, portable_hashes


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

    def partitions_of(self, keys):
        """The partition of every key in a list (the shuffle writer's hot loop, done in bulk)."""
        n = self.numPartitions
        return [h % n for h in self.hashes_of(keys)]

    def hashes_of(self, keys):
        """The hash of every key in a list, before ``% numPartitions`` (which a caller may do in bulk)."""
        if self.partitionFunc is portable_hash:
            return portable_hashes(keys)
        return map(self.partitionFunc, keys)

    def native_splitter(self):
        """The compiled extension when it can split chunks as this partitioner places keys (its partition
        function is portable_hash), else None."""
        return native.extension if self.partitionFunc is portable_hash else None

    def split_columns(self, keys, values):
        """[(partition, keys, values)] of a chunk's key and value lists (None values: keys alone), partitions
        in order, records in chunk order, split in one pass by the compiled extension; None when it is
        missing or declines a key, or the partition function is not portable_hash."""
        splitter = self.native_splitter()
        return None if splitter is None else splitter.partition_columns(keys, values, self.numPartitions)

    def split_pairs(self, records):
        """``split_columns`` of a chunk of (key, value) records - exact tuples or lists of two - in the same
        one pass, without making the columns first; None as there, or when a record is anything else."""
        splitter = self.native_splitter()
        return None if splitter is None else splitter.partition_pairs(records, self.numPartitions)

    def __eq__(self, other):
        return (type(other) is type(self) and other.numPartitions == self.numPartitions
                and other.partitionFunc == self.partitionFunc)

    def __hash__(self):
        return hash((type(self), self.numPartitions))

    def __repr__(self):
        return "%s(%d)" % (type(self).__name__, self.numPartitions)


HashPartitioner = Partitioner


class RangePartitioner(Partitioner):
    """Sends keys to partitions by sorted upper bounds taken from a sample (sortByKey).

    ``keyfunc`` maps a key to what the bounds compare (None: the key itself).
    """

    def __init__(self, bounds, ascending=True, keyfunc=None):
        self.bounds = list(bounds)
        self.ascending = ascending
        self.keyfunc = keyfunc
        super().__init__(len(self.bounds) + 1, self._partition)

    def _partition(self, key):
        p = bisect.bisect_left(self.bounds, key if self.keyfunc is None else self.keyfunc(key))
        return p if self.ascending else len(self.bounds) - p

    def __call__(self, key):
        return self._partition(key)

    def hashes_of(self, keys):
        return self.partitions_of(keys)

    def partitions_of(self, keys):
        if self.keyfunc is not None:
            keys = map(self.keyfunc, keys)
        found = map(bisect.bisect_left, itertools.repeat(self.bounds), keys)
        if self.ascending:
            return list(found)
        last = len(self.bounds)
        return [last - p for p in found]

    def __eq__(self, other):
        return (type(other) is RangePartitioner and other.bounds == self.bounds
                and other.ascending == self.ascending and other.keyfunc == self.keyfunc)

    def __hash__(self):
        return hash((RangePartitioner, len(self.bounds)))
