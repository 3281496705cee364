"""Joins straight from grouped values: the pairs, their order, and chunk boundaries."""
from zpark.common import joins

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
