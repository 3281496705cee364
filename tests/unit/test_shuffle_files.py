"""A map task's shuffle files: what is written, what the index names, and what a reader gets back."""
import io
import os
import pickle
from types import SimpleNamespace

import pytest

from zpark.common.partitioner import Partitioner
from zpark.data import spill, str_columns
from zpark.data.aggregation import Aggregator
from zpark.executor.block_store import BlockStore
from zpark.executor.shuffle_writer import write_map_output


def task_context():
    metrics = {}
    return SimpleNamespace(metrics=metrics,
                           add_metric=lambda name, value: metrics.__setitem__(name, metrics.get(name, 0) + value))


def shuffle_dep(partitions, aggregator=None):
    return SimpleNamespace(shuffle_id=3, partitioner=Partitioner(partitions), map_side_combine=aggregator is not None,
                           aggregator=aggregator, sums_in_columns=False,
                           keys_only=aggregator is not None and aggregator.kind == Aggregator.DISTINCT)


def batches_of(store, reduce_id, map_index=0):
    data, crc = store.read_shuffle_segment(3, map_index, 9, reduce_id)
    batches, stream = [], io.BytesIO(data)
    while stream.tell() < len(data):
        batches.append(pickle.load(stream))
    return batches, crc


def read_back(store, reduce_id):
    batches, crc = batches_of(store, reduce_id)
    return [record for keys, values in batches for record in zip(keys, values)], crc


def test_a_wide_shuffle_of_few_records_writes_and_reports_only_the_blocks_that_exist(tmp_path):
    """A million reduce partitions and five records: five blocks named in the index and the status, and
    every other partition reads back as empty - the files cost the records, not the partition count."""
    store = BlockStore(str(tmp_path))
    dep = shuffle_dep(1_000_000)
    records = [("a", 1), ("b", 2), ("c", 3), ("a", 4), (17, "x")]
    sizes, written = write_map_output(iter(records), dep, store, 0, 9, 1 << 20, task_context())
    parts = {dep.partitioner(key) for key, _ in records}
    assert written == 5
    assert set(sizes) == parts and all(size > 0 for size in sizes.values())
    data_path, index_path = store.shuffle_paths(3, 0, 9)
    assert os.path.getsize(data_path) == sum(sizes.values())
    assert os.path.getsize(index_path) == 4 + len(parts) * (4 + 8 + 4) + 8
    got = []
    for part in parts:
        records_back, _ = read_back(store, part)
        assert all(dep.partitioner(key) == part for key, _ in records_back)
        got.extend(records_back)
    assert sorted(got, key=repr) == sorted(records, key=repr)
    empty = next(p for p in range(1_000_000) if p not in parts)
    assert store.read_shuffle_segment(3, 0, 9, empty) == (b"", 0)


def test_a_narrow_shuffle_keeps_every_record_in_its_partition(tmp_path):
    store = BlockStore(str(tmp_path))
    dep = shuffle_dep(4)
    records = [(i % 10, i) for i in range(1000)]
    sizes, written = write_map_output(iter(records), dep, store, 0, 9, 1 << 20, task_context())
    assert written == 1000 and sorted(sizes) == sorted({dep.partitioner(k) for k in range(10)})
    got = {part: read_back(store, part)[0] for part in range(4)}
    assert sum(len(r) for r in got.values()) == 1000
    for part, part_records in got.items():
        assert all(dep.partitioner(key) == part for key, _ in part_records)
        assert [v for _, v in part_records] == sorted(v for _, v in part_records)   # map order kept


