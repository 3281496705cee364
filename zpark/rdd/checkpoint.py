"""Checkpoints: cut an RDD's lineage once its partitions are saved (PySpark's checkpoint/localCheckpoint).

``rdd.checkpoint()`` marks the RDD; after the next job that computes it,
the Context runs one more job that writes every partition under the
checkpoint folder (``SparkContext.setCheckpointDir``), then the RDD's kind
becomes ``ReliableCheckpoint``: its lineage ends in those files, so a long
iterative lineage stops growing and a lost partition is read back instead
of recomputed. In a cluster the folder must be on storage every executor
sees, as Spark needs HDFS. ``rdd.localCheckpoint()`` keeps the partitions in
the executors' block stores instead (memory and disk): fast, but a
partition lost with its executor cannot come back.
"""
import os
import pickle

from ..common.errors import ZparkError
from ..common.storage import StorageLevel
from ..common.task_context import TaskContext
from ..data.chunks import chunks
from ..data.record_batches import pickled_batches, records_of
from .kind import Kind
from .partitions import Partition

BATCH = 1024


class Checkpointed(Kind):
    """An RDD whose lineage was cut: no parents, the same partitions and partitioner as before."""

    def __init__(self, num_partitions, partitioner):
        self.deps = []
        self.num_partitions = num_partitions
        self.partitioner = partitioner

    @property
    def name(self):
        return type(self).__name__ + "RDD"

    def partitions(self):
        return [Partition(i) for i in range(self.num_partitions)]


class ReliableCheckpoint(Checkpointed):
    """Read back from the files its checkpoint wrote."""

    def __init__(self, directory, num_partitions, partitioner):
        super().__init__(num_partitions, partitioner)
        self.directory = directory

    def compute(self, split, tc):
        return records_of(_read_batches(partition_file(self.directory, split.index)), tc)


class LocalCheckpoint(Checkpointed):
    """Its partitions live only in the executors' block stores (localCheckpoint)."""

    def __init__(self, rdd_id, num_partitions, partitioner):
        super().__init__(num_partitions, partitioner)
        self.rdd_id = rdd_id

    def compute(self, split, tc):
        raise ZparkError("Checkpoint block rdd_%d_%d not found! Either the executor that originally "
                         "checkpointed this partition is no longer alive, or the original RDD is unpersisted. "
                         "If this problem persists, you may consider using `rdd.checkpoint()` instead, which "
                         "is slower than local checkpointing but more fault-tolerant." % (self.rdd_id, split.index))


def partition_file(directory, index):
    return os.path.join(directory, "part-%05d" % index)


def _read_batches(path):
    with open(path, "rb") as f:
        yield from pickled_batches(f)


class Checkpointing:
    """The RDD methods (mixed into RDD): marking, asking, and what the Context does after a job."""

    _checkpoint_mark = None          # None | "reliable" | "local": to be done after the next job

    def checkpoint(self):
        if self.ctx.getCheckpointDir() is None:
            raise ZparkError("Checkpoint directory has not been set in the SparkContext "
                             "(call setCheckpointDir first)")
        if not isinstance(self.kind, Checkpointed):
            self._mark_for_checkpoint("reliable")

    def localCheckpoint(self):
        """Keep the partitions in the executors (memory and disk) and cut the lineage after the next job."""
        if self._storage_level == StorageLevel.NONE:
            self.persist(StorageLevel.MEMORY_AND_DISK)
        if not isinstance(self.kind, Checkpointed):
            self._mark_for_checkpoint("local")

    def _mark_for_checkpoint(self, mark):
        """The Context counts the marked RDDs, so jobs walk their lineage for marks only while some exist."""
        if self._checkpoint_mark is None:
            self.ctx._checkpoints_marked += 1
        self._checkpoint_mark = mark

    @property
    def is_checkpointed(self):
        """PySpark's attribute: True from the checkpoint() call on (isCheckpointed waits for the files)."""
        return self._checkpoint_mark == "reliable" or isinstance(self.kind, ReliableCheckpoint)

    def isCheckpointed(self):
        return isinstance(self.kind, Checkpointed)

    def isLocallyCheckpointed(self):
        return isinstance(self.kind, LocalCheckpoint) or self._checkpoint_mark == "local"

    def getCheckpointFile(self):
        return self.kind.directory if isinstance(self.kind, ReliableCheckpoint) else None

    def _do_checkpoints(self, run_job):
        """After a job on this RDD: checkpoint the marked RDDs of its lineage (the nearest ones)."""
        for rdd in _marked(self):
            mark, rdd._checkpoint_mark = rdd._checkpoint_mark, None
            rdd.ctx._checkpoints_marked -= 1
            if mark == "reliable":
                directory = os.path.join(rdd.ctx.getCheckpointDir(), "rdd-%d" % rdd.id())
                os.makedirs(directory, exist_ok=True)
                run_job(rdd, _partition_writer(directory))
                kind = ReliableCheckpoint(directory, rdd.getNumPartitions(), rdd.partitioner)
            else:
                run_job(rdd, _materialize)    # partitions the job did not compute (take) are cached too
                kind = LocalCheckpoint(rdd.id(), rdd.getNumPartitions(), rdd.partitioner)
            rdd.kind, rdd._partitions = kind, None


def _marked(rdd):
    """Marked RDDs reachable from ``rdd`` without passing another marked or checkpointed one."""
    found, seen, stack = [], set(), [rdd]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current._checkpoint_mark is not None:
            found.append(current)
        elif not current.isCheckpointed():
            stack.extend(dep.rdd for dep in current.deps)
    return found


def _materialize(iterator):
    return None


def _partition_writer(directory):
    def write(iterator):
        tc = TaskContext.get()
        final = partition_file(directory, tc.partitionId())
        attempt = "%s.attempt-%d" % (final, tc.taskAttemptId())
        with open(attempt, "wb") as f:
            for batch in chunks(iterator, BATCH):
                pickle.dump(batch, f, 5)
        os.replace(attempt, final)      # whole files only; a second copy writes the same records
        return None
    return write
