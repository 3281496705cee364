"""The combine and merge loops shared by the map-side combine and the reduce side."""
from operator import add

from zpark.data import aggregation
from zpark.data.aggregation import Aggregator


def test_reduce_by_add_sums_in_first_seen_key_order():
    records = [("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5)]
    merged = aggregation.combine_values(records, Aggregator.reducing(add))
    assert list(merged.items()) == [("b", 4), ("a", 7), ("c", 4)]


def test_add_on_lists_builds_new_lists_and_leaves_the_inputs_alone():
    first, second = [1], [2]
    merged = aggregation.merge_combiners([("k", first), ("k", second)],
                                         Aggregator.reducing(add))
    assert merged == {"k": [1, 2]}
    assert first == [1] and second == [2]


def test_none_is_a_value_like_any_other():
    def keep_latest(old, new):
        return new if new is not None else old

    records = [("k", None), ("k", 1), ("j", None), ("k", None)]
    merged = aggregation.merge_combiners(records, Aggregator.reducing(keep_latest))
    assert merged == {"k": 1, "j": None}


def test_a_combiner_that_is_none_still_counts_as_present():
    created = []

    def create(value):
        created.append(value)
        return None

    def merge(combiner, value):
        return value if combiner is None else combiner + value

    merged = aggregation.combine_values([("k", 1), ("k", 2), ("k", 3)], Aggregator(create, merge, merge))
    assert created == [1]
    assert merged == {"k": 5}


def test_custom_merge_is_called_with_the_running_value_first():
    calls = []

    def merge(running, value):
        calls.append((running, value))
        return running * 10 + value

    merged = aggregation.merge_combiners([("k", 1), ("k", 2), ("k", 3)], Aggregator.reducing(merge))
    assert merged == {"k": 123}
    assert calls == [(1, 2), (12, 3)]


def test_group_lists_are_extended_in_order():
    merged = aggregation.merge_combiners([("k", [1]), ("j", [9]), ("k", [2, 3])],
                                         Aggregator.grouping())
    assert merged == {"k": [1, 2, 3], "j": [9]}


def test_a_combined_map_output_becomes_a_dict_even_when_it_repeats_keys():
    reduce_by_add = Aggregator.reducing(add)
    distinct = [(["a", "b"], [1, 2]), (["c"], [3])]
    assert list(aggregation.dict_of_combined_block(distinct, reduce_by_add).items()) == [
        ("a", 1), ("b", 2), ("c", 3)]
    # A map task that outgrew its budget wrote its dict out twice: "a" and "c" appear in both rounds.
    two_rounds = [(["a", "b"], [1, 2]), (["c"], [3]), (["c", "a"], [30, 10])]
    assert list(aggregation.dict_of_combined_block(two_rounds, reduce_by_add).items()) == [
        ("a", 11), ("b", 2), ("c", 33)]
    assert aggregation.dict_of_combined_block([], reduce_by_add) == {}


def test_the_distinct_path_keeps_what_the_reduce_keeping_the_first_keeps():
    """distinct()'s dict.update path against the REDUCE by ``lambda x, _: x`` it replaces: the same keys,
    each as its first object (1, then 1.0 and True, are one key whose first object is the int 1)."""
    from zpark.data.aggregation import Aggregator, combine_values, merge_combiners
    records = [(1, None), (1.0, None), (True, None), ("a", None), ((1, 2), None), ("a", None), (2, None)]
    reference = combine_values(iter(records), Aggregator.reducing(lambda x, _: x))
    fast = combine_values(iter(records), Aggregator.distinct())
    assert list(fast.items()) == list(reference.items())
    assert [type(k) for k in fast] == [type(k) for k in reference] == [int, str, tuple, int]
    merged = merge_combiners(iter([(2.0, None), (3, None)]), Aggregator.distinct(), dict(fast))
    assert list(merged) == [1, "a", (1, 2), 2, 3] and type(list(merged)[3]) is int


def test_an_immutable_zero_value_is_shared_and_a_mutable_one_copied_per_key():
    from zpark.rdd.task_functions import seeded_with

    def append_in_place(acc, v):
        acc.append(v)
        return acc
    create = seeded_with(append_in_place, [])
    first, second = create(1), create(2)
    assert first == [1] and second == [2] and first is not second

    zero = (0, 0.0, "")
    seen = []
    create = seeded_with(lambda acc, v: seen.append(acc) or (acc[0] + 1, acc[1] + v, acc[2]), zero)
    assert create(2.5) == (1, 2.5, "") and create(1.0) == (1, 1.0, "")
    assert seen[0] is zero and seen[1] is zero


def _outer_scope_adder():
    return lambda left, right: left + right


def test_a_function_that_only_returns_a_plus_b_is_recognised_as_addition():
    def plus(x, y):
        return x + y

    assert aggregation.is_addition(add)
    assert aggregation.is_addition(lambda a, b: a + b)
    assert aggregation.is_addition(plus)
    assert aggregation.is_addition(_outer_scope_adder())        # defined inside a function


def test_anything_else_is_not_taken_for_addition():
    offset = 1

    def documented(a, b):
        "adds"
        return a + b

    others = [lambda a, b: b + a, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a + b + offset,
              lambda a, b: a + b + 0, lambda a, b, c=0: a + b, lambda *ab: ab[0] + ab[1],
              lambda a, b: (a[0] + b[0], a[1] + b[1]), documented, sum, max, None]
    assert [aggregation.is_addition(f) for f in others] == [False] * len(others)


def test_a_lambda_adding_takes_the_sum_path_and_gives_what_calling_it_gives():
    adder = lambda a, b: a + b  # noqa: E731 - the reducer as users write it
    assert Aggregator.reducing(adder).kind == Aggregator.SUM
    assert Aggregator.reducing(lambda a, b: b + a).kind == Aggregator.REDUCE
    called = Aggregator(aggregation.identity, adder, adder, Aggregator.REDUCE)
    for values in ([3, 4, 5], [0.5, 1.25, 2.0], ["x", "y", "z"], [[1], [2], [3]], [(1,), (2,), (3,)]):
        records = [("k%d" % (i % 2), v) for i, v in enumerate(values * 3)]
        assert aggregation.combine_values(records, Aggregator.reducing(adder)) == \
            aggregation.combine_values(records, called)
        assert aggregation.merge_combiners(records, Aggregator.reducing(adder)) == \
            aggregation.merge_combiners(records, called)


def test_a_fold_from_a_shared_zero_gives_what_creating_then_merging_gives():
    from zpark.rdd.task_functions import seeded_with

    def seq(acc, v):
        return acc[0] + 1, acc[1] + v, acc[2] if acc[2] >= v else v

    zero = (0, 0.0, float("-inf"))
    folding = Aggregator.folding(seeded_with(seq, zero), seq, seq, zero)
    combining = Aggregator(seeded_with(seq, zero), seq, seq)
    records = [("k%d" % (i % 7), (i * 37 % 101) / 7.0) for i in range(200)]
    assert aggregation.combine_values(records, folding) == aggregation.combine_values(records, combining)
    held = {"k1": (5, 1.0, 9.0)}                     # folding into combiners already there
    assert aggregation.combine_values(records, folding, dict(held)) == \
        aggregation.combine_values(records, combining, dict(held))
    # A combiner equal to the zero value is still the key's own, not a fresh start.
    counting = Aggregator.folding(seeded_with(lambda acc, v: acc + v, 0), lambda acc, v: acc + v, None, 0)
    assert aggregation.combine_values([("a", 0), ("a", 0), ("b", 3), ("a", 2)], counting) == {"a": 2, "b": 3}


def test_aggregate_by_key_folds_only_from_a_zero_value_that_cannot_change():
    import zpark.rdd.pair_functions as pair_functions

    kinds = []

    class Probe(pair_functions.PairFunctions):
        partitioner = None

        def _combined(self, aggregator, numPartitions, partitionFunc, mapSideCombine=True):
            kinds.append((aggregator.kind, aggregator.zero))

    zero = (0, "")
    Probe().aggregateByKey(zero, max, max)
    Probe().foldByKey(0, max)
    Probe().aggregateByKey([], max, max)
    assert kinds == [(Aggregator.FOLD, zero), (Aggregator.FOLD, 0), (Aggregator.COMBINE, None)]
