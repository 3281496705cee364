"""``reduceByKey(operator.add)`` over int keys in numpy columns instead of dicts.

Adding numbers up per integer key (counts, sums, PageRank's contributions)
is the commonest aggregation, and through dicts CPython pays a lookup, an
addition and a store per record on the map side, then hashing, bucketing,
pickling and a second dict merge per record for the reduce side: several
times what plain Python's one ``d[k] += v`` costs. In columns - an int64
array of keys and an int64 or float64 array of values - the combine, the
partitioning, the shuffle blocks and the reduce-side merge are each a few
numpy calls, and only reading the records into arrays is paid per record.

Anything else takes the dict path: other key or value types (bool, big ints,
a mix of ints and floats), other functions, custom partitioners, a reduce
partition that does not fit the task's memory share as columns (a map task
sums its records in rounds instead). The two paths give the same answers:

- keys and values come back as Python ints and floats (``tolist``);
- int sums are taken in float64 only when no partial sum can reach 2**53,
  so they are exact; otherwise the dict path adds them as Python ints;
- float sums are added one after another in record order, as the dict does
  (``np.bincount`` with weights is a sequential loop), so they agree to the
  last bit (a map task that outgrows its memory share writes several
  rounds, as the dict path does, and rounds are added round by round); a
  key whose values are all -0.0 sums to -0.0, as in Python;
- a key's partition is ``portable_hash(key) % n``: for |key| < 2**61 - 1
  the hash of an int is the int itself, except that -1 hashes to -2.

A partition's output is ordered by key on this path (the dict path keeps
first-seen order); PySpark promises no order either.

numpy is imported by executors as they start (``preload``), not by ``import
zpark``: a driver does not need it, and no task should pay its import time.
"""
import itertools
import operator

from .chunks import chunks
from .record_batches import split_pairs

COLUMN_CHUNK_RECORDS = 32768     # records read into arrays at a time: half a dict chunk, as arrays copy it
_HASH_MODULUS = (1 << 61) - 1     # CPython's int hash is the int modulo this
_EXACT_IN_FLOAT = 1 << 53
_np = None
_END = object()


def preload():
    """Import numpy now (an executor, before it registers), so the first task does not."""
    _numpy()


def _numpy():
    global _np
    if _np is None:
        import numpy
        _np = numpy
    return _np


def is_column(batch_keys):
    """True for a shuffle batch written by this path (arrays), False for the dict path's lists."""
    return type(batch_keys) is not list


def summed_rounds(records, round_records):
    """The map-side combine: yields ``(keys, sums)`` arrays, one pair per round of ``round_records`` records.

    Returns (as a generator's value) an iterator of the records the dict
    path must combine instead - the ones read as soon as a record that is not
    an (int, int) or (int, float) pair shows up, and all the rest - or None
    when every record was summed here.
    """
    records = iter(records)
    first = next(records, _END)
    if first is _END:
        return None
    records = itertools.chain((first,), records)
    if not _eligible(first):
        return records
    keys, values, held = [], [], 0
    for chunk in chunks(records, COLUMN_CHUNK_RECORDS):
        columns = _columns_of(chunk)
        if columns is None or (values and columns[1].dtype != values[0].dtype):
            return itertools.chain(_pairs(keys, values), chunk, records)
        keys.append(columns[0])
        values.append(columns[1])
        held += len(chunk)
        if held >= round_records:
            summed = sum_by_key(keys, values)
            if summed is None:
                return itertools.chain(_pairs(keys, values), records)
            yield summed
            keys, values, held = [], [], 0
    if held:
        summed = sum_by_key(keys, values)
        if summed is None:
            return _pairs(keys, values)
        yield summed
    return None


def partitioned(keys, values, partitions):
    """(partition, keys, values) of each non-empty partition of one round's columns, keys in order.

    The columns are stored in the narrowest int type that holds them (a
    shuffle of small ints then weighs what its pickled lists would, not 16
    bytes a record); readers widen them again.
    """
    np = _numpy()
    if partitions == 1:
        return [(0, _narrowed(keys), _narrowed(values))]
    order, counts = _partition_order(np.where(keys == -1, -2, keys) % partitions, partitions)
    cuts = np.cumsum(counts)[:-1]
    keys, values = _narrowed(keys)[order], _narrowed(values)[order]
    pieces = zip(np.split(keys, cuts), np.split(values, cuts))
    return [(part, k, v) for part, (k, v) in enumerate(pieces) if len(k)]


def bucketed(keys, values, hashes, partitions):
    """(partition, keys, values) of each non-empty partition of a chunk of objects, in partition order,
    records in their order within a partition - what a loop appending each record to its partition's
    lists gives, at C speed: the partitions are ``hashes % partitions`` in numpy, a stable sort orders
    the record indexes by partition, and ``itemgetter`` gathers keys and values in that order.

    ``hashes`` yields an int per key; raises OverflowError or TypeError when one is not a 64-bit int
    (the caller then takes the record loop).
    ``values`` None: a chunk of keys only (a distinct() shuffle), and each partition's values are None.
    Meant for chunks of at least two records and no more partitions than records.
    """
    np = _numpy()
    order, counts = _partition_order(np.fromiter(hashes, np.int64, len(keys)) % partitions, partitions)
    take = operator.itemgetter(*order.tolist())
    keys = take(keys)
    values = None if values is None else take(values)
    out, start = [], 0
    for part, count in enumerate(counts.tolist()):
        if count:
            end = start + count
            out.append((part, list(keys[start:end]), None if values is None else list(values[start:end])))
            start = end
    return out


