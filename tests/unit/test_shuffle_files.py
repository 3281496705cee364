"""A map task's shuffle files: what is written, what the index names, and what a reader gets back."""
import io
import os
import pickle
from types import SimpleNamespace

from zpark.common.partitioner import Partitioner
from zpark.executor.block_store import BlockStore
from zpark.executor.shuffle_writer import write_map_output


def task_context():
    return SimpleNamespace(metrics={}, add_metric=lambda name, value: None)


def shuffle_dep(partitions):
    return SimpleNamespace(shuffle_id=3, partitioner=Partitioner(partitions), map_side_combine=False,
                           aggregator=None, sums_in_columns=False)


def read_back(store, reduce_id):
    data, crc = store.read_shuffle_segment(3, 0, 9, reduce_id)
    records, view = [], memoryview(data)
    while view:
        stream = io.BytesIO(view)
        keys, values = pickle.load(stream)
        records.extend(zip(keys, values))
        view = view[stream.tell():]
    return records, crc


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
