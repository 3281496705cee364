"""Partition descriptions: what one task of an RDD computes.

A partition travels with each task (they are small, except a parallelized
collection's slice, which is that task's input). A composite partition holds
its parents' partitions, so a task can walk the narrow lineage without the
driver.
"""


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


class ParallelPartition(Partition):
    __slots__ = ("values",)

    def __init__(self, index, values):
        super().__init__(index)
        self.values = values


class FileSplit(Partition):
    __slots__ = ("path", "start", "end")

    def __init__(self, index, path, start, end):
        super().__init__(index)
        self.path, self.start, self.end = path, start, end


class FileGroup(Partition):
    __slots__ = ("paths",)

    def __init__(self, index, paths):
        super().__init__(index)
        self.paths = paths


class UnionPartition(Partition):
    __slots__ = ("parent_index", "parent")

    def __init__(self, index, parent_index, parent):
        super().__init__(index)
        self.parent_index, self.parent = parent_index, parent


class GroupPartition(Partition):
    __slots__ = ("parents",)

    def __init__(self, index, parents):
        super().__init__(index)
        self.parents = parents


class CoGroupPartition(Partition):
    __slots__ = ("narrow",)

    def __init__(self, index, narrow):
        super().__init__(index)
        self.narrow = narrow  # per dependency: the parent partition, or None when shuffled
