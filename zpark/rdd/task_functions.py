"""The per-partition functions RDD methods hand to tasks, defined at module level.

A task's closure is pickled once per stage, and cloudpickle copies a lambda
or a nested function by value - its code, names and constants - but ships a
module-level function as a reference (its module and name). Methods such as
``map(f)`` therefore wrap the user's ``f`` with ``functools.partial`` of a
function here instead of a fresh lambda: only the user's own function travels
by value. For a loop of small jobs that halves the stage's pickling time.
"""
import copy
import functools
import itertools


def each(f):
    """``map(f)``'s partition function."""
    return functools.partial(_mapped, f)


def _mapped(f, _, iterator):
    return map(f, iterator)


def each_flattened(f):
    """``flatMap(f)``'s partition function."""
    return functools.partial(_flat_mapped, f)


def _flat_mapped(f, _, iterator):
    return itertools.chain.from_iterable(map(f, iterator))


def kept(f):
    """``filter(f)``'s partition function."""
    return functools.partial(_filtered, f)


def _filtered(f, _, iterator):
    return filter(f, iterator)


def whole(f):
    """``mapPartitions(f)``'s partition function: ``f`` of the iterator, the partition index ignored."""
    return functools.partial(_of_iterator, f)


def _of_iterator(f, _, iterator):
    return f(iterator)


def composed(outer, inner):
    """``outer`` applied to what ``inner`` makes of a partition (a pipelined RDD's function)."""
    return functools.partial(_composed, outer, inner)


def _composed(outer, inner, index, iterator):
    return outer(index, inner(index, iterator))


def keyed_by(f):
    """``keyBy(f)``'s record function."""
    return functools.partial(_keyed, f)


def _keyed(f, x):
    return f(x), x


def with_none(x):
    """``distinct()``'s record function: the record as a key."""
    return x, None


def summed(iterator):
    """``sum()``'s partition function."""
    return [sum(iterator)]


def folded(zero_value, op):
    """aggregate/fold's partition function: a fresh copy of the zero value folded with ``op``."""
    return functools.partial(_folded, zero_value, op)


def _folded(zero_value, op, iterator):
    acc = copy.deepcopy(zero_value)
    for x in iterator:
        acc = op(acc, x)
    return acc


def reduced(f):
    """reduce's partition function: ``[the partition's values reduced with f]``, ``[]`` when empty."""
    return functools.partial(_reduced, f)


def _reduced(f, iterator):
    it = iter(iterator)
    try:
        first = next(it)
    except StopIteration:
        return []
    return [functools.reduce(f, it, first)]
