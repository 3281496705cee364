"""A master that is malformed or unreachable fails the Context clearly, and the next Context starts."""
import time

import pytest

import zpark


def still_works(ctx):
    assert ctx.parallelize(range(100), 4).map(lambda x: x * 2).sum() == 9900


@pytest.mark.parametrize("master", ["local[abc]", "local[0]", "local[-3]", "local[", "locale"])
def test_a_malformed_local_master_is_refused_by_name(master):
    with pytest.raises(zpark.ZparkError, match=r"Invalid master .*local\[N\]"):
        zpark.Context(master)
    with zpark.Context("local[2]", app_name="after-bad-master") as ctx:
        still_works(ctx)


def test_an_unreachable_master_fails_the_context_and_the_next_one_starts(monkeypatch, tmp_path):
    monkeypatch.setenv("ZPARK_SECRET", "a-secret-for-this-test")
    started = time.monotonic()
    with pytest.raises(zpark.ZparkError, match="no answer from the master"):
        zpark.Context(master="tcp://127.0.0.1:1")
    assert time.monotonic() - started < 20      # the hello times out after 10 s; stop() does not hang
    monkeypatch.delenv("ZPARK_SECRET")
    with zpark.Context("local[2]", app_name="after-unreachable-master") as ctx:
        assert ctx.applicationId.startswith("local-")
        still_works(ctx)
