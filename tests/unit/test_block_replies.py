"""A block server's reply: found blocks joined into few frames, cut back apart by the reader."""
import random

import pytest

from zpark.executor.block_server import coalesced
from zpark.executor.shuffle_reader import split_reply


def test_small_blocks_share_frames_and_a_large_block_travels_alone():
    blocks = [b"a" * 400, b"b" * 400, b"c" * 400, b"d" * 5000, b"e" * 10]
    assert [len(f) for f in coalesced(blocks, frame_bytes=1000)] == [800, 400, 5000, 10]
    assert coalesced([b"", b"x", b""]) == [b"x"] and coalesced([]) == []


@pytest.mark.parametrize("seed", range(5))
def test_every_block_comes_back_whole_whatever_the_frame_size(seed):
    rng = random.Random(seed)
    for _ in range(500):
        n = rng.randrange(0, 12)
        blocks = [bytes([rng.randrange(256)]) * rng.choice([0, 1, 5, 300, 1000, 2500]) for _ in range(n)]
        found = [rng.random() < 0.8 for _ in range(n)]
        status = [[True, 7, len(b)] if f else [False, "missing", 0] for b, f in zip(blocks, found)]
        frames = coalesced([b for b, f in zip(blocks, found) if f], frame_bytes=rng.choice([1, 1000, 3000, 1 << 20]))
        out = split_reply(status, frames, n)
        assert [data for _, data in out] == [b if f else b"" for b, f in zip(blocks, found)]
        assert [ok for (ok, _), _ in out] == found


def test_a_reply_that_does_not_add_up_is_malformed():
    frames = coalesced([b"abc", b"defg"])
    status = [[True, 1, 3], [True, 2, 4]]
    assert split_reply(status, frames, 2) is not None
    assert split_reply(status, frames, 3) is None                      # not one entry per block asked for
    assert split_reply(status, frames + [b"x"], 2) is None             # bytes left over
    assert split_reply([[True, 1, 3], [True, 2, 5]], frames, 2) is None  # a block past the frame
    assert split_reply([[True, 1, 3], [True, 2, -4]], frames, 2) is None
    assert split_reply([[True, 1], [True, 2]], frames, 2) is None
    assert split_reply(status, [], 2) is None
