"""Every wire message kind: encoded and decoded back the same, and malformed headers refused by name."""
import dataclasses
import typing

import pytest

from zpark.common import messages, protocol


def sample(cls):
    """An instance of ``cls`` with a plausible value in every field."""
    values = {}
    for f in dataclasses.fields(cls):
        kind = f.type
        if getattr(kind, "__origin__", None) is not None:
            kind = [a for a in kind.__args__ if a is not type(None)][0]
        if typing.get_origin(kind) is dict:
            values[f.name] = {2: 3}
            continue
        values[f.name] = {int: 3, str: "x", bool: True, float: 1.5, list: [1], dict: {"a": 1}}[kind]
    return cls(**values)


@pytest.mark.parametrize("kind", sorted(messages.KINDS))
def test_every_kind_round_trips_through_its_header(kind):
    cls = messages.KINDS[kind]
    message = sample(cls)
    header = messages.encode(message)
    assert header["t"] == kind
    assert messages.decode(header) == message


def test_a_bundle_carries_each_message_and_its_frames():
    items = [(messages.KillTask(1), []), (messages.StageBinary(2), [b"bin"])]
    header, frames = protocol.bundle(items)
    assert protocol.unbundle(header, frames) == items


@pytest.mark.parametrize("header, complaint", [
    ([1, 2], "must be a map"),
    ("register", "must be a map"),
    ({"t": "nonsense"}, "unexpected message kind"),
    ({"t": 7}, "unexpected message kind"),
    ({"t": "register", "executor_id": "e", "cores": "x", "block_address": "a"}, "bad cores"),
    ({"t": "register", "executor_id": "e", "block_address": "a"}, "missing cores"),
    ({"t": "kill", "task_id": -1}, "bad task_id"),
    ({"t": "kill", "task_id": True}, "bad task_id"),
    ({"t": "done", "task_id": 1, "sizes": "big"}, "bad sizes"),
    ({"t": "done", "task_id": 1, "sizes": {-1: 5}}, "bad sizes"),
    ({"t": "done", "task_id": 1, "sizes": {"0": 5}}, "bad sizes"),
    ({"t": "done", "task_id": 1, "metrics": [1]}, "bad metrics"),
])
def test_malformed_headers_are_refused_naming_the_problem(header, complaint):
    with pytest.raises(messages.BadMessage, match=complaint):
        messages.decode(header)


def test_a_kind_not_expected_on_this_socket_is_refused():
    with pytest.raises(messages.BadMessage, match="unexpected"):
        messages.decode(messages.encode(messages.KillApp("app")), (messages.Register,))


def test_a_malformed_bundle_is_refused_whole():
    header, frames = protocol.bundle([(messages.KillTask(1), [b"x"])])
    header["frames"] = [5]
    with pytest.raises(messages.BadMessage, match="bundle"):
        protocol.unbundle(header, frames)
    header, frames = protocol.bundle([(messages.KillTask(1), []), (messages.KillTask(2), [])])
    header["items"][1]["task_id"] = "two"
    with pytest.raises(messages.BadMessage, match="bad task_id"):
        protocol.unbundle(header, frames)


@pytest.mark.parametrize("keys", [None, "curve"])
def test_authenticated_but_undecodable_msgpack_is_refused_as_a_bad_message(keys):
    from zpark.common import security
    codec = protocol.Codec("s", security.app_keys("s") if keys else None)
    frames = codec.encode_packed(b"\xc1\xc1\xc1")    # never valid msgpack, signed where signing is on
    with pytest.raises(messages.BadMessage, match="undecodable header"):
        codec.decode(frames)
