"""The compiled extension (native/) against the pure-Python reference: the same hashes, the same partitions.

Without the extension these tests are skipped, except in CI, whose setup builds it: there a missing
extension fails, so the comparison always runs somewhere.
"""
import collections
import os
import random
import struct
import sys

import pytest

from zpark.common import native
from zpark.common.hashing import portable_hash
from zpark.common.partitioner import Partitioner

if native.extension is None:
    if os.environ.get("CI") == "true" and os.environ.get("ZPARK_NATIVE", "1") != "0":
        pytest.fail("CI builds zpark_native (scripts/setup.sh), but it cannot be imported", pytrace=False)
    pytest.skip("zpark_native is not installed (pip install ./native)", allow_module_level=True)


def native_hashes(keys):
    column = native.extension.portable_hashes(keys)
    return None if column is None else list(struct.unpack("=%dq" % len(keys), column))


def random_text(rng):
    alphabet = "abcXYZ09 -_@.é∂漢字😀\x00\n"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30)))


def random_key(rng, depth=0):
    kind = rng.randrange(8 if depth < 2 else 7)
    if kind == 0:
        return random_text(rng)
    if kind == 1:
        return rng.randrange(-2 ** 80, 2 ** 80) if rng.random() < 0.3 else rng.randrange(-1000, 1000)
    if kind == 2:
        return rng.choice([0.0, -0.0, 1.5, -2.25, 1e300, -1e-300, float("inf"), float("-inf"), rng.random()])
    if kind == 3:
        return rng.choice([True, False])
    if kind == 4:
        return None
    if kind == 5:
        return random_text(rng).encode("utf-8")
    if kind == 6:
        return rng.choice([-1, -2, 2 ** 61 - 1, 2 ** 61, -(2 ** 63), 2 ** 64 + 5])
    return tuple(random_key(rng, depth + 1) for _ in range(rng.randrange(0, 4)))


def test_every_supported_key_hashes_as_the_python_reference():
    rng = random.Random(11)
    keys = [random_key(rng) for _ in range(20_000)]
    assert collections.Counter(type(k).__name__ for k in keys).keys() >= {"str", "int", "float", "bool",
                                                                            "NoneType", "bytes", "tuple"}
    assert native_hashes(keys) == [portable_hash(k) for k in keys]


def test_an_empty_list_hashes_to_nothing():
    assert native_hashes([]) == []


class Label(str):
    pass


Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize("odd", [Label("a"), Point(1, 2), frozenset({1}), "\ud800", 1j, object(), ("ok", frozenset())])
def test_a_list_with_a_key_outside_the_exact_types_is_declined(odd):
    assert native.extension.portable_hashes(["fine", 1, odd]) is None


@pytest.mark.parametrize("partitions", [2, 7, 200, 6000])
@pytest.mark.parametrize("records", [3, 5000])
def test_a_chunk_splits_the_same_with_and_without_the_extension(monkeypatch, partitions, records):
    from zpark.executor import shuffle_writer
    rng = random.Random(partitions)
    keys = [random_key(rng) for _ in range(records)]
    values = list(range(len(keys)))
    partitioner = Partitioner(partitions)
    with_native = shuffle_writer._by_partition(keys, values, partitioner)
    if partitions > max(4 * records, 1024):   # far more partitions than records: left to the Python loop
        assert native.extension.partition_columns(keys, values, partitions) is None
        return
    assert with_native == native.extension.partition_columns(keys, values, partitions)   # the extension split it
    keys_alone = native.extension.partition_columns(keys, None, partitions)
    monkeypatch.setattr(native, "extension", None)
    assert partitioner.split_columns(keys, values) is None
    without = shuffle_writer._by_partition(keys, values, partitioner)
    assert [(p, v) for p, _, v in with_native] == [(p, v) for p, _, v in without]
    assert all(type(k) is list and type(v) is list for _, k, v in with_native)
    assert all(a is b for (_, ka, _), (_, kb, _) in zip(with_native, without) for a, b in zip(ka, kb))
    assert all(partitioner(k) == p for p, ks, _ in with_native for k in ks)
    assert [(p, k) for p, k, _ in keys_alone] == [(p, k) for p, k, _ in with_native]
    assert all(v is None for _, _, v in keys_alone)


def test_a_chunk_with_a_key_the_extension_does_not_hash_is_split_in_python():
    keys = ["a", "b", frozenset({1})] * 200
    assert native.extension.partition_columns(keys, list(range(600)), 4) is None
    assert Partitioner(4, lambda key: 0).split_columns(["a", "b"], [1, 2]) is None
    with pytest.raises(ValueError):
        native.extension.partition_columns(["a", "b"], [1], 4)