def test_small_shares_of_a_partition_are_pickled_together_in_order_and_big_ones_after_them(tmp_path):
    """Chunks of 8,192 records split 200 ways give shares of about 40: those of one partition wait and go
    out as batches of MERGE_BELOW or more (the last may be shorter), records in the map's order; a share
    of MERGE_BELOW or more goes out at once, after what waited for its partition."""
    from zpark.executor import shuffle_writer
    store = BlockStore(str(tmp_path))
    dep = shuffle_dep(200)
    records = [("k%d" % (i % 5000), i) for i in range(40_000)]
    sizes, written = write_map_output(iter(records), dep, store, 0, 9, 1 << 30, task_context())
    assert written == 40_000
    got = []
    for part in sizes:
        batches, _ = batches_of(store, part)
        assert all(len(keys) >= shuffle_writer.MERGE_BELOW for keys, _ in batches[:-1]), part
        assert len(batches) < 40_000 // shuffle_writer.PAIR_CHUNK_RECORDS + 1, part
        values = [v for _, batch_values in batches for v in batch_values]
        assert values == sorted(values), part                                      # map order kept
        got.extend(record for keys, values in batches for record in zip(keys, values))
    assert sorted(got, key=repr) == sorted(records, key=repr)

    output = shuffle_writer.PartitionedOutput(store, 3, 1, 9, 1 << 30)
    output.add(7, ["a", "b"], [1, 2])
    big = ["c"] * shuffle_writer.MERGE_BELOW
    output.add(7, big, list(range(3, 3 + len(big))))
    output.add(7, ["d"], [None])
    output.commit()
    batches, _ = batches_of(store, 7, map_index=1)
    assert [len(keys) for keys, _ in batches] == [2, len(big), 1]
    assert [v for _, values in batches for v in values] == [1, 2, *range(3, 3 + len(big)), None]


AGGREGATORS = {
    "reduce": Aggregator.reducing(lambda a, b: a + b),
    "distinct": Aggregator.distinct(),
    "group": Aggregator.grouping(),
    "combine": Aggregator(lambda v: (v, 1), lambda c, v: (c[0] + v, c[1] + 1), lambda a, b: (a[0] + b[0], a[1] + b[1])),
}


def expected(records, aggregator):
    out = {}
    for key, value in records:
        out[key] = aggregator.createCombiner(value) if key not in out else aggregator.mergeValue(out[key], value)
    return out


@pytest.mark.parametrize("kind", sorted(AGGREGATORS))
@pytest.mark.parametrize("distinct_keys", [500, 150_000])
def test_a_combine_that_merges_nothing_is_skipped_and_the_reduce_side_gets_the_same_answer(tmp_path, kind,
                                                                                          distinct_keys):
    """Two map outputs of 150,000 records each: with 500 keys the map side combines (each block holds a
    key once); with every key distinct, where a value is its own combiner, the first chunk shows it and
    the rest is written as it comes.
    Either way the reduce side's merge equals combining every record in one dict."""
    aggregator = AGGREGATORS[kind]
    store, dep = BlockStore(str(tmp_path)), shuffle_dep(3, aggregator)
    maps = [[("k%d" % ((m * 150_000 + i) % distinct_keys), 0 if kind == "distinct" else i % 7) for i in range(150_000)]
            for m in range(2)]
    if kind == "distinct":   # a distinct() shuffle's records are its keys
        maps = [[(key, None) for key, _ in records] for records in maps]
    contexts = []
    for m, records in enumerate(maps):
        tc = task_context()
        write_map_output(iter([k for k, _ in records] if kind == "distinct" else records), dep, store, m, 9,
                         1 << 30, tc)
        contexts.append(tc)
    skipped = [tc.metrics.get("shuffle_combine_skipped_records", 0) for tc in contexts]
    skips = distinct_keys == 150_000 and kind in ("reduce", "distinct")   # a value is its own combiner
    assert skipped == ([150_000, 150_000] if skips else [0, 0])
    merged = {}
    for part in range(3):
        blocks = [batches_of(store, part, m)[0] for m in range(2)]
        if distinct_keys == 500:
            assert all(len(keys) == len(set(str_columns.as_list(keys))) for block in blocks for keys, _ in block)
        if kind == "distinct":
            merged.update(dict.fromkeys(spill.distinct_keys(blocks, task_context())))
        else:
            merged.update(spill.merged_combiners(blocks, aggregator, task_context()))
    assert merged == expected(maps[0] + maps[1], aggregator)


