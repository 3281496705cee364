"""Cutting a stream of records into lists: the engine's one chunking loop.

Per-record work in CPython is cheapest on lists (C-level ``map``,
``dict.update``, ``pickle.dump`` of a batch), so the record path takes
records ``CHUNK_RECORDS`` at a time: big enough that per-chunk costs vanish,
small enough that a chunk's objects stay in the core's cache while a map
task splits them by partition and pickles each partition's share (8,192
(str, int) records are about 1 MiB; at 65,536 joinstrings' map-side writer
took twice as long: 113-128 against 56-57 ms a task, bench/map_task.py).
"""
import itertools

CHUNK_RECORDS = 8192


def chunks(records, size=CHUNK_RECORDS):
    """Lists of up to ``size`` records, in order, until ``records`` ends (no empty list)."""
    records = iter(records)
    islice = itertools.islice
    while True:
        chunk = list(islice(records, size))
        if not chunk:
            return
        yield chunk