@pytest.mark.parametrize("partitions", [2, 7, 200, 6000])
@pytest.mark.parametrize("records", [3, 5000])
def test_a_chunk_of_pairs_splits_as_its_columns_split_without_the_extension(monkeypatch, partitions, records):
    """partition_pairs (the writer's one-pass split of raw records) against the reference: the pairs made
    columns by split_pairs, then split by the Python paths - same partitions, same objects, same order;
    tuples and lists of two alike."""
    from zpark.data.record_batches import split_pairs
    from zpark.executor import shuffle_writer
    rng = random.Random(partitions + records)
    chunk = [(random_key(rng), i) if i % 3 else [random_key(rng), object()] for i in range(records)]
    partitioner = Partitioner(partitions)
    with_native = partitioner.split_pairs(chunk)
    if partitions > max(4 * records, 1024):   # far more partitions than records: left to the Python loop
        assert with_native is None
        return
    monkeypatch.setattr(native, "extension", None)
    assert partitioner.split_pairs(chunk) is None
    without = shuffle_writer._by_partition(*split_pairs(chunk), partitioner)
    assert [p for p, _, _ in with_native] == [p for p, _, _ in without]
    for (_, native_keys, native_values), (_, keys, values) in zip(with_native, without):
        assert type(native_keys) is list and type(native_values) is list
        assert len(native_keys) == len(keys) and all(a is b for a, b in zip(native_keys, keys))
        assert len(native_values) == len(values) and all(a is b for a, b in zip(native_values, values))
    assert sum(len(keys) for _, keys, _ in with_native) == records


@pytest.mark.parametrize("odd", [("a", 1, 2), ("a",), Point("a", 1), {"a": 1}, "ab", None, (frozenset({1}), 1)])
def test_a_chunk_of_pairs_with_a_record_the_extension_does_not_take_is_declined(odd):
    """Anything but an exact tuple or list of two with a key it hashes: the Python path takes the chunk
    (and names a record that is not a pair)."""
    assert native.extension.partition_pairs([("a", 1), ["b", 2], odd, ("c", 3)] * 100, 4) is None
    with pytest.raises(ValueError):
        native.extension.partition_pairs([("a", 1)], 0)


def test_the_switch_turns_it_off(monkeypatch):
    import subprocess
    code = "from zpark.common import native; print(native.extension is None)"
    env = dict(os.environ, ZPARK_NATIVE="0")
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout == "True\n"


def test_first_seen_keeps_what_a_dict_keeps_in_the_same_order():
    rng = random.Random(3)
    batches = [[random_text(rng) for _ in range(rng.randrange(0, 500))] for _ in range(40)]
    kept, reference = native.extension.FirstSeen(), {}
    for keys in batches:
        assert kept.add(keys)
        reference.update(dict.fromkeys(keys))
    assert kept.keys() == list(reference) and len(kept) == len(reference)
    firsts = {}
    for keys in batches:
        for key in keys:
            firsts.setdefault(key, key)
    assert all(a is firsts[a] for a in kept.keys())   # the first object of each key, as dict.update keeps it


@pytest.mark.parametrize("odd", [b"bytes", Label("sub"), "\ud800", 1, None, ("t",)])
def test_first_seen_declines_a_batch_with_a_key_that_is_not_a_plain_str_and_adds_none_of_it(odd):
    kept = native.extension.FirstSeen()
    assert kept.add(["a", "b"])
    assert not kept.add(["c", odd, "d"])
    assert kept.keys() == ["a", "b"]


def distinct_reduce(blocks):
    from zpark.data import spill
    return list(spill.distinct_keys(iter(blocks), None))


