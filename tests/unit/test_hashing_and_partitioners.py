import os
import subprocess
import sys

from zpark import Partitioner, RangePartitioner, portable_hash


def test_portable_hash_is_the_same_in_processes_with_different_hash_seeds():
    keys = ["apple", "", "zpark", b"bytes", ("a", 1, None), 42, 3.5, None, ("x", ("y", "z"))]
    script = "from zpark import portable_hash; print([portable_hash(k) for k in %r])" % (keys,)
    outputs = set()
    for seed in ("1", "2", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outputs.add(subprocess.check_output([sys.executable, "-c", script], env=env, text=True))
    assert len(outputs) == 1
    assert outputs.pop().strip() == str([portable_hash(k) for k in keys])


def test_hash_partitioner_equality_and_range():
    p = Partitioner(4)
    assert p == Partitioner(4) and p != Partitioner(5)
    assert all(0 <= p(k) < 4 for k in ["a", "b", 1, 2, (1, "x")])


def test_range_partitioner_orders_keys():
    p = RangePartitioner([10, 20])
    assert [p(k) for k in (0, 10, 11, 20, 21)] == [0, 0, 1, 1, 2]
    desc = RangePartitioner([10, 20], ascending=False)
    assert [desc(k) for k in (0, 15, 25)] == [2, 1, 0]
