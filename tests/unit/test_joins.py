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


def _kind_recording(kind, seen):
    """``kind`` with every emit form recording which one was used."""
    def recorded(name, emit):
        if emit is None:
            return None

        def emitted(*args):
            seen.append(name)
            return emit(*args)
        return emitted
    return joins.JoinKind(kind.name, recorded("groups", kind.emit), recorded("tables", kind.emit_single_values),
                          recorded("left streamed", kind.emit_left_streamed),
                          recorded("right streamed", kind.emit_right_streamed))


def _cogrouped(left, right, kind):
    from zpark.data import spill
    seen = []
    out = list(spill.external_cogroup([iter(left), iter(right)], _kind_recording(kind, seen), None))
    return out, seen


def test_cogroup_reads_sides_without_repeated_keys_into_plain_dicts():
    assert _cogrouped([(1, "a"), (2, "b")], [(2, "x"), (3, "y")], joins.INNER) == ([(2, ("b", "x"))], ["tables"])


def test_a_side_that_repeats_keys_streams_past_the_other_sides_table_with_nothing_lost():
    from zpark.data import spill
    n = spill.TABLE_PIECE + 10
    repeats_across_pieces = [(k, k) for k in range(n)] + [(5, -5)]
    unique = [(k, -k) for k in range(0, n, 7)]
    cases = [  # left, right, kind, the form used
        (repeats_across_pieces, unique, joins.INNER, "left streamed"),
        (unique, repeats_across_pieces, joins.INNER, "right streamed"),
        (repeats_across_pieces, unique, joins.LEFT_OUTER, "left streamed"),
        (unique, repeats_across_pieces, joins.RIGHT_OUTER, "right streamed"),
        (unique, repeats_across_pieces, joins.LEFT_OUTER, "groups"),      # would need the right's keys
        (repeats_across_pieces, unique, joins.RIGHT_OUTER, "groups"),
        (repeats_across_pieces, unique, joins.FULL_OUTER, "groups"),
        (repeats_across_pieces, repeats_across_pieces, joins.INNER, "groups"),
        ([(1, 1), [1, 2]], [(1, 0)], joins.INNER, "left streamed"),           # a list record repeats a key
    ]
    for left, right, kind, form in cases:
        expected = list(kind.emit(_grouped(left), _grouped(right)))
        got, seen = _cogrouped(left, right, kind)
        assert seen == [form], (kind, form)
        assert sorted(got, key=repr) == sorted(expected, key=repr), (kind, form)
        assert len(got) == len(expected) > 0


def test_a_streamed_side_comes_out_in_its_records_order():
    left = [("b", 1), ("a", 2), ("b", 3), ("c", 4)]
    assert _cogrouped(left, [("a", "x"), ("b", "y")], joins.INNER)[0] == [
        ("b", (1, "y")), ("a", (2, "x")), ("b", (3, "y"))]
    assert _cogrouped([("a", "x"), ("b", "y")], left, joins.RIGHT_OUTER)[0] == [
        ("b", ("y", 1)), ("a", ("x", 2)), ("b", ("y", 3)), ("c", (None, 4))]


def test_records_that_are_not_pairs_fail_as_they_do_when_grouped():
    for bad in ([(1, 2, 3)], [1], [(1, 2), (1, 3), ([4], 5)]):
        with pytest.raises((TypeError, ValueError)):
            _cogrouped(bad, [(1, 1)], joins.INNER)


def _grouped(records):
    groups = {}
    for key, value in records:
        groups.setdefault(key, []).append(value)
    return groups
