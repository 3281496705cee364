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


def test_with_curve_keys_a_message_is_its_header_and_payload_only():
    from zpark.common import security
    keys = security.app_keys("secret")
    sender, receiver = protocol.Codec("secret", keys), protocol.Codec("secret", keys)
    frames = sender.encode({"t": "task", "tid": 7}, [b"payload"])
    assert frames == [protocol.msgpack.packb({"t": "task", "tid": 7}), b"payload"]   # no tag, no stamp
    assert receiver.decode(frames) == ({"t": "task", "tid": 7}, [b"payload"])
    assert receiver.decode(frames) == ({"t": "task", "tid": 7}, [b"payload"])      # CURVE refuses replays
    with pytest.raises(protocol.AuthenticationError, match="malformed"):
        receiver.decode([])


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


def test_code_pickles_importable_functions_by_reference_until_their_module_is_registered_by_value(
        tmp_path, monkeypatch):
    """The pickler remembers what it found importable; registering a module by value makes it ask again."""
    import importlib
    import cloudpickle
    (tmp_path / "zpark_test_helpers.py").write_text("def double(x):\n    return 2 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    helpers = importlib.import_module("zpark_test_helpers")
    by_reference = serialization.dumps_code(helpers.double)
    assert serialization.dumps_code(helpers.double) == by_reference and b"zpark_test_helpers" in by_reference
    cloudpickle.register_pickle_by_value(helpers)
    try:
        by_value = serialization.dumps_code(helpers.double)
        assert by_value != by_reference and len(by_value) > len(by_reference)
        assert pickle.loads(by_value)(21) == 42
    finally:
        cloudpickle.unregister_pickle_by_value(helpers)
    assert serialization.dumps_code(helpers.double) == by_reference


class _Meta(type):
    pass


def same_as_cloudpickle(obj):
    """A code pickle loads to what cloudpickle's pickle of ``obj`` loads to: both loaded objects pickle
    to the same bytes again (with cloudpickle itself)."""
    import cloudpickle
    ours = pickle.loads(serialization.dumps_code(obj))
    theirs = pickle.loads(cloudpickle.dumps(obj, serialization.PROTOCOL))
    return cloudpickle.dumps(ours, serialization.PROTOCOL) == cloudpickle.dumps(theirs, serialization.PROTOCOL)


def test_code_pickles_load_to_what_cloudpickle_s_pickles_load_to():
    """The shortcuts (instances left to the C pickler without asking cloudpickle, the dispatch table as a
    dict, names of stable modules looked up in a table) change nothing that loads: functions, closures,
    classes made here and importable ones, classes of other metaclasses, enums, instances - and a
    copyreg registration made between dumps."""
    import abc
    import copyreg
    import enum
    import collections
    import functools
    import operator
    import zpark

    class Local(abc.ABC):
        pass

    Color = enum.Enum("Color", "RED GREEN")
    Point = collections.namedtuple("Point", "x y")
    Dynamic = _Meta("Dynamic", (), {"twice": lambda self, x: 2 * x})
    factor = 3
    objects = [lambda x: x * factor, Local, Color, Color.RED, Point(1, "a"), Dynamic, Dynamic(), threading.Thread,
               {"nested": [(1, 2.5, None), frozenset({b"x"})]}, abc.ABC, Point, zpark.StorageLevel.MEMORY_ONLY,
               zpark.HashPartitioner(4), functools.partial(operator.add, 1), [operator.getitem, operator.add, max]]
    for obj in objects:
        assert same_as_cloudpickle(obj), obj
    assert pickle.loads(serialization.dumps_code(lambda x: x * factor))(2) == 6
    assert pickle.loads(serialization.dumps_code(functools.partial(operator.add, 1)))(2) == 3

    class Registered:
        def __init__(self, value):
            self.value = value
    copyreg.pickle(Registered, lambda r: (int, (r.value,)))
    try:
        assert pickle.loads(serialization.dumps_code(Registered(5))) == 5
    finally:
        del copyreg.dispatch_table[Registered]


def names_in(data):
    """The (module, name) pairs a pickle looks up with the import system."""
    import pickletools
    strings, names = [], []
    for op, arg, _ in pickletools.genops(data):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            names.append(tuple(strings[-2:]))
    return names


def test_a_code_pickle_names_stable_modules_classes_and_functions_through_one_table():
    """Classes and functions of zpark, cloudpickle and the standard library's stable modules are looked up
    in GLOBALS (a dictionary lookup once the process has found them), others with the import system."""
    import functools
    import operator
    import zpark
    from zpark.rdd.task_functions import composed
    rdd_like = [zpark.HashPartitioner(4), functools.partial(composed, operator.add), lambda x: x + 1]
    assert names_in(serialization.dumps_code(rdd_like)) == [("_operator", "getitem"),
                                                             ("zpark.common.serialization", "GLOBALS")]
    assert ("threading", "Thread") in names_in(serialization.dumps_code([threading.Thread, rdd_like]))
    assert serialization.GLOBALS["zpark.rdd.task_functions:composed"] is composed
    with pytest.raises(KeyError):
        serialization.GLOBALS["os:system"]       # only stable modules are looked up this way


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


def test_a_message_is_admitted_once_and_a_replay_is_refused_before_decoding():
    sender, receiver = protocol.Codec("secret"), protocol.Codec("secret")
    first, second = sender.encode({"t": "done", "task_id": 1}), sender.encode({"t": "done", "task_id": 2})
    assert receiver.decode(second)[0]["task_id"] == 2
    assert receiver.decode(first)[0]["task_id"] == 1          # a little reordering is fine ...
    for replay in (first, second):                            # ... a repeat is not
        with pytest.raises(protocol.AuthenticationError, match="replayed"):
            receiver.decode(replay)
    other = protocol.Codec("secret")                          # another sender numbers on its own
    assert other.decode(first)[0]["task_id"] == 1


def test_the_stamp_is_signed_and_every_message_differs():
    codec = protocol.Codec("secret")
    a, b = codec.encode({"t": "hb"}), codec.encode({"t": "hb"})
    assert a != b                                              # heartbeats are no longer byte-identical
    forged = [a[0], b[1]] + a[2:]                              # an old tag over a new stamp
    with pytest.raises(protocol.AuthenticationError, match="signature"):
        protocol.Codec("secret").decode(forged)


def test_old_numbers_fall_out_of_the_window_and_senders_are_bounded():
    from zpark.common.replay import ReplayWindow
    w = ReplayWindow(window=4, max_senders=2)
    assert w.admit(b"a", 10) and not w.admit(b"a", 6) and w.admit(b"a", 7) and not w.admit(b"a", 7)
    assert w.admit(b"b", 1) and w.admit(b"c", 1)               # "a" is forgotten: at most two senders
    assert len(w._senders) == 2 and b"a" not in w._senders


def test_a_message_over_the_size_cap_is_refused_whatever_its_frames():
    small = protocol.Codec("secret", max_message_bytes=1000)
    frames = protocol.Codec("secret").encode({"t": "x"}, [b"x" * 400, b"y" * 400, b"z" * 400])
    with pytest.raises(protocol.AuthenticationError, match="maxMessageSize"):
        small.decode(frames)
