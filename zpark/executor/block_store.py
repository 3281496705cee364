"""An executor's blocks: shuffle files on local disk, persisted RDD partitions, broadcast values."""
import os
import pickle
import shutil
import struct
import threading
import zlib

from ..common import serialization


class BlockStore:
    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "shuffle"), exist_ok=True)
        os.makedirs(os.path.join(root, "cache"), exist_ok=True)
        self._memory = {}                      # (rdd id, partition) -> list of records
        self._on_disk = set()                  # (rdd id, partition) stored as files
        self._lock = threading.Lock()
        self._broadcast_data = {}              # broadcast id -> pickled value, as the driver sent it
        self._broadcast_values = {}            # broadcast id -> the value, once a task read it
        self._broadcast_lock = threading.Lock()
        self._indexes = {}                     # (shuffle, map, tag) -> {reduce id: (start, end, crc)} from disk

    # ------------------------------------------------------------ shuffle files

    def _shuffle_base(self, shuffle_id, map_index, tag):
        return os.path.join(self.root, "shuffle", "shuffle_%d_%d_%d" % (shuffle_id, map_index, tag))

    def shuffle_paths(self, shuffle_id, map_index, tag):
        base = self._shuffle_base(shuffle_id, map_index, tag)
        return base + ".data", base + ".index"

    def shuffle_spill_path(self, shuffle_id, map_index, tag, reduce_id):
        return "%s.spill-%d.tmp" % (self._shuffle_base(shuffle_id, map_index, tag), reduce_id)

    def write_shuffle_output(self, shuffle_id, map_index, tag, segments):
        """Write one data file and one index file (temp name, then atomic rename); returns
        ``{reduce id: bytes}`` of the blocks written.

        ``segments`` is ``(reduce id, pieces)`` of each non-empty block in reduce order; a piece is bytes,
        or the path of a spill file whose content is copied in. The index names only those blocks, so a
        map output costs the same whether the shuffle has ten reduce partitions or a hundred thousand.
        """
        data_path, index_path = self.shuffle_paths(shuffle_id, map_index, tag)
        reduce_ids, offsets, crcs = [], [0], []
        with open(data_path + ".tmp", "wb") as data:
            for reduce_id, pieces in segments:
                size, crc = 0, 0
                for piece in pieces:
                    for block in _blocks(piece):
                        data.write(block)
                        size += len(block)
                        crc = zlib.crc32(block, crc)
                if size:
                    reduce_ids.append(reduce_id)
                    offsets.append(offsets[-1] + size)
                    crcs.append(crc)
        count = len(reduce_ids)
        with open(index_path + ".tmp", "wb") as index:
            index.write(struct.pack("<I%dI%dQ%dI" % (count, count + 1, count), count, *reduce_ids, *offsets, *crcs))
        os.replace(index_path + ".tmp", index_path)
        os.replace(data_path + ".tmp", data_path)
        return {r: offsets[i + 1] - offsets[i] for i, r in enumerate(reduce_ids)}

    def read_shuffle_segment(self, shuffle_id, map_index, tag, reduce_id):
        """(bytes, expected crc) of one reduce partition's block (empty when the map wrote none for it);
        raises OSError if the output is missing."""
        data_path, index_path = self.shuffle_paths(shuffle_id, map_index, tag)
        blocks = self._shuffle_index(shuffle_id, map_index, tag, index_path)
        found = blocks.get(reduce_id)
        if found is None:
            return b"", 0
        start, end, crc = found
        with open(data_path, "rb") as data:
            data.seek(start)
            return data.read(end - start), crc

    def _shuffle_index(self, shuffle_id, map_index, tag, index_path):
        """A map output's ``{reduce id: (start, end, crc)}``, read once per file: a reduce task reads one
        block of each map output, so without this every block cost a second file open."""
        key = (shuffle_id, map_index, tag)
        found = self._indexes.get(key)
        if found is None:
            with open(index_path, "rb") as index:
                raw = index.read()
            (count,) = struct.unpack_from("<I", raw, 0)
            reduce_ids = struct.unpack_from("<%dI" % count, raw, 4)
            offsets = struct.unpack_from("<%dQ" % (count + 1), raw, 4 + 4 * count)
            crcs = struct.unpack_from("<%dI" % count, raw, 4 + 4 * count + 8 * (count + 1))
            found = self._indexes[key] = {r: (offsets[i], offsets[i + 1], crcs[i]) for i, r in enumerate(reduce_ids)}
        return found

    def remove_shuffle(self, shuffle_id):
        for key in [k for k in list(self._indexes) if k[0] == shuffle_id]:
            self._indexes.pop(key, None)
        prefix = "shuffle_%d_" % shuffle_id
        folder = os.path.join(self.root, "shuffle")
        for name in os.listdir(folder):
            if name.startswith(prefix):
                _unlink(os.path.join(folder, name))

    # ------------------------------------------------------------ cached partitions

    def _cache_path(self, key):
        return os.path.join(self.root, "cache", "rdd_%d_%d" % key)

    def put_partition(self, key, records, level):
        """Keep a cached partition; returns its size in bytes (on disk: exact; in memory: estimated)."""
        with self._lock:
            if level.useMemory:
                self._memory[key] = records
                return estimated_bytes(records)
            if level.useDisk:
                with open(self._cache_path(key) + ".tmp", "wb") as f:
                    pickle.dump(records, f, 5)
                    size = f.tell()
                os.replace(self._cache_path(key) + ".tmp", self._cache_path(key))
                self._on_disk.add(key)
                return size
        return 0

    def get_partition(self, key):
        with self._lock:
            if key in self._memory:
                return self._memory[key]
            if key in self._on_disk:
                with open(self._cache_path(key), "rb") as f:
                    return pickle.load(f)
        return None

    def partition_bytes(self, key):
        records = self.get_partition(key)
        return None if records is None else pickle.dumps(records, 5)

    def remove_rdd(self, rdd_id):
        with self._lock:
            for key in [k for k in self._memory if k[0] == rdd_id]:
                del self._memory[key]
            for key in [k for k in self._on_disk if k[0] == rdd_id]:
                self._on_disk.discard(key)
                _unlink(self._cache_path(key))

    # ------------------------------------------------------------ broadcasts

    def put_broadcast(self, bid, data):
        with self._broadcast_lock:
            self._broadcast_data[bid] = data

    def broadcast_value(self, bid):
        """The value of broadcast ``bid``, unpickled the first time a task asks for it."""
        with self._broadcast_lock:
            if bid not in self._broadcast_values:
                if bid not in self._broadcast_data:
                    raise RuntimeError("Broadcast %d is not available on this executor "
                                       "(destroyed or unpersisted?)" % bid)
                self._broadcast_values[bid] = serialization.loads(self._broadcast_data[bid])
            return self._broadcast_values[bid]

    def remove_broadcast(self, bid):
        with self._broadcast_lock:
            self._broadcast_data.pop(bid, None)
            self._broadcast_values.pop(bid, None)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)


def _blocks(piece, size=1 << 20):
    """A piece of a shuffle block as buffers: itself, or a spill file's content read in blocks."""
    if not isinstance(piece, str):
        yield piece
        return
    with open(piece, "rb") as f:
        while True:
            block = f.read(size)
            if not block:
                return
            yield block


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


SIZE_SAMPLE = 64


def estimated_bytes(records):
    """A partition's size as pickled bytes, from a sample of its records spread over it (as Spark samples
    to estimate sizes): the Storage page's figure, without pickling the whole partition."""
    if not records:
        return 0
    step = max(1, len(records) // SIZE_SAMPLE)
    sample = records[::step][:SIZE_SAMPLE]
    return len(pickle.dumps(sample, 5)) * len(records) // len(sample)
