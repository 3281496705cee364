"""A partition sorted in memory: the order of its records, and the order they are freed in."""
import random
from operator import attrgetter

import pytest

from zpark.data import spill


class Record:
    """A record that notes when it is freed."""

    freed = []

    def __init__(self, key):
        self.key = key

    def __del__(self):
        Record.freed.append(self.key)


@pytest.mark.parametrize("tuple_keys", [False, True])
def test_sorted_records_are_yielded_in_order_then_freed_in_arrival_order(tuple_keys):
    keys = random.Random(3).sample(range(10_000), 2_000)
    key = (lambda r: (r.key, "k")) if tuple_keys else (lambda r: r.key)
    Record.freed = []
    iterator = spill.external_sorted([Record(k) for k in keys], key, False, None)
    assert list(map(attrgetter("key"), iterator)) == sorted(keys)
    assert Record.freed == keys[::-1]       # once all are read; a list frees its items last to first


def test_a_sorted_partition_read_only_in_part_frees_every_record():
    keys = random.Random(5).sample(range(1, 501), 500)
    Record.freed = []
    iterator = spill.external_sorted([Record(k) for k in keys], lambda r: r.key, True, None)
    assert [next(iterator).key for _ in range(3)] == [500, 499, 498]
    del iterator
    assert Record.freed == keys[::-1]

