"""Joins computed straight from the two sides' groups ({key: [values]}) of one partition.

Or, cheaper, from tables ({key: value}) of sides whose keys all differ, or
from one side's records streamed past the other side's table (then in the
streamed records' order) - see spill.external_cogroup for which is used.

A join could be a cogroup followed by a per-key function building the
product of the two value lists, but that costs several Python calls and
two list copies per key. These build each chunk of keys' output in one
comprehension (C-level products), in the left side's key order (the right
side's for right-only keys), so recomputing a partition gives the same
order.
"""
import itertools

from .chunks import chunks, pieces

CHUNK_KEYS = 4096
_NONE = (None,)


def inner(left, right):
    """(key, (a, b)) for every a of ``left[key]`` and b of ``right[key]``."""
    product = itertools.product
    return itertools.chain.from_iterable(
        [(key, pair) for key, values in chunk if key in right for pair in product(values, right[key])]
        for chunk in _chunks(left))


def left_outer(left, right):
    """inner, plus (key, (a, None)) for keys only on the left."""
    product, get = itertools.product, right.get
    return itertools.chain.from_iterable(
        [(key, pair) for key, values in chunk for pair in product(values, get(key) or _NONE)]
        for chunk in _chunks(left))


def right_outer(left, right):
    """inner, plus (key, (None, b)) for keys only on the right."""
    product, get = itertools.product, left.get
    return itertools.chain.from_iterable(
        [(key, pair) for key, values in chunk for pair in product(get(key) or _NONE, values)]
        for chunk in _chunks(right))


def full_outer(left, right):
    """left_outer, plus (key, (None, b)) for keys only on the right."""
    right_only = {key: values for key, values in right.items() if key not in left}
    return itertools.chain(left_outer(left, right), right_outer({}, right_only))


def inner_of_single_values(left, right):
    """inner, for sides where every key has one value ({key: value}): no product per key."""
    return itertools.chain.from_iterable(
        [(key, (value, right[key])) for key, value in chunk if key in right] for chunk in _chunks(left))


def left_outer_of_single_values(left, right):
    get = right.get
    return itertools.chain.from_iterable(
        [(key, (value, get(key))) for key, value in chunk] for chunk in _chunks(left))


def right_outer_of_single_values(left, right):
    get = left.get
    return itertools.chain.from_iterable(
        [(key, (get(key), value)) for key, value in chunk] for chunk in _chunks(right))


def full_outer_of_single_values(left, right):
    right_only = {key: value for key, value in right.items() if key not in left}
    return itertools.chain(left_outer_of_single_values(left, right),
                           right_outer_of_single_values({}, right_only))


def inner_left_streamed(records, right):
    """inner, for a left side of (key, a) records streamed past a right {key: value} table."""
    return itertools.chain.from_iterable(
        [(key, (value, right[key])) for key, value in piece if key in right] for _, piece in pieces(records))


def inner_right_streamed(left, records):
    """inner, for a left {key: value} table and a right side of (key, b) records streamed past it."""
    return itertools.chain.from_iterable(
        [(key, (left[key], value)) for key, value in piece if key in left] for _, piece in pieces(records))


def left_outer_left_streamed(records, right):
    get = right.get
    return itertools.chain.from_iterable(
        [(key, (value, get(key))) for key, value in piece] for _, piece in pieces(records))


def right_outer_right_streamed(left, records):
    get = left.get
    return itertools.chain.from_iterable(
        [(key, (get(key), value)) for key, value in piece] for _, piece in pieces(records))


class JoinKind:
    """How a cogrouped partition becomes records, chosen when the RDD is built.

    ``emit(*groups)`` takes one {key: [values]} per side; a join also has
    ``emit_single_values(left, right)`` for sides that hold one value per
    key ({key: value}): joining a reduced or grouped RDD with another is the
    common case, and there each side is a plain dict built at C speed (see
    spill.external_cogroup) instead of a dict of one-value lists. When only
    one side holds one value per key, ``emit_left_streamed(records, right)``
    or ``emit_right_streamed(left, records)`` stream the other side's
    records past it (a fact table joined with a dimension), where the join
    needs nothing but each streamed record (a full outer join also needs
    the table's unmatched keys, and an outer join the streamed side's).
    """

    def __init__(self, name, emit, emit_single_values=None, emit_left_streamed=None, emit_right_streamed=None):
        self.name = name
        self.emit = emit
        self.emit_single_values = emit_single_values
        self.emit_left_streamed = emit_left_streamed
        self.emit_right_streamed = emit_right_streamed

    def __repr__(self):
        return "JoinKind(%s)" % self.name


INNER = JoinKind("inner", inner, inner_of_single_values, inner_left_streamed, inner_right_streamed)
LEFT_OUTER = JoinKind("left outer", left_outer, left_outer_of_single_values, emit_left_streamed=left_outer_left_streamed)
RIGHT_OUTER = JoinKind("right outer", right_outer, right_outer_of_single_values,
                       emit_right_streamed=right_outer_right_streamed)
FULL_OUTER = JoinKind("full outer", full_outer, full_outer_of_single_values)


def _chunks(groups):
    """The (key, values) items of a dict, CHUNK_KEYS at a time."""
    return chunks(groups.items(), CHUNK_KEYS)
