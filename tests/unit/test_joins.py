"""Joins straight from grouped values: the pairs, their order, and chunk boundaries."""
import pytest

from zpark.data import joins

LEFT = {"a": [1, 2], "b": [3], "c": [4]}
RIGHT = {"b": ["x", "y"], "a": ["z"], "d": ["w"]}


def test_inner_join_pairs_every_left_value_with_every_right_value_in_left_key_order():
    assert list(joins.inner(LEFT, RIGHT)) == [
        ("a", (1, "z")), ("a", (2, "z")), ("b", (3, "x")), ("b", (3, "y"))]


def test_outer_joins_fill_the_missing_side_with_none():
    assert list(joins.left_outer(LEFT, RIGHT)) == [
        ("a", (1, "z")), ("a", (2, "z")), ("b", (3, "x")), ("b", (3, "y")), ("c", (4, None))]
    assert list(joins.right_outer(LEFT, RIGHT)) == [
        ("b", (3, "x")), ("b", (3, "y")), ("a", (1, "z")), ("a", (2, "z")), ("d", (None, "w"))]
    assert list(joins.full_outer(LEFT, RIGHT)) == [
        ("a", (1, "z")), ("a", (2, "z")), ("b", (3, "x")), ("b", (3, "y")), ("c", (4, None)),
        ("d", (None, "w"))]


def test_joins_span_many_chunks_of_keys():
    n = joins.CHUNK_KEYS * 2 + 17
    left = {k: [k] for k in range(n)}
    right = {k: [-k] for k in range(0, n, 3)}
    assert list(joins.inner(left, right)) == [(k, (k, -k)) for k in range(0, n, 3)]
    assert len(list(joins.left_outer(left, right))) == n
    assert list(joins.inner({}, right)) == [] and list(joins.full_outer({}, {})) == []


def test_joins_of_single_values_give_what_joins_of_one_value_groups_give():
    left = {"a": 1, "b": None, "c": 3}
    right = {"b": "x", "a": "z", "d": "w"}
    as_groups = ({k: [v] for k, v in left.items()}, {k: [v] for k, v in right.items()})
    for kind in (joins.INNER, joins.LEFT_OUTER, joins.RIGHT_OUTER, joins.FULL_OUTER):
        assert list(kind.emit_single_values(left, right)) == list(kind.emit(*as_groups)), kind
    from zpark.rdd.shuffled import COGROUP
    assert COGROUP.emit_single_values is None


def test_cogroup_reads_sides_without_repeated_keys_into_plain_dicts():
    from zpark.data import spill
    seen = []

    def single_values_join(left, right):
        seen.append((left, right))
        return joins.inner_of_single_values(left, right)

    out = spill.external_cogroup([iter([(1, "a"), (2, "b")]), iter([(2, "x"), (3, "y")])],
                                 joins.inner, None, single_values_join)
    assert list(out) == [(2, ("b", "x"))]
    assert seen == [({1: "a", 2: "b"}, {2: "x", 3: "y"})]


def test_a_repeated_key_sends_every_side_down_the_grouping_path_with_nothing_lost():
    from zpark.data import spill
    n = spill.SINGLES_PIECE + 10

    def never(*sides):
        raise AssertionError("a side repeats a key: the single-value join must not be used")

    cases = [
        ([(k, k) for k in range(n)] + [(5, -5)], [(k, -k) for k in range(0, n, 7)]),  # left repeats across pieces
        ([(k, k) for k in range(n)], [(3, "x"), (3, "y")]),                                # right repeats in a piece
        ([(1, 1), [1, 2]], [(1, 0)]),                                                     # a list record repeats a key
    ]
    for left, right in cases:
        expected = list(joins.inner(*[_grouped(side) for side in (left, right)]))
        got = list(spill.external_cogroup([iter(left), iter(right)], joins.inner, None, never))
        assert got == expected


def test_records_that_are_not_pairs_fail_as_they_do_when_grouped():
    from zpark.data import spill
    for bad in ([(1, 2, 3)], [1]):
        with pytest.raises((TypeError, ValueError)):
            list(spill.external_cogroup([iter(bad), iter([(1, 1)])], joins.inner, None,
                                        joins.inner_of_single_values))


def _grouped(records):
    groups = {}
    for key, value in records:
        groups.setdefault(key, []).append(value)
    return groups