@pytest.mark.parametrize("case", ["str", "columns", "mixed later", "over budget"])
def test_distincts_reduce_side_gives_the_dict_paths_items_with_and_without_the_extension(monkeypatch, case):
    from zpark.data import spill, str_columns
    rng = random.Random(9)
    blocks = [[([random_text(rng) for _ in range(300)], None) for _ in range(3)] for _ in range(4)]
    if case in ("columns", "over budget"):   # some batches as str columns, as the writer sends str keys
        for block in blocks:
            [(_, lengths, text)] = native.extension.partition_strs(block[0][0], 1)
            block[0] = (str_columns.EncodedStrs(lengths, text), None)
    if case == "mixed later":
        blocks[2][1] = (["x", 7, (1, 2), "y"] + blocks[2][1][0][4:], None)
    if case == "over budget":
        monkeypatch.setattr(spill.MemoryBudget, "should_spill", lambda self, held: held > 500)
    with_native = distinct_reduce(blocks)
    monkeypatch.setattr(native, "extension", None)
    without = distinct_reduce(blocks)
    assert with_native == without
    every_key = [k for block in blocks for keys, _ in block for k in str_columns.as_list(keys)]
    if case == "over budget":   # spilled runs come back merged by hash
        assert sorted(without, key=repr) == sorted(set(every_key), key=repr)
    else:
        assert without == list(dict.fromkeys(every_key))


@pytest.mark.parametrize("partitions", [1, 3, 200])
def test_str_keys_alone_split_into_str_columns_that_read_back_as_the_python_split(monkeypatch, partitions):
    """distinct()'s chunks of str keys: the same partitions, and each column decodes (with the pure-Python
    reader) to the keys the Python split puts there, in the same order."""
    from zpark.data import str_columns
    from zpark.executor import shuffle_writer
    rng = random.Random(partitions)
    keys = [random_text(rng) for _ in range(5000)] + ["", "é" * 40, "x" * 70_000]
    partitioner = Partitioner(partitions)
    encoded = shuffle_writer._by_partition(keys, None, partitioner)
    assert all(type(column) is str_columns.EncodedStrs and values is None for _, column, values in encoded)
    monkeypatch.setattr(native, "extension", None)
    assert str_columns.partitioned(keys, partitioner) is None
    python = shuffle_writer._by_partition(keys, None, partitioner)
    assert [(p, column.decode(), v) for p, column, v in encoded] == python
    assert sum(len(column) for _, column, _ in encoded) == len(keys)


@pytest.mark.parametrize("odd", [Label("a"), "\ud800", 1, None, b"b"])
def test_a_chunk_of_keys_with_one_that_is_not_a_plain_str_stays_a_list(odd):
    from zpark.data import str_columns
    assert str_columns.partitioned(["a", odd] * 300, Partitioner(4)) is None
    assert str_columns.partitioned(["a", "b"] * 300, Partitioner(4, lambda k: 1)) is None
    assert native.extension.partition_strs(["a"] * 300, 10 ** 6) is None   # the Python split costs only the keys


def test_first_seen_adds_a_str_column_as_it_adds_the_decoded_keys():
    from zpark.data import str_columns
    rng = random.Random(5)
    batches = [[random_text(rng) for _ in range(rng.randrange(0, 400))] for _ in range(30)]
    from_columns, from_lists = native.extension.FirstSeen(), native.extension.FirstSeen()
    for i, keys in enumerate(batches):
        if i % 3:
            [(_, lengths, text)] = native.extension.partition_strs(keys, 1) or [(0, b"", b"")]
            from_columns.add_encoded(lengths, text)
        else:
            from_columns.add(keys)
        from_lists.add(keys)
    assert from_columns.keys() == from_lists.keys() == list(dict.fromkeys(k for ks in batches for k in ks))
    assert str_columns.EncodedStrs(b"", b"").decode() == []


@pytest.mark.parametrize("lengths, text", [(b"\x01\x00\x00", b"a"), (b"\x02\x00\x00\x00", b"a"),
                                           (b"\x01\x00\x00\x00", b"ab"), (b"\x01\x00\x00\x00", b"\xff")])
def test_a_malformed_str_column_is_refused_by_both_readers(lengths, text):
    from zpark.data import str_columns
    with pytest.raises(ValueError):
        native.extension.FirstSeen().add_encoded(lengths, text)
    with pytest.raises(ValueError):
        str_columns.EncodedStrs(lengths, text).decode()


def random_atom(rng, kind):
    if kind == "int":
        return rng.choice([rng.randrange(-5, 5), rng.randrange(-2 ** 63, 2 ** 63), -(2 ** 63), 2 ** 63 - 1])
    if kind == "float":
        return rng.choice([0.0, -0.0, 1.5, -1.5, float("inf"), float("-inf"), 1e-300, -1e300, rng.random()])
    if kind == "str":   # a shared start, as real keys have one ("cust-000123"), and some keys that end there
        return "id-" + "".join(rng.choice("ab\x00é漢😀") for _ in range(rng.randrange(0, 12)))
    return b"k" + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 10)))


