"""Combining values by key, shared by the map-side combine and the reduce side.

These loops run once per record, so they are written for CPython's speed:
no function call where the aggregator is one of the engine's own (the
identity of ``reduceByKey``, the lists of ``groupByKey``, ``+``), and one
``d.get`` per record. Which loop runs is the aggregator's ``kind``, set when
the RDD is built.
"""
import inspect
import itertools
import operator
import types

_MISSING = object()


def _adds(a, b):
    return a + b


_ADDITION = _adds.__code__
_CODE_SHAPE = ("co_argcount", "co_posonlyargcount", "co_kwonlyargcount", "co_code", "co_consts", "co_names")
_NESTED = inspect.CO_NESTED     # set for a function defined inside another: no matter here


def is_addition(func):
    """Whether ``func`` is ``operator.add`` or a Python function whose whole body is ``return a + b``.

    ``reduceByKey(lambda a, b: a + b)`` is PySpark's most common reducer.
    Its code - two arguments, added in order, returned - means exactly
    ``operator.add``, so it takes the same path: ``+`` inline and numpy
    columns where the keys allow, instead of a Python call per record. The
    code is compared with this module's own ``a + b`` as this interpreter
    compiled it (argument names do not matter; ``b + a`` does not match).
    """
    if func is operator.add:
        return True
    if type(func) is not types.FunctionType:
        return False
    code = func.__code__
    return (code.co_flags & ~_NESTED == _ADDITION.co_flags
            and all(getattr(code, name) == getattr(_ADDITION, name) for name in _CODE_SHAPE))


def identity(value):
    return value


def single_list(value):
    return [value]


def keep_first(value, _):
    return value


def append(values, value):
    values.append(value)
    return values


def extend(values, more):
    values.extend(more)
    return values


class Aggregator:
    """combineByKey's three functions, and which of the engine's combine paths they take.

    The path is decided here, once, when the user's program builds the
    RDD - not rediscovered per task and per record: ``GROUP`` gathers
    values into lists (groupByKey), ``REDUCE`` starts a key at its first
    value and merges with one function (reduceByKey), ``SUM`` is a REDUCE
    by ``operator.add`` (added inline, and in numpy columns where the keys
    allow), ``DISTINCT`` keeps each key once (``distinct()``, whose shuffle
    carries the records alone - ShuffleDependency.keys_only; where they are
    combined as ``(key, None)`` pairs, ``dict.update`` merges at C speed and
    a key keeps its first object, as the REDUCE by ``lambda x, _: x`` it
    replaces), ``FOLD`` starts every key at one shared ``zero`` that
    cannot be changed in place and merges each value into it with
    ``mergeValue`` (aggregateByKey and foldByKey with a number, string or
    tuple of them as zero value: ``createCombiner(v)`` is ``mergeValue(zero,
    v)``, so a record costs one call, not two for a new key), ``COMBINE``
    is any other combineByKey.
    """

    GROUP, REDUCE, SUM, DISTINCT, FOLD, COMBINE = "group", "reduce", "sum", "distinct", "fold", "combine"

    def __init__(self, createCombiner, mergeValue, mergeCombiners, kind=COMBINE, zero=None):
        self.createCombiner = createCombiner
        self.mergeValue = mergeValue
        self.mergeCombiners = mergeCombiners
        self.kind = kind
        self.zero = zero

    @classmethod
    def distinct(cls):
        return cls(identity, keep_first, keep_first, cls.DISTINCT)

    @classmethod
    def reducing(cls, func):
        return cls(identity, func, func, cls.SUM if is_addition(func) else cls.REDUCE)

    @classmethod
    def grouping(cls):
        return cls(single_list, append, extend, cls.GROUP)

    @classmethod
    def folding(cls, createCombiner, mergeValue, mergeCombiners, zero):
        """``createCombiner(v)`` must equal ``mergeValue(zero, v)`` and ``zero`` be immutable."""
        return cls(createCombiner, mergeValue, mergeCombiners, cls.FOLD, zero)


def combine_values(records, aggregator, combiners=None):
    """(k, v) records -> {k: combiner} with createCombiner/mergeValue, into ``combiners`` when given."""
    create, merge = aggregator.createCombiner, aggregator.mergeValue
    if combiners is None:
        combiners = {}
    kind = aggregator.kind
    if kind == Aggregator.DISTINCT:
        combiners.update(records)
        return combiners
    if kind == Aggregator.GROUP:
        return group_into(combiners, records)
    if kind == Aggregator.SUM:
        return summed(records, combiners)
    if kind == Aggregator.REDUCE:
        return merged(records, merge, combiners)
    get = combiners.get
    if kind == Aggregator.FOLD:
        zero = aggregator.zero
        for key, value in records:
            combiners[key] = merge(get(key, zero), value)
        return combiners
    missing = _MISSING
    for key, value in records:
        old = get(key, missing)
        combiners[key] = create(value) if old is missing else merge(old, value)
    return combiners


def merge_combiners(records, aggregator, combiners=None):
    """(k, combiner) records -> {k: combiner} with mergeCombiners, into ``combiners`` when given."""
    if combiners is None:
        combiners = {}
    if aggregator.kind == Aggregator.DISTINCT:
        combiners.update(records)
        return combiners
    if aggregator.kind == Aggregator.SUM:
        return summed(records, combiners)
    if aggregator.kind != Aggregator.GROUP:
        return merged(records, aggregator.mergeCombiners, combiners)
    get = combiners.get
    for key, values in records:
        gathered = get(key)
        if gathered is None:
            combiners[key] = values
        else:
            gathered.extend(values)
    return combiners


def dict_of_combined_block(batches, aggregator):
    """{k: combiner} of one map output's ``(keys, values)`` batches for a reduce partition.

    A combined map output usually holds each key once (one dict's items), so
    the batches fill the dict at C speed; a map task that outgrew its memory
    budget wrote its dict out more than once, and then (the dict came out
    shorter than the records) the batches are merged record by record.
    """
    combiners = {}
    for keys, values in batches:
        combiners.update(zip(keys, values))
    if len(combiners) == sum(len(keys) for keys, _ in batches):
        return combiners
    return merge_combiners(itertools.chain.from_iterable(itertools.starmap(zip, batches)), aggregator)


def merged(records, merge, combiners=None):
    """{k: v merged with ``merge``} where a key's first value is its start (reduceByKey, merging combiners).

    One ``get`` with a sentinel reads a key once where ``key in d`` then
    ``d[key]`` hashes and compares it twice; that comparison reads the stored
    key, a cache miss when keys repeat in random order (PageRank's 240 -> 190
    ms per 500,000 contributions). ``operator.add`` is inlined as ``+``: the
    same operation without a call (``summed``).
    """
    if combiners is None:
        combiners = {}
    get = combiners.get
    missing = _MISSING
    for key, value in records:
        old = get(key, missing)
        combiners[key] = value if old is missing else merge(old, value)
    return combiners


def summed(records, combiners=None):
    """``merged(records, operator.add, combiners)`` with ``+`` inlined (reduceByKey(add))."""
    if combiners is None:
        combiners = {}
    get = combiners.get
    missing = _MISSING
    for key, value in records:
        old = get(key, missing)
        combiners[key] = value if old is missing else old + value
    return combiners


def group_into(groups, records):
    """Appends each (key, value) record's value to ``groups[key]`` (a new list for a new key)."""
    get = groups.get
    for key, value in records:
        values = get(key)
        if values is None:
            groups[key] = [value]
        else:
            values.append(value)
    return groups
