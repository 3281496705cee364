"""Hashing that gives the same number for the same key in every process.

Python randomises ``hash()`` of str and bytes per process (PYTHONHASHSEED), so
partitioning with it would send one key to different reducers from different
executors. Numbers hash deterministically already; text goes through CRC32.
The compiled extension (common/native.py) hashes a chunk's keys about 7x
faster while splitting it by partition (Partitioner.split_columns); the
Python functions here are the reference.
"""
import zlib
from operator import methodcaller

_MASK = (1 << 63) - 1


def portable_hash(key):
    """A process-independent hash for keys made of None, numbers, str, bytes and tuples."""
    t = type(key)
    if t is int or t is float or t is bool:
        return hash(key)
    if t is str:
        return zlib.crc32(key.encode("utf-8", "surrogatepass"))
    if t is bytes:
        return zlib.crc32(key)
    if key is None:
        return 0
    if t is tuple or t is frozenset:
        items = key if t is tuple else sorted(portable_hash(k) for k in key)
        h = 0x345678
        for item in items:
            h = ((h ^ portable_hash(item)) * 1000003) & _MASK
        return h ^ len(key)
    if isinstance(key, (int, float, complex)):
        return hash(key)
    if isinstance(key, str):
        return portable_hash(str(key))
    if isinstance(key, tuple):
        return portable_hash(tuple(key))
    # Other objects: their own __hash__ is deterministic unless it hashes text,
    # which we cannot detect; dataclasses and namedtuples of the above are fine.
    return hash(key)


_encode_utf8 = methodcaller("encode", "utf-8", "surrogatepass")


def portable_hashes(keys):
    """portable_hash of every key in a list, without a Python call per key for int, float and str keys."""
    types = set(map(type, keys))
    if types <= {int, float}:
        return map(hash, keys)
    if types == {str}:
        return map(zlib.crc32, map(_encode_utf8, keys))
    return map(portable_hash, keys)
