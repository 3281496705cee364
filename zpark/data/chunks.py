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


def pieces(records, size=CHUNK_RECORDS):
    """(size, records) pieces of up to ``size`` records (and single records between them), via ``islice``.

    ``size`` is the piece's bound (the last piece may hold fewer: ``islice``
    cannot tell), which only makes a budget check count a little high.
    Each piece must be consumed before the next is asked for. No list of
    records is built: a chunk of fresh tuples held alive costs more than the
    loop that folds them, and a shuffle's ``zip`` can reuse one tuple. The
    record read to learn whether more follow is a piece of its own (size 1),
    so no piece pays for an extra iterator layer per record.
    """
    records = iter(records)
    end = object()
    while True:
        yield size, itertools.islice(records, size)
        record = next(records, end)
        if record is end:
            return
        yield 1, (record,)
