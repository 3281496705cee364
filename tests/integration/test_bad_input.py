"""Bad input gets a clear error at once, and the Context (or the next one) keeps working."""
import os
import pickle
import sys
import threading
import time

import pytest

import zpark


@pytest.fixture(scope="module")
def sc(tmp_path_factory):
    conf = {"zpark.eventLog.dir": str(tmp_path_factory.mktemp("events"))}
    with zpark.Context("local[2]", app_name="bad-input", conf=conf) as ctx:
        yield ctx


def still_works(sc):
    assert sc.parallelize(range(100), 4).map(lambda x: x * 2).sum() == 9900


def test_unpicklable_data_fails_at_parallelize_naming_it(sc):
    started = time.monotonic()
    with pytest.raises(zpark.SerializationError, match=r"parallelize.*lock"):
        sc.parallelize([1, threading.Lock(), 3]).count()
    assert time.monotonic() - started < 5
    still_works(sc)


@pytest.mark.parametrize("raiser", ["exit", "interrupt"])
def test_a_task_that_exits_or_is_interrupted_fails_its_attempt_like_an_exception(sc, raiser):
    def bad(x):
        if x == 3:
            if raiser == "exit":
                sys.exit(3)
            raise KeyboardInterrupt()
        return x
    expected = "SystemExit" if raiser == "exit" else "KeyboardInterrupt"
    with pytest.raises(zpark.JobFailedError, match=expected):
        sc.parallelize(range(8), 4).map(bad).collect()
    still_works(sc)


def test_pickle_file_reads_any_file_it_is_given_and_names_one_it_cannot(sc, tmp_path):
    good = tmp_path / "records.pkl"
    with open(good, "wb") as f:
        pickle.dump([1, 2, 3], f)
        pickle.dump([4], f)
    assert sorted(sc.pickleFile(str(good)).collect()) == [1, 2, 3, 4]
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(zpark.JobFailedError, match="notes.txt is not a file written by saveAsPickleFile"):
        sc.pickleFile(str(bad)).collect()
    still_works(sc)
