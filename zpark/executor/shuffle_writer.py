"""The map side of a shuffle: partition (and combine) a task's records into one file per map task.

Records are taken a chunk at a time; their partitions are computed in bulk
and each partition's share of the chunk is pickled as one batch of two
columns, ``(keys, values)``: two lists pickle and unpickle several times
faster than a list of tuples, and a reducer looping over ``zip(keys,
values)`` reuses one tuple instead of allocating one per record. A task
holds one chunk of records plus pickled bytes (several times smaller than
the objects); when the pickled bytes pass the task's memory budget they are
spilled to a temp file per partition, stitched into the output at the end.

A combined map output usually holds each key once (one dict's items), which
the reduce side turns into a dict at C speed; a combine that outgrew the
task's memory budget writes its dict out and starts a new one
(spill.combined_rounds), so a key can appear once per round.
"""
import io
import itertools
import os
import pickle
import time

from ..data import columnar, spill, str_columns
from ..data.aggregation import combine_values, identity
from ..data.chunks import chunks
from ..data.record_batches import split_pairs


def write_map_output(records, dep, store, map_index, tag, spill_bytes, tc):
    """Returns ({reduce partition: block size} of the non-empty blocks, records written)."""
    partitioner = dep.partitioner
    if dep.keys_only:
        pieces = _column_pieces(_distinct_key_columns(records, dep, tc), partitioner, tc)
    elif dep.map_side_combine:
        pieces = _combined_pieces(records, dep, spill_bytes, tc)
    else:
        pieces = _pair_pieces(records, partitioner)
    output = PartitionedOutput(store, dep.shuffle_id, map_index, tag, spill_bytes)
    written = 0
    try:
        for count, split in pieces:
            written += count
            for part, part_keys, part_values in split:
                output.add(part, part_keys, part_values)
        sizes = output.commit()
        tc.metrics["shuffle_serialization_time"] = round(output.pickle_seconds, 6)
        return sizes, written
    finally:
        output.discard_spills()


BULK_RECORDS = 256   # chunks this long are split by partition in bulk (columnar.bucketed)

# Records written as they come are split by partition and pickled 8,192 at a time (the engine's chunk is
# 65,536): a chunk's objects then stay in the core's 1 MiB L2 while each partition's share is picked out
# and pickled. 65,536 (str, int) records are about 9 MiB: bench/map_task.py joinstrings took 113-128 ms a
# task against 56-57 ms. Only here: the same size for every chunk made groupby's reduce side slower.
PAIR_CHUNK_RECORDS = 8192


def _by_partition(keys, values, partitioner):
    """(partition, keys, values) of each non-empty partition of a chunk, in partition order.

    With the compiled extension a chunk is split in one pass there (Partitioner.split_columns), a
    distinct() shuffle's str keys alone into str columns (str_columns.py). Otherwise a chunk with more
    records than the shuffle has partitions is split in bulk at C speed (columnar.bucketed); short
    chunks, and chunks with more partitions than records (a wide shuffle of small data), go record by
    record into buckets made only for the partitions they reach, so a chunk costs its records, not
    the partition count.
    """
    n = partitioner.numPartitions
    if columnar.is_column(keys):
        return columnar.partitioned(keys, values, n)
    if values is None and len(keys) >= BULK_RECORDS:   # keys alone: str keys travel as str columns
        encoded = str_columns.partitioned(keys, partitioner)
        if encoded is not None:
            return encoded
    if n == 1:
        return [(0, keys, values)]
    split = partitioner.split_columns(keys, values)
    if split is not None:
        return split
    if BULK_RECORDS <= len(keys) >= n:
        try:
            return columnar.bucketed(keys, values, partitioner.hashes_of(keys), n)
        except (OverflowError, TypeError):   # a partition function's hash past 64 bits: the loop below
            pass
    buckets = {}
    for index, part in enumerate(partitioner.partitions_of(keys)):
        bucket = buckets.get(part)
        if bucket is None:
            bucket = buckets[part] = []
        bucket.append(index)
    return [(part, *_taken(buckets[part], keys, values)) for part in sorted(buckets)]


def _taken(indexes, keys, values):
    """(keys, values) at ``indexes``; values None (a chunk of keys only) stay None."""
    return [keys[i] for i in indexes], None if values is None else [values[i] for i in indexes]


