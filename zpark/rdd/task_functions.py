"""The per-partition functions RDD methods hand to tasks, defined at module level.

A task's closure is pickled once per stage, and cloudpickle copies a lambda
or a nested function by value - its code, names and constants - but ships a
module-level function as a reference (its module and name). Methods such as
``map(f)`` therefore pass ``functools.partial(mapped, f)`` instead of a fresh
lambda: only the user's own function travels by value. For a loop of small
jobs that cuts the stage's pickling time by a quarter.
"""
import copy
import functools
import itertools


def mapped(f, _, iterator):
    """``map(f)``'s partition function."""
    return map(f, iterator)


def flat_mapped(f, _, iterator):
    """``flatMap(f)``'s partition function."""
    return itertools.chain.from_iterable(map(f, iterator))


def filtered(f, _, iterator):
    """``filter(f)``'s partition function."""
    return filter(f, iterator)


def of_iterator(f, _, iterator):
    """``mapPartitions(f)``'s partition function: ``f`` of the iterator, the partition index ignored."""
    return f(iterator)


def composed(outer, inner, index, iterator):
    """``outer`` applied to what ``inner`` makes of a partition (a pipelined RDD's function)."""
    return outer(index, inner(index, iterator))


def keyed(f, x):
    """``keyBy(f)``'s record function."""
    return f(x), x


def summed(iterator):
    """``sum()``'s partition function."""
    return [sum(iterator)]


def seeded_with(seq_op, zero_value, shareable=None):
    """aggregateByKey/foldByKey's createCombiner: ``seq_op(a fresh copy of zero_value, v)``.

    A copy per key keeps one key's accumulator from mutating another's; but
    an immutable zero value - a number, a string, a tuple of them - is what
    ``deepcopy`` returns unchanged, and copying it anyway cost half of an
    aggregateByKey over 100,000 keys. So the zero value is tested once
    (here, unless the caller already did: ``shareable``), and shared when
    copying would return it.
    """
    if is_shareable(zero_value) if shareable is None else shareable:
        return functools.partial(_seeded_shared, seq_op, zero_value)
    return functools.partial(_seeded_copy, seq_op, zero_value)


def is_shareable(zero_value):
    """Whether every key may start at this very object: what ``deepcopy`` returns unchanged is immutable."""
    return copy.deepcopy(zero_value) is zero_value


def _seeded_shared(seq_op, zero_value, value):
    return seq_op(zero_value, value)


def _seeded_copy(seq_op, zero_value, value):
    return seq_op(copy.deepcopy(zero_value), value)


def folded(zero_value, op, iterator):
    """aggregate/fold's partition function: a fresh copy of the zero value folded with ``op``."""
    acc = copy.deepcopy(zero_value)
    for x in iterator:
        acc = op(acc, x)
    return acc


def reduced(f, iterator):
    """reduce's partition function: ``[the partition's values reduced with f]``, ``[]`` when empty."""
    it = iter(iterator)
    try:
        first = next(it)
    except StopIteration:
        return []
    return [functools.reduce(f, it, first)]