KEY_SETS = {
    "str": ["user-%d@example.org" % (i * 7919 % 5000) for i in range(3000)],
    "int": [(i * 7919) % 100_003 - 50_000 for i in range(3000)] + [2 ** 62, -2 ** 62, 0, -1],
    "tuple": [("k%d" % (i % 97), i % 13, i * 0.5) for i in range(3000)],
    "float": [i / 7.0 - 100 for i in range(3000)],
    "mixed": [x for i in range(1000) for x in ("s%d" % i, i, (i, "t"), None, b"b%d" % i)],
}


@pytest.mark.parametrize("keys", sorted(KEY_SETS))
@pytest.mark.parametrize("partitions", [2, 7, 200, 300])
def test_splitting_a_chunk_in_bulk_gives_what_the_record_loop_gives(monkeypatch, keys, partitions):
    """Same partitions, same keys and values in the same order, lists of the same objects (the Python
    paths: test_native compares the compiled extension's split with them)."""
    from zpark.common import native
    from zpark.executor import shuffle_writer
    monkeypatch.setattr(native, "extension", None)
    keys = KEY_SETS[keys]
    values = list(range(len(keys)))
    partitioner = Partitioner(partitions)
    bulk = shuffle_writer._by_partition(keys, values, partitioner)
    monkeypatch.setattr(shuffle_writer, "BULK_RECORDS", 10 ** 9)
    looped = shuffle_writer._by_partition(keys, values, partitioner)
    assert [p for p, _, _ in bulk] == [p for p, _, _ in looped]
    for (_, bulk_keys, bulk_values), (_, loop_keys, loop_values) in zip(bulk, looped):
        assert type(bulk_keys) is list and type(bulk_values) is list
        assert bulk_values == loop_values
        assert all(a is b for a, b in zip(bulk_keys, loop_keys)) and len(bulk_keys) == len(loop_keys)


def test_a_partition_function_past_64_bits_takes_the_record_loop():
    from zpark.executor import shuffle_writer
    partitioner = Partitioner(3, lambda key: key * 2 ** 70)
    split = shuffle_writer._by_partition(list(range(1000)), list(range(1000)), partitioner)
    assert sum(len(k) for _, k, _ in split) == 1000
    assert all(partitioner(key) == part for part, keys, _ in split for key in keys)


def test_a_task_shorter_than_a_chunk_with_distinct_keys_is_not_combined(tmp_path):
    store, dep, tc = BlockStore(str(tmp_path)), shuffle_dep(4, AGGREGATORS["reduce"]), task_context()
    records = [("k%d" % i, i) for i in range(1000)]
    sizes, written = write_map_output(iter(records), dep, store, 0, 9, 1 << 30, tc)
    assert tc.metrics["shuffle_combine_skipped_records"] == 1000 and written == 1000
    assert sorted(r for part in sizes for r in read_back(store, part)[0]) == sorted(records)


def test_the_first_map_task_of_a_shuffle_on_an_executor_decides_whether_its_later_ones_combine(tmp_path):
    """Its probe's answer is remembered per shuffle (TaskRuntime.combine_probes): a later task of the same
    shuffle whose keys repeat is written uncombined too, another shuffle probes anew, and the reduce
    side's merge is the same answer either way."""
    runtime = SimpleNamespace(combine_probes={}, task_memory_bytes=1 << 30, spill_dir=str(tmp_path))
    store, aggregator = BlockStore(str(tmp_path)), AGGREGATORS["reduce"]
    distinct = [("k%d" % i, i) for i in range(1000)]
    repeating = [("k%d" % (i % 10), i) for i in range(1000)]
    contexts = []
    for m, (shuffle_id, records) in enumerate([(3, distinct), (3, repeating), (4, repeating)]):
        tc = task_context()
        tc.runtime = runtime
        dep = shuffle_dep(4, aggregator)
        dep.shuffle_id = shuffle_id
        write_map_output(iter(records), dep, store, m, 9, 1 << 30, tc)
        contexts.append(tc)
    assert [tc.metrics.get("shuffle_combine_skipped_records", 0) for tc in contexts] == [1000, 1000, 0]
    assert runtime.combine_probes == {3: True, 4: False}
    merged = {}
    for part in range(4):
        blocks = [batches_of(store, part, m)[0] for m in range(2)]
        merged.update(spill.merged_combiners(blocks, aggregator, task_context()))
    assert merged == expected(distinct + repeating, aggregator)