# A map-side combine that merges almost nothing only costs: every record goes through a dict (and, for
# reduceByKey with a lambda, a Python-level get and store) and comes out the same. Where a value is its
# own combiner (reduceByKey, distinct, sum), the keys of a task's first chunk are counted at C speed (a
# set); when more than this share of them are distinct, the task writes its records as they come,
# merged on the reduce side only. Spark SQL skips partial aggregation likewise. A wrong guess (keys
# that repeat only further on) costs shuffle bytes, not per-record calls; combineByKey, aggregateByKey and
# groupByKey always combine, since a combiner made per record would cost more than the merge saves.
# The first map task of a shuffle on an executor probes; its answer stands for the executor's later tasks
# of that shuffle (TaskRuntime.combine_probes): the probe's set of 20,000 fresh str keys cost a 200 x 200
# shuffle's small map tasks a tenth of their time, and a shuffle's map tasks usually hold alike data. A
# task unlike the first costs shuffle bytes or a needless combine, never a wrong answer.
SKIP_COMBINE_SHARE = 0.95
PROBE_RECORDS = 65536        # what the probe looks at: keys repeating further apart than this count as distinct


def _combined_pieces(records, dep, spill_bytes, tc):
    """(records, split) pieces (see _column_pieces) of the records combined by key, a round at a time.

    Sums of numbers by int key go through numpy columns (columnar.py), a
    round per ``spill_bytes`` / 64 records (16 bytes each as columns, a few
    copies while summing); the rest through dicts (see spill.combined_rounds),
    from where the columnar path leaves off - unless the first chunk shows
    that combining merges almost nothing (SKIP_COMBINE_SHARE).
    """
    aggregator, partitioner = dep.aggregator, dep.partitioner
    if dep.sums_in_columns:
        records = yield from _column_pieces(
            columnar.summed_rounds(records, max(spill_bytes // 64, columnar.COLUMN_CHUNK_RECORDS)), partitioner, tc)
        if records is None:
            return
    if aggregator.createCombiner is not identity:   # a combiner per record would cost more than merging
        yield from _column_pieces(_combined_rounds(records, aggregator, tc), partitioner, tc)
        return
    records = iter(records)
    probe = list(itertools.islice(records, PROBE_RECORDS))
    if not probe:
        return
    if _merges_little_in_shuffle(probe, dep, tc):
        yield from _pair_pieces(itertools.chain(probe, records), partitioner, tc)
        return
    combiners = combine_values(probe, aggregator)
    del probe
    yield from _column_pieces(_combined_rounds(records, aggregator, tc, combiners), partitioner, tc)


def _distinct_key_columns(records, dep, tc):
    """(keys, None) chunks of a distinct() shuffle's records - each record is its own key - with repeats
    within the task dropped (first seen kept), unless the first chunk shows that almost none repeat
    (SKIP_COMBINE_SHARE): then the records are written as they come."""
    records = iter(records)
    probe = list(itertools.islice(records, PROBE_RECORDS))
    if not probe:
        return
    if _merges_little_in_shuffle(probe, dep, tc):
        for keys in itertools.chain([probe], chunks(records)):
            tc.add_metric("shuffle_combine_skipped_records", len(keys))
            yield keys, None
        return
    pairs = zip(itertools.chain(probe, records), itertools.repeat(None))
    del probe
    for keys, _ in _combined_rounds(pairs, dep.aggregator, tc):
        yield keys, None


def _merges_little(keys):
    """The probe of a task's first chunk: more than SKIP_COMBINE_SHARE of its keys differ."""
    return len(set(keys)) > SKIP_COMBINE_SHARE * len(keys)


def _merges_little_in_shuffle(probe, dep, tc):
    """The probe's answer for ``dep``'s shuffle on this executor: the first map task's (see above); a task
    run outside an executor probes its own chunk. ``probe``: the chunk's keys (distinct()), else its pairs."""
    probes = getattr(getattr(tc, "runtime", None), "combine_probes", None)
    answer = None if probes is None else probes.get(dep.shuffle_id)
    if answer is None:
        answer = _merges_little(probe if dep.keys_only else _columns_of(probe)[0])
        if probes is not None:
            probes[dep.shuffle_id] = answer
    return answer


def _combined_rounds(records, aggregator, tc, combiners=None):
    for combiners in spill.combined_rounds(records, aggregator, tc, combiners):
        yield from _dict_columns(combiners)
        combiners.clear()  # let the next round start without this one's records


def _dict_columns(combiners):
    """(keys, values) chunks of a dict, in its order."""
    values = iter(combiners.values())
    for chunk_keys in chunks(combiners):
        yield chunk_keys, list(itertools.islice(values, len(chunk_keys)))


def _column_pieces(columns, partitioner, tc):
    """(records, [(partition, keys, values)]) of each (keys, values) chunk of ``columns``; returns what
    ``columns`` returns (columnar.summed_rounds: the records it left to the dicts)."""
    columns = iter(columns)
    while True:
        try:
            keys, values = next(columns)
        except StopIteration as end:
            return end.value
        if columnar.is_column(keys):
            tc.add_metric("shuffle_records_combined_in_columns", len(keys))
        yield len(keys), _by_partition(keys, values, partitioner)


def _pair_pieces(records, partitioner, tc=None):
    """(records, [(partition, keys, values)]) of each chunk of (key, value) records, written as they come
    (with ``tc``: a map-side combine skipped). The extension splits a chunk of pairs by partition in one
    pass; otherwise it becomes columns first. A record that is not a pair is an error, as in PySpark."""
    for chunk in chunks(records, PAIR_CHUNK_RECORDS):
        split = partitioner.split_pairs(chunk)
        if split is None:
            keys, values = _columns_of(chunk)
            split = _by_partition(keys, values, partitioner)
        if tc is not None:
            tc.add_metric("shuffle_combine_skipped_records", len(chunk))
        yield len(chunk), split


def _columns_of(chunk):
    """(keys, values) lists of a chunk of (key, value) records, or a TypeError naming one that is not a pair."""
    return split_pairs(chunk) or split_pairs(_unpacked(chunk))


def _unpacked(chunk):
    """The records as ``key, value = record`` reads them (a namedtuple, a two-key dict), or an error naming one."""
    pairs = []
    for record in chunk:
        try:
            key, value = record
        except (TypeError, ValueError):
            raise TypeError("a shuffle needs (key, value) pairs, but got the record %.200r (%s)"
                            % (record, type(record).__name__)) from None
        pairs.append((key, value))
    return pairs


# A partition's share of a chunk shorter than this waits for the next chunk's share before it is pickled:
# a 200 x 200 shuffle's map task split each 8,192-record chunk into 200 pieces of about 40 records, and a
# pickle (and on the reduce side an unpickle and a merge call) per 40 records cost as much as the records.
# At most PENDING_RECORDS records wait in all (one engine chunk): their objects are held, not bytes.
MERGE_BELOW = 1024
PENDING_RECORDS = 65536


class PartitionedOutput:
    """Pickled (keys, values) batches per reduce partition, in memory up to ``spill_bytes``, then in temp files.

    Only partitions that received records have a buffer, so a map task of a shuffle with many more
    partitions than records costs what it writes. Small shares of a partition wait for more
    (MERGE_BELOW) and are pickled as one batch, in the order they came.
    """

    def __init__(self, store, shuffle_id, map_index, tag, spill_bytes):
        self.store = store
        self.ids = (shuffle_id, map_index, tag)
        self.buffers = {}                     # reduce partition -> BytesIO of pickled batches not yet spilled
        self.spills = {}                      # reduce partition -> its spill file
        self.buffered = 0
        self.spill_bytes = spill_bytes
        self.pickle_seconds = 0.0             # serializing the blocks (the task's serialization time)
        self.pending = {}                     # reduce partition -> (keys, values) lists waiting for more
        self.pending_records = 0

    def add(self, part, keys, values):
        waiting = self.pending.get(part)
        if type(keys) is list and (values is None or type(values) is list) and len(keys) < MERGE_BELOW:
            if waiting is None:
                waiting = self.pending[part] = ([], None if values is None else [])
            waiting[0].extend(keys)
            if values is not None:
                waiting[1].extend(values)
            self.pending_records += len(keys)
            if len(waiting[0]) >= MERGE_BELOW:
                self._pickle_waiting(part)
            if self.pending_records >= PENDING_RECORDS:
                self._pickle_all_waiting()
            return
        if waiting is not None:    # what came before goes first
            self._pickle_waiting(part)
        self._pickle(part, keys, values)

    def _pickle_waiting(self, part):
        keys, values = self.pending.pop(part)
        self.pending_records -= len(keys)
        self._pickle(part, keys, values)

    def _pickle_all_waiting(self):
        for part in sorted(self.pending):
            self._pickle_waiting(part)

    def _pickle(self, part, keys, values):
        buffer = self.buffers.get(part)
        if buffer is None:
            buffer = self.buffers[part] = io.BytesIO()
        before = buffer.tell()
        started = time.perf_counter()
        pickle.dump((keys, values), buffer, 5)
        self.pickle_seconds += time.perf_counter() - started
        self.buffered += buffer.tell() - before
        if self.buffered > self.spill_bytes:
            self._spill()

    def _spill(self):
        for part, buffer in self.buffers.items():
            if part not in self.spills:
                self.spills[part] = self.store.shuffle_spill_path(*self.ids, part)
            with open(self.spills[part], "ab") as f:
                f.write(buffer.getbuffer())
        self.buffers = {}
        self.buffered = 0

    def commit(self):
        self._pickle_all_waiting()
        segments = []
        for part in sorted(self.buffers.keys() | self.spills.keys()):
            pieces = [self.spills[part]] if part in self.spills else []
            if part in self.buffers:
                pieces.append(self.buffers[part].getbuffer())
            segments.append((part, pieces))
        return self.store.write_shuffle_output(*self.ids, segments)

    def discard_spills(self):
        for spill in self.spills.values():
            if os.path.exists(spill):
                os.unlink(spill)
