"""The map side of a shuffle: partition (and combine) a task's records into one file per map task."""
import io
import pickle

from ..common import aggregation

BATCH = 4096


def write_map_output(records, dep, store, map_index, tag):
    partitioner = dep.partitioner
    n = partitioner.numPartitions
    if dep.map_side_combine:
        records = aggregation.combine_values(records, dep.aggregator).items()
    buckets = [[] for _ in range(n)]
    if n == 1:
        buckets[0] = list(records)
    else:
        appenders = [b.append for b in buckets]
        for record in records:
            appenders[partitioner(record[0])](record)
    segments = []
    for bucket in buckets:
        if not bucket:
            segments.append(b"")
            continue
        out = io.BytesIO()
        for i in range(0, len(bucket), BATCH):
            pickle.dump(bucket[i:i + BATCH], out, 5)
        segments.append(out.getvalue())
    sizes = store.write_shuffle_output(dep.shuffle_id, map_index, tag, segments)
    return sizes, sum(len(b) for b in buckets)
