import pickle
import threading

import pytest

from zpark.common import protocol, serialization
from zpark.common.errors import SerializationError


def test_signed_message_round_trip():
    codec = protocol.Codec("secret")
    frames = codec.encode({"t": "task", "tid": 7}, [b"payload"])
    header, payload = codec.decode(frames)
    assert header == {"t": "task", "tid": 7} and payload == [b"payload"]


def test_wrong_secret_and_tampering_are_rejected_before_decoding():
    frames = protocol.Codec("secret").encode({"t": "x"}, [pickle.dumps("data")])
    with pytest.raises(protocol.AuthenticationError):
        protocol.Codec("other").decode(frames)
    tampered = frames[:-1] + [b"evil"]
    with pytest.raises(protocol.AuthenticationError):
        protocol.Codec("secret").decode(tampered)


def test_unpicklable_closure_error_names_the_captured_variable():
    my_lock = threading.Lock()

    def uses_lock(x):
        with my_lock:
            return x

    with pytest.raises(SerializationError) as info:
        serialization.dumps_code(uses_lock, "task closure")
    assert "my_lock" in str(info.value) and "lock" in str(info.value)


def test_pickle_files_written_before_the_layout_change_still_load():
    """saveAsPickleFile output names classes by module path; moved modules are found under their new path."""
    import io
    import pickle
    import sys
    import types

    from zpark.rdd.result_iterable import ResultIterable
    from zpark.rdd.stat_counter import StatCounter

    old = types.ModuleType("zpark.driver.rdd_kinds")

    class OldResultIterable(list):
        pass
    OldResultIterable.__module__, OldResultIterable.__qualname__ = old.__name__, "ResultIterable"
    OldResultIterable.__name__ = "ResultIterable"
    old.ResultIterable = OldResultIterable
    sys.modules[old.__name__] = old
    try:
        data = pickle.dumps([OldResultIterable([1, 2])], 5)
    finally:
        del sys.modules[old.__name__]
    (loaded,) = serialization.load_renamed(io.BytesIO(data))
    assert type(loaded) is ResultIterable and loaded == [1, 2]
    assert serialization.RENAMED_MODULES["zpark.driver.stat_counter"] == StatCounter.__module__