@pytest.mark.parametrize("extension", ["on", "off"])
@pytest.mark.parametrize("aggregator", [None, "reduce"])
def test_a_record_that_is_not_a_pair_is_named_by_the_writer(tmp_path, monkeypatch, extension, aggregator):
    """The extension's one-pass split declines such a chunk; the Python path names the record."""
    from zpark.common import native
    if extension == "off":
        monkeypatch.setattr(native, "extension", None)
    records = [("k%d" % i, i) for i in range(500)] + [("odd", 1, 2)] + [("k1", 1)] * 10
    dep = shuffle_dep(4, AGGREGATORS[aggregator] if aggregator else None)
    with pytest.raises(TypeError, match=r"needs \(key, value\) pairs, but got the record \('odd', 1, 2\)"):
        write_map_output(iter(records), dep, BlockStore(str(tmp_path)), 0, 9, 1 << 20, task_context())


def test_open_map_outputs_are_bounded_and_closed_with_their_shuffle(tmp_path, monkeypatch):
    """Data files stay open for reads, at most MAX_OPEN_OUTPUTS of them; evicted ones reopen, and
    removing the shuffle or closing the store closes them all."""
    from zpark.executor import block_store
    monkeypatch.setattr(block_store, "MAX_OPEN_OUTPUTS", 3)
    store = BlockStore(str(tmp_path))
    dep = shuffle_dep(4)
    for map_index in range(5):
        write_map_output(iter([(k, map_index) for k in range(8)]), dep, store, map_index, 9, 1 << 20, task_context())
    open_fds = lambda: len(os.listdir("/proc/self/fd"))   # noqa: E731
    before = open_fds()
    for _ in range(2):
        for map_index in range(5):
            batches, _ = batches_of(store, dep.partitioner(0), map_index)
            assert [v for keys, values in batches for k, v in zip(keys, values) if k == 0] == [map_index]
    assert open_fds() == before + 3
    store.remove_shuffle(3)
    assert open_fds() == before
    with pytest.raises(OSError):
        store.read_shuffle_segment(3, 0, 9, 0)
    store.close()
    assert open_fds() == before


def test_a_reader_finds_same_machine_peers_by_their_work_folders_only(tmp_path):
    from zpark.executor.shuffle_reader import ShuffleReader
    own = BlockStore(str(tmp_path / "exec-1"))
    peer = BlockStore(str(tmp_path / "exec-2"))
    write_map_output(iter([("a", 1), ("b", 2)]), shuffle_dep(2), peer, 0, 9, 1 << 20, task_context())
    (tmp_path / "not-an-executor").mkdir()
    reader = ShuffleReader("exec-1", own, None, str(tmp_path))
    assert reader.on_disk("exec-1") is own
    found = reader.on_disk("exec-2")
    assert found is not None and found.read_shuffle_segment(3, 0, 9, 0) == peer.read_shuffle_segment(3, 0, 9, 0)
    for elsewhere in ("exec-3", "not-an-executor", "../exec-2", "exec-2/..", ".", ".."):
        assert reader.on_disk(elsewhere) is None, elsewhere
    assert ShuffleReader("exec-1", own, None, None).on_disk("exec-2") is None     # host-local reads off
    before = len(os.listdir("/proc/self/fd"))
    reader.forget_shuffle(3)
    assert len(os.listdir("/proc/self/fd")) == before - 1      # the peer's data file it had open
    assert os.path.exists(peer.shuffle_paths(3, 0, 9)[0])      # closed, not deleted: the peer owns it
