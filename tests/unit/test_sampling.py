"""sortByKey's one-pass sketch: a reservoir sample with an exact count, and bounds weighted by partition size."""
import collections
import random

import pytest

from zpark.rdd.sampling import KeySketch, range_bounds, reservoir_sample_and_count


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11, 1000, 123_457])
def test_the_count_is_exact_and_the_sample_is_distinct_items_of_the_input(n):
    sample, count = reservoir_sample_and_count(iter(range(n)), 10, random.Random(n))
    assert count == n
    assert len(sample) == min(n, 10) and len(set(sample)) == len(sample)
    assert all(0 <= x < n for x in sample)
    if n <= 10:
        assert sample == list(range(n))


def test_a_zero_size_sample_still_counts():
    assert reservoir_sample_and_count(iter(range(77)), 0, random.Random(1)) == ([], 77)


def test_every_item_is_drawn_with_the_same_probability():
    rng = random.Random(7)
    drawn = collections.Counter()
    trials = 20_000
    for _ in range(trials):
        sample, _ = reservoir_sample_and_count(iter(range(100)), 10, rng)
        drawn.update(sample)
    frequencies = [drawn[x] / trials for x in range(100)]
    assert min(frequencies) > 0.085 and max(frequencies) < 0.115   # 0.1 each; 5 standard deviations is 0.011
    assert sum(frequencies[:50]) == pytest.approx(5.0, abs=0.1)   # early and late items alike


def test_bounds_of_fully_sampled_partitions_are_exact_quantiles():
    sketches = [(4, [1, 2, 3, 4]), (4, [5, 6, 7, 8])]
    assert range_bounds(sketches, 4) == [2, 4, 6]
    assert range_bounds(sketches, 1) == []
    assert range_bounds([(0, []), (0, [])], 3) == []


def test_a_large_partitions_sample_weighs_more_than_a_small_partitions_keys():
    big = (1000, [100, 200, 300, 400])      # each key stands for 250
    small = (4, [1, 2, 3, 4])               # each key stands for 1
    assert range_bounds([big, small], 2) == [200]
    assert range_bounds([small, big], 4) == [100, 200, 300]


def test_bounds_are_the_sort_keys_and_there_are_always_partitions_minus_one():
    sketches = [(3, ["b", "A", "c"])]
    assert range_bounds(sketches, 3, str.lower) == ["a", "b"]
    assert range_bounds([(2, [5, 5])], 4) == [5, 5, 5]


def test_the_sketch_of_a_partition_is_its_count_and_a_sample_of_its_keys():
    (count, sample), = KeySketch(5, 1)(3, ((k, "v") for k in range(50)))
    assert count == 50 and len(sample) == 5 and set(sample) <= set(range(50))
    assert list(KeySketch(5, 1)(3, ((k, "v") for k in range(50)))) == [(count, sample)]   # seeded per partition
