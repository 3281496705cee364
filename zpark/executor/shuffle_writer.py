"""The map side of a shuffle: partition (and combine) a task's records into one file per map task.

Records are taken a chunk at a time; their partitions are computed in bulk
and each partition's share of the chunk is pickled as one batch. So a task
holds one chunk of records plus pickled bytes (several times smaller than
the objects), and when the pickled bytes pass the task's memory budget they
are spilled to a temp file per partition, stitched into the output at the end.
"""
import io
import itertools
import os
import pickle
from operator import itemgetter

from ..common import aggregation

CHUNK_RECORDS = 65536


def write_map_output(records, dep, store, map_index, tag, spill_bytes):
    """Returns (block sizes per reduce partition, records written)."""
    partitioner = dep.partitioner
    n = partitioner.numPartitions
    if dep.map_side_combine:
        records = aggregation.combine_values(records, dep.aggregator).items()
    records = iter(records)
    output = PartitionedOutput(store, dep.shuffle_id, map_index, tag, n, spill_bytes)
    written = 0
    try:
        while True:
            chunk = list(itertools.islice(records, CHUNK_RECORDS))
            if not chunk:
                break
            written += len(chunk)
            if n == 1:
                output.add(0, chunk)
                continue
            buckets = [[] for _ in range(n)]
            appenders = [b.append for b in buckets]
            for record, part in zip(chunk, partitioner.partitions_of(list(map(itemgetter(0), chunk)))):
                appenders[part](record)
            for part, bucket in enumerate(buckets):
                if bucket:
                    output.add(part, bucket)
        return output.commit(), written
    finally:
        output.discard_spills()


class PartitionedOutput:
    """Pickled batches per reduce partition, in memory up to ``spill_bytes``, then in temp files."""

    def __init__(self, store, shuffle_id, map_index, tag, partitions, spill_bytes):
        self.store = store
        self.ids = (shuffle_id, map_index, tag)
        self.buffers = [io.BytesIO() for _ in range(partitions)]
        self.spills = [None] * partitions
        self.buffered = 0
        self.spill_bytes = spill_bytes

    def add(self, part, batch):
        buffer = self.buffers[part]
        before = buffer.tell()
        pickle.dump(batch, buffer, 5)
        self.buffered += buffer.tell() - before
        if self.buffered > self.spill_bytes:
            self._spill()

    def _spill(self):
        for part, buffer in enumerate(self.buffers):
            if not buffer.tell():
                continue
            if self.spills[part] is None:
                self.spills[part] = self.store.shuffle_spill_path(*self.ids, part)
            with open(self.spills[part], "ab") as f:
                f.write(buffer.getbuffer())
            self.buffers[part] = io.BytesIO()
        self.buffered = 0

    def commit(self):
        segments = []
        for spill, buffer in zip(self.spills, self.buffers):
            pieces = [spill] if spill else []
            if buffer.tell():
                pieces.append(buffer.getbuffer())
            segments.append(pieces)
        return self.store.write_shuffle_output(*self.ids, segments)

    def discard_spills(self):
        for spill in self.spills:
            if spill and os.path.exists(spill):
                os.unlink(spill)
