"""Storage levels for persist(), named as in PySpark."""


class StorageLevel:
    """Where a persisted partition lives on its executor."""

    def __init__(self, useDisk, useMemory, useOffHeap=False, deserialized=False, replication=1):
        self.useDisk = useDisk
        self.useMemory = useMemory
        self.useOffHeap = useOffHeap
        self.deserialized = deserialized
        self.replication = replication

    def _key(self):
        return (self.useDisk, self.useMemory, self.useOffHeap, self.deserialized, self.replication)

    def __eq__(self, other):
        return isinstance(other, StorageLevel) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        return "StorageLevel(%s, %s, %s, %s, %s)" % self._key()

    def __str__(self):
        parts = []
        parts.append("Disk" if self.useDisk else "")
        parts.append("Memory" if self.useMemory else "")
        parts.append("Deserialized" if self.deserialized else "Serialized")
        return " ".join(p for p in parts if p) + " %sx Replicated" % self.replication


StorageLevel.NONE = StorageLevel(False, False)
StorageLevel.DISK_ONLY = StorageLevel(True, False)
StorageLevel.MEMORY_ONLY = StorageLevel(False, True)
StorageLevel.MEMORY_AND_DISK = StorageLevel(True, True)
StorageLevel.MEMORY_ONLY_2 = StorageLevel(False, True, replication=2)
StorageLevel.MEMORY_AND_DISK_2 = StorageLevel(True, True, replication=2)
StorageLevel.DISK_ONLY_2 = StorageLevel(True, False, replication=2)
