"""Records travel through the engine in batches (lists), flattened at C speed.

A generator layer costs about as much per record as the user's own function,
so the engine's sources (parallelized slices, file lines, pickled batches,
shuffle blocks, cached partitions) hand out lists and let
``itertools.chain`` flatten them. That is also where a task notices it has
been killed: every ``CHECK_EVERY`` records, never per record.
"""
import itertools
import operator
import pickle

CHECK_EVERY = 256


def records_of(batches, tc):
    """The records of an iterable of sized batches; raises TaskKilledError soon after ``tc`` is killed."""
    if tc is None:
        return itertools.chain.from_iterable(batches)
    return itertools.chain.from_iterable(_checked(((len(batch), batch) for batch in batches), tc))


def pairs_of(column_batches, tc):
    """The (key, value) records of ``(keys, values)`` column batches (shuffle blocks), with kill checks.

    ``zip`` hands out one reused tuple to a loop that unpacks it, so grouping
    and merging read a shuffle without allocating a tuple per record.
    """
    return itertools.chain.from_iterable(
        _checked(((len(keys), zip(keys, values)) for keys, values in column_batches), tc))


def _checked(sized, tc):
    """Each (size, records) piece, in slices of CHECK_EVERY records with a kill check before each."""
    islice = itertools.islice
    for size, records in sized:
        if size <= CHECK_EVERY:
            tc.check_killed()
            yield records
            continue
        records = iter(records)
        for _ in range(0, size, CHECK_EVERY):
            tc.check_killed()
            yield islice(records, CHECK_EVERY)


def deferred(function, *args):
    """Iterates ``function(*args)``, called only when the first record is wanted.

    Keeps a compute() lazy (a reduce task fetches nothing until consumed)
    without a generator frame per record.
    """
    def once():
        yield function(*args)
    return itertools.chain.from_iterable(once())


def pickled_batches(f, load=pickle.load):
    """The batches pickled one after another into file ``f`` (saveAsPickleFile output, spill runs)."""
    while True:
        try:
            yield load(f)
        except EOFError:
            return


_SEQUENCES = {tuple, list}


def split_pairs(chunk):
    """(keys, values) lists of a non-empty chunk whose records are all tuples or lists of two, else None.

    For such records ``itemgetter`` reads what ``key, value = record``
    reads, at C speed; anything else (a namedtuple, a two-key dict, a
    non-pair) needs unpacking record by record.
    """
    n = len(chunk)
    if operator.countOf(map(type, chunk), tuple) != n and not set(map(type, chunk)) <= _SEQUENCES:
        return None
    if operator.countOf(map(len, chunk), 2) != n:
        return None
    return list(map(operator.itemgetter(0), chunk)), list(map(operator.itemgetter(1), chunk))
