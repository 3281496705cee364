"""reduceByKey(add) in numpy columns: the same answers, types and partitions as the dict path."""
import math
import random
from operator import add

import pytest

from zpark.data import aggregation, columnar
from zpark.common.partitioner import Partitioner

from zpark.data.aggregation import Aggregator
from zpark.rdd.dependencies import ShuffleDependency

SUM = Aggregator.reducing(add)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(columnar, "COLUMN_CHUNK_RECORDS", 64)  # several chunks per map task in these tests


def dict_path(map_outputs):
    """What the dict path gives: each map output combined in record order, merged in map order."""
    combined = [aggregation.combine_values(records, SUM) for records in map_outputs]
    result = {}
    for partial in combined:
        aggregation.merge_combiners(partial.items(), SUM, result)
    return result


def column_path(map_outputs, partitions, round_records=10 ** 9):
    """Every map output summed and partitioned in columns, every reduce partition merged: {key: sum}."""
    blocks = [[] for _ in range(partitions)]
    for records in map_outputs:
        rounds = columnar.summed_rounds(records, round_records)
        per_partition = [[] for _ in range(partitions)]
        try:
            while True:
                keys, sums = next(rounds)
                for part, k, v in columnar.partitioned(keys, sums, partitions):
                    assert [Partitioner(partitions)(key) for key in k.tolist()] == [part] * len(k)
                    per_partition[part].append((k, v))
        except StopIteration as done:
            assert done.value is None, "every record should have been summed in columns"
        for part in range(partitions):
            blocks[part].append(per_partition[part])
    result = {}
    for part in range(partitions):
        summed, rest = columnar.summed_blocks(blocks[part], 10 ** 9)
        assert rest is None
        for key, value in summed:
            assert key not in result
            result[key] = value
    return result


def exactly(d):
    """A dict's items with their types and float bits, for comparisons that tell 1 from 1.0 and 0.0 from -0.0."""
    return sorted((type(k).__name__, k, type(v).__name__, v.hex() if isinstance(v, float) else v)
                  for k, v in d.items())


def test_int_sums_match_the_dict_path_with_negative_and_boundary_keys():
    rng = random.Random(7)
    edge_keys = [-1, -2, 0, 1, (1 << 61) - 2, -(1 << 61) + 2, 7919, -7919]
    outputs = [[(rng.choice(edge_keys + list(range(-300, 300))), rng.randint(-10 ** 6, 10 ** 6))
                for _ in range(rng.randint(0, 900))] for _ in range(5)]
    for partitions in (1, 3, 8, 300):
        assert exactly(column_path(outputs, partitions)) == exactly(dict_path(outputs))
    small = [[(k % 100, 1) for k in range(1000)]]   # stored as int8 columns, more partitions than int8 holds
    assert column_path(small, 300) == dict_path(small)


def test_float_sums_agree_to_the_last_bit_in_record_order():
    rng = random.Random(3)
    outputs = [[(rng.randrange(50_000), rng.random() * 10 ** rng.randint(-8, 8)) for _ in range(700)]
               for _ in range(4)]
    outputs.append([(k, 0.1) for k in range(20)] * 3)  # 0.1 + 0.1 + 0.1 depends on the order
    assert exactly(column_path(outputs, 4)) == exactly(dict_path(outputs))


def test_a_key_whose_values_are_all_negative_zero_sums_to_negative_zero():
    outputs = [[(1, -0.0), (2, -0.0), (3, 0.0), (1, -0.0)], [(2, 0.0), (4, -0.0), (5, 2.5)]]
    result = column_path(outputs, 2)
    assert math.copysign(1.0, result[1]) == -1.0 and math.copysign(1.0, result[4]) == -1.0
    assert math.copysign(1.0, result[2]) == 1.0 and math.copysign(1.0, result[3]) == 1.0
    assert exactly(result) == exactly(dict_path(outputs))


def test_rounds_give_the_same_sums():
    rng = random.Random(5)
    outputs = [[(rng.randrange(100), rng.randint(0, 9)) for _ in range(1000)] for _ in range(3)]
    assert column_path(outputs, 3, round_records=100) == dict_path(outputs)