def _partition_order(parts, partitions):
    """(record indexes ordered by partition, stably; record count per partition) of a partition column."""
    np = _numpy()
    if partitions <= 1 << 16:      # numpy sorts 8- and 16-bit ints by radix, in linear time
        parts = parts.astype(np.uint8 if partitions <= 1 << 8 else np.uint16)
    return np.argsort(parts, kind="stable"), np.bincount(parts, minlength=partitions)


def _narrowed(column):
    """An int column in the narrowest of int8/16/32/64 that holds it (floats stay float64)."""
    np = _numpy()
    if column.dtype.kind != "i" or not len(column):
        return column
    low, high = int(column.min()), int(column.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return column.astype(dtype)
    return column


def summed_blocks(blocks, max_records):
    """The reduce side: ``(records, None)`` - the (key, sum) pairs of every map output's column batches.

    ``blocks`` holds per map output the list of its ``(keys, values)``
    batches, in map order. When a map output took the dict path, the value
    types differ between outputs (int sums must not turn into floats) or the
    columns outgrow ``max_records``, returns ``(None, blocks)`` instead: the
    same blocks as lists, for the dict path.
    """
    blocks = iter(blocks)
    read = []
    held = 0
    kinds = set()
    for block in blocks:
        read.append(block)
        for keys, values in block:
            if not is_column(keys):
                return None, _as_lists(itertools.chain(read, blocks))
            held += len(keys)
            kinds.add(values.dtype.kind)
        if held > max_records or len(kinds) > 1:
            return None, _as_lists(itertools.chain(read, blocks))
    batches = [batch for block in read for batch in block]
    if not batches:
        return iter(()), None
    summed = sum_by_key([k for k, _ in batches], [v for _, v in batches])
    if summed is None:
        return None, _as_lists(read)
    return zip(summed[0].tolist(), summed[1].tolist()), None


def sum_by_key(key_arrays, value_arrays):
    """(unique keys ascending, each key's values added in order) of concatenated arrays, or None.

    None for int values whose partial sums might not be exact in float64.
    """
    np = _numpy()
    keys = np.concatenate(key_arrays, dtype=np.int64)
    values = np.concatenate(value_arrays, dtype=np.int64 if value_arrays[0].dtype.kind == "i" else np.float64)
    integral = values.dtype.kind == "i"
    if integral and max(-int(values.min()), int(values.max())) * len(values) >= _EXACT_IN_FLOAT:
        return None
    low, high = int(keys.min()), int(keys.max())
    if high - low < 2 * len(keys) + 1024:      # dense keys: index by offset, no sort (two arrays of the span)
        index = keys - low
        size = high - low + 1
        present = np.flatnonzero(np.bincount(index, minlength=size))
        unique = present + low
    else:
        unique, index = np.unique(keys, return_inverse=True)
        size, present = len(unique), None

    def per_key(weights):
        totals = np.bincount(index, weights=weights, minlength=size)
        return totals if present is None else totals[present]

    sums = per_key(values)
    if integral:
        return unique, sums.astype(np.int64)
    negative_zero = (values == 0) & np.signbit(values)
    if negative_zero.any():   # 0.0 + -0.0 is 0.0, but a Python sum that starts at -0.0 stays there
        sums[per_key(~negative_zero) == 0] = -0.0
    return unique, sums


def _eligible(record):
    """Whether the first record is the kind of pair this path takes (else no chunk is read for it)."""
    return (type(record) in _PAIR_TYPES and len(record) == 2 and type(record[0]) is int
            and type(record[1]) in _NUMBER_TYPES)


_PAIR_TYPES = (tuple, list)
_NUMBER_TYPES = (int, float)


def _columns_of(chunk):
    """(int64 keys, int64 or float64 values) of a chunk of pairs, or None if any record does not fit.

    Exact types are checked (bool is an int to numpy, but a key of its own
    type to the dict path); keys must be in the range where hash(k) is k.
    """
    np = _numpy()
    n = len(chunk)
    columns = split_pairs(chunk)
    if columns is None:
        return None
    keys, values = columns
    if operator.countOf(map(type, keys), int) != n:
        return None
    value_type = type(values[0])
    if value_type not in _NUMBER_TYPES or operator.countOf(map(type, values), value_type) != n:
        return None
    try:
        key_array = np.fromiter(keys, np.int64, n)
        value_array = np.fromiter(values, np.int64 if value_type is int else np.float64, n)
    except OverflowError:
        return None
    if int(key_array.min()) <= -_HASH_MODULUS or int(key_array.max()) >= _HASH_MODULUS:
        return None
    return key_array, value_array


def _pairs(key_arrays, value_arrays):
    """The records behind gathered columns, for the dict path."""
    return itertools.chain.from_iterable(zip(k.tolist(), v.tolist()) for k, v in zip(key_arrays, value_arrays))


def _as_lists(blocks):
    """Blocks with every column batch turned into the dict path's lists."""
    for block in blocks:
        yield [(keys.tolist(), values.tolist()) if is_column(keys) else (keys, values) for keys, values in block]
