"""``rdd.barrier()``: the RDD whose next mapPartitions runs as a barrier stage (PySpark's ``RDDBarrier``)."""


class RDDBarrier:
    """Wraps an RDD; its mapPartitions/mapPartitionsWithIndex give an RDD whose stage launches all its
    tasks together, so they can meet in ``BarrierTaskContext.barrier()`` and ``allGather()``."""

    def __init__(self, rdd):
        self.rdd = rdd

    def mapPartitions(self, f, preservesPartitioning=False):
        return self.mapPartitionsWithIndex(lambda _, it: f(it), preservesPartitioning)

    def mapPartitionsWithIndex(self, f, preservesPartitioning=False):
        return self.rdd._barrier_map_partitions(f, preservesPartitioning)
