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
