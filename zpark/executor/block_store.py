"""An executor's blocks: shuffle files on local disk, persisted RDD partitions, broadcast values."""
import collections
import os
import pickle
import shutil
import struct
import threading
import zlib

from ..common import serialization


MAX_OPEN_OUTPUTS = 256   # map outputs whose data file stays open for reads (see read_shuffle_segment)


class BlockStore:
    def __init__(self, root, create=True):
        """``create=False``: a reader of another executor's folder on this machine (see ShuffleReader)."""
        self.root = root
        if create:
            os.makedirs(os.path.join(root, "shuffle"), exist_ok=True)
            os.makedirs(os.path.join(root, "cache"), exist_ok=True)
        self._memory = {}                      # (rdd id, partition) -> list of records
        self._on_disk = set()                  # (rdd id, partition) stored as files
        self._lock = threading.Lock()
        self._broadcast_data = {}              # broadcast id -> pickled value, as the driver sent it
        self._broadcast_values = {}            # broadcast id -> the value, once a task read it
        self._broadcast_lock = threading.Lock()
        self._outputs = collections.OrderedDict()   # (shuffle, map, tag) -> (data fd, {reduce id: (start, end, crc)})
        self._outputs_lock = threading.Lock()       # the block server and task threads read blocks

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
        raises OSError if the output is missing.

        A reduce task reads one block of each map output, and the block server reads blocks for peers
        while this executor's task thread holds the GIL: every system call that releases the GIL makes
        the reader wait for it again. So a map output's index is read once and its data file kept open
        (the most recently used MAX_OPEN_OUTPUTS), and a block costs one ``pread``.
        """
        key = (shuffle_id, map_index, tag)
        with self._outputs_lock:
            fd, blocks = self._open_output(key)
            found = blocks.get(reduce_id)
            if found is None:
                return b"", 0
            start, end, crc = found
            return os.pread(fd, end - start, start), crc   # a truncated file reads short: its crc fails

    def _open_output(self, key):
        """A map output's (data file descriptor, ``{reduce id: (start, end, crc)}``), opened at first use."""
        found = self._outputs.get(key)
        if found is not None:
            self._outputs.move_to_end(key)
            return found
        data_path, index_path = self.shuffle_paths(*key)
        with open(index_path, "rb") as index:
            raw = index.read()
        (count,) = struct.unpack_from("<I", raw, 0)
        reduce_ids = struct.unpack_from("<%dI" % count, raw, 4)
        offsets = struct.unpack_from("<%dQ" % (count + 1), raw, 4 + 4 * count)
        crcs = struct.unpack_from("<%dI" % count, raw, 4 + 4 * count + 8 * (count + 1))
        blocks = {r: (offsets[i], offsets[i + 1], crcs[i]) for i, r in enumerate(reduce_ids)}
        found = self._outputs[key] = (os.open(data_path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)), blocks)
        while len(self._outputs) > MAX_OPEN_OUTPUTS:
            os.close(self._outputs.popitem(last=False)[1][0])
        return found

    def _close_outputs(self, which):
        """Close the open map outputs whose (shuffle, map, tag) ``which`` accepts."""
        with self._outputs_lock:
            for key in [key for key in self._outputs if which(key)]:
                os.close(self._outputs.pop(key)[0])

    def forget_shuffle(self, shuffle_id):
        """Close the shuffle's open data files (their space is freed once they are deleted too)."""
        self._close_outputs(lambda key: key[0] == shuffle_id)

    def remove_shuffle(self, shuffle_id):
        self.forget_shuffle(shuffle_id)
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
        self._close_outputs(lambda key: True)
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