def test_records_that_do_not_fit_columns_are_left_for_the_dict_path_without_losing_any():
    ints = [(k % 37, k) for k in range(500)]
    odd = [
        (True, 1),            # bool key: a key of its own type to the dict path
        (5, False),           # bool value
        (1 << 70, 1),         # an int too large for int64
        (1 << 61, 1),         # an int whose hash is not itself
        ("k", 1),             # not an int key
        (3, 2.5),             # a float among int values
        (3, 1, 1),            # not a pair
    ]
    for record in odd:
        records = ints[:300] + [record] + ints[300:]
        rounds = columnar.summed_rounds(iter(records), 10 ** 9)
        with pytest.raises(StopIteration) as done:
            next(rounds)
        assert list(done.value.value) == records, record


def test_a_first_record_of_another_kind_reads_nothing_ahead():
    records = iter([("a", 1)] + [(k, 1) for k in range(1000)])
    rounds = columnar.summed_rounds(records, 10 ** 9)
    with pytest.raises(StopIteration) as done:
        next(rounds)
    rest = done.value.value
    assert next(rest) == ("a", 1)
    assert next(records) == (0, 1), "only the first record may have been read"


def test_int_sums_that_might_not_be_exact_in_float64_take_the_dict_path():
    records = [(1, 1 << 52), (1, 1 << 52), (2, 3)]
    rounds = columnar.summed_rounds(iter(records), 10 ** 9)
    with pytest.raises(StopIteration) as done:
        next(rounds)
    assert list(done.value.value) == records


def test_reduce_side_falls_back_to_lists_when_a_map_output_took_the_dict_path():
    column_keys, column_values = next(columnar.summed_rounds(iter([(1, 2), (3, 4)]), 10 ** 9))
    blocks = [[(column_keys, column_values)], [([1, "x"], [10, 20])]]
    summed, rest = columnar.summed_blocks(iter(blocks), 10 ** 9)
    assert summed is None
    assert list(rest) == [[([1, 3], [2, 4])], [([1, "x"], [10, 20])]]


def test_reduce_side_keeps_int_sums_ints_when_outputs_mix_ints_and_floats():
    ints = next(columnar.summed_rounds(iter([(1, 2)]), 10 ** 9))
    floats = next(columnar.summed_rounds(iter([(2, 0.5)]), 10 ** 9))
    summed, rest = columnar.summed_blocks(iter([[ints], [floats]]), 10 ** 9)
    assert summed is None
    assert [[(k, v) for k, v in block] for block in rest] == [[([1], [2])], [([2], [0.5])]]


def test_reduce_side_takes_the_dict_path_past_its_record_budget():
    blocks = [[next(columnar.summed_rounds(iter([(k, 1) for k in range(100)]), 10 ** 9))] for _ in range(3)]
    summed, rest = columnar.summed_blocks(iter(blocks), 150)
    assert summed is None
    assert [sum(len(keys) for keys, _ in block) for block in rest] == [100, 100, 100]


def test_results_are_python_numbers():
    result = column_path([[(1, 2), (1, 3), (2, 0.5)][:2], [(1, 4)]], 2)
    assert result == {1: 9} and type(next(iter(result))) is int and type(result[1]) is int
    floats = column_path([[(1, 0.5), (1, 0.25)]], 2)
    assert type(floats[1]) is float


def test_applies_only_to_add_into_a_hash_partitioner():
    """Decided once, when the shuffle dependency is built."""
    from zpark.common.partitioner import RangePartitioner

    def in_columns(aggregator, partitioner, map_side_combine=True):
        return ShuffleDependency(None, partitioner, aggregator, map_side_combine).sums_in_columns

    assert in_columns(SUM, Partitioner(4))
    assert not in_columns(SUM, Partitioner(4), map_side_combine=False)
    assert not in_columns(SUM, Partitioner(4, partitionFunc=lambda k: 0))
    assert not in_columns(SUM, RangePartitioner([1, 2]))
    assert not in_columns(Aggregator.reducing(max), Partitioner(4))
    assert not in_columns(Aggregator(lambda v: v, add, add), Partitioner(4))
