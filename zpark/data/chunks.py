"""Cutting a stream of records into lists: the engine's one chunking loop.

Per-record work in CPython is cheapest on lists (C-level ``map``,
``dict.update``, ``pickle.dump`` of a batch), so the record path takes
records ``CHUNK_RECORDS`` at a time: big enough that per-chunk costs vanish,
small enough that a chunk of fresh tuples stays in cache-friendly memory.
"""
import itertools

CHUNK_RECORDS = 65536


def chunks(records, size=CHUNK_RECORDS):
    """Lists of up to ``size`` records, in order, until ``records`` ends (no empty list)."""
    records = iter(records)
    islice = itertools.islice
    while True:
        chunk = list(islice(records, size))
        if not chunk:
            return
        yield chunk