def random_tuple_keys(rng, count):
    kinds = [rng.choice(["int", "float", "str", "bytes"]) for _ in range(3)]
    pool = [tuple(random_atom(rng, kind) for kind in kinds[:rng.randrange(0, 4)]) for _ in range(count // 4 + 1)]
    return [rng.choice(pool) for _ in range(count)]   # many equal keys: their records' order is tested too


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("reverse", [False, True])
def test_tuple_keys_sort_their_records_in_exactly_the_order_list_sort_gives(seed, reverse):
    rng = random.Random(seed)
    keys = random_tuple_keys(rng, rng.choice([2, 50, 5_000]))
    records = [object() for _ in keys]
    expected = [r for _, r in sorted(zip(keys, records), key=lambda kr: kr[0], reverse=reverse)]
    ordered = native.extension.sorted_by_keys(records, keys, reverse)
    assert ordered is not None and len(ordered) == len(records)
    assert all(a is b for a, b in zip(ordered, expected))


def test_common_starts_prefixes_of_each_other_and_signed_zeros_sort_as_python_sorts():
    """-0.0 == 0.0 in Python: records keyed by either keep their order, as in the stable sort."""
    keys = [(0.0, "b"), (-0.0, "a"), (0.0, "a"), (-0.0, "b"), (-1e-300, "c"), (-0.0,), (0.0,)]
    for reverse in (False, True):
        assert native.extension.sorted_by_keys(list(range(len(keys))), keys, reverse) == \
            sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)
    keys = [("cust-00012", 1), ("cust-0001", 1), ("cust-000", 2), ("cust-00012", 0), ("cust-000", 1), ("cust-0001",),
            ("cust-00012\x00", 0), ("cust-00011zzzzzzzzzzzzz", 5), ("cust-00011zzzzzzzzzzzzy", 9)]
    for reverse in (False, True):
        assert native.extension.sorted_by_keys(list(range(len(keys))), keys, reverse) == \
            sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)


@pytest.mark.parametrize("keys", [
    [3, 1, 2],                                  # lone ints: Python's own sort is fast on them
    [(1, "a"), 2],                              # a tuple and a non-tuple
    [(1, "a"), ("b", 2)],                       # an int and a str at one position
    [(1, 2.0), (1, 3)],                         # an int and a float at one position
    [(float("nan"),), (1.0,)],                  # a NaN is unordered
    [(2 ** 64,), (1,)],                         # an int past 64 bits
    [(True,), (False,)],                        # bool
    [(None, 1), (None, 2)],                     # None
    [((1, 2),), ((0, 1),)],                     # a nested tuple
    [("\ud800",), ("a",)],                      # a lone surrogate
    [(collections.namedtuple("P", "a")(1),), (1,)],
])
def test_keys_outside_the_exact_tuple_types_are_declined(keys):
    assert native.extension.sorted_by_keys(list(range(len(keys))), keys, False) is None


def test_records_and_keys_of_different_lengths_are_an_error():
    with pytest.raises(ValueError):
        native.extension.sorted_by_keys([1, 2], [(1,)], False)


@pytest.mark.parametrize("case", ["tuples", "declined tuples", "ints", "unorderable"])
@pytest.mark.parametrize("reverse", [False, True])
def test_sorting_by_key_gives_list_sort_with_and_without_the_extension(monkeypatch, case, reverse):
    from zpark.data import spill
    rng = random.Random(5)
    records = [("n%d" % rng.randrange(50), rng.randrange(9), rng.random()) for _ in range(3_000)]
    key = {"tuples": lambda r: (r[1], r[0]), "declined tuples": lambda r: (r[1], None if r[1] == 3 else r[0]),
           "ints": lambda r: r[1], "unorderable": lambda r: (0, r[0] if r[1] else r[1])}[case]
    calls = collections.Counter()

    def counted(record):
        calls[id(record)] += 1
        return key(record)

    def outcome():
        calls.clear()
        try:
            ordered = spill.sorted_list(list(records), counted, reverse)
        except TypeError as exc:
            return "TypeError: %s" % exc
        assert max(calls.values()) <= 2 and sum(calls.values()) <= len(records) + 1   # once a record (+ the probe)
        return [id(r) for r in ordered]
    with_native = outcome()
    monkeypatch.setattr(native, "extension", None)
    expected = outcome()
    assert with_native == expected
    if case == "unorderable":
        assert expected.startswith("TypeError")
    else:
        assert expected == [id(r) for r in sorted(records, key=key, reverse=reverse)]
