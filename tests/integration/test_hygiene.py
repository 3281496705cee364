"""Secrets and files stay with their owner: no secret in an executor's environment, owner-only files."""
import os
import stat

import zpark


def test_executors_hold_no_secret_in_their_environment_and_write_owner_only_files(tmp_path):
    events = tmp_path / "events"
    with zpark.Context("local[2]", app_name="hygiene", conf={"zpark.eventLog.dir": str(events)}) as ctx:
        counts = ctx.parallelize(range(1000), 4).map(lambda x: (x % 7, 1)).reduceByKey(lambda a, b: a + b)
        counts.cache()
        assert sorted(counts.collect())[0] == (0, 143)
        for info in ctx.executorInfos():
            with open("/proc/%d/environ" % info.pid, "rb") as f:
                environ = f.read().split(b"\0")
            assert not [e for e in environ if e.startswith(b"ZPARK_SECRET")], info.executor_id
            for folder, dirs, files in os.walk(info.work_dir):
                assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
                for name in files:
                    mode = stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode)
                    assert mode == 0o600, (name, oct(mode))
        root = ctx._work_root
        assert not [n for n in os.listdir(root) if n.startswith(".secret-")]   # read and deleted
        log = ctx.eventLogPath
        assert stat.S_IMODE(os.stat(log).st_mode) == 0o600


def test_signed_malformed_messages_to_driver_and_block_servers_are_refused_and_nothing_stops(tmp_path):
    import zmq
    from zpark.common import protocol

    conf = {"zpark.eventLog.dir": str(tmp_path), "zpark.shuffle.readHostLocalDisk": False}  # reducers fetch
    with zpark.Context("local[2]", app_name="malformed", conf=conf) as ctx:
        codec = ctx._backend.codec
        context = zmq.Context()
        context.linger = 0
        targets = ["tcp://127.0.0.1:%d" % ctx._backend.port] + [i.block_address for i in ctx.executorInfos()]
        try:
            for address in targets:
                sock = protocol.connect_dealer(context, address, "intruder-with-the-secret", codec.keys)
                bad_headers = [b"\xc1\xc1", protocol.msgpack.packb([1, 2]), protocol.msgpack.packb("x"),
                               protocol.msgpack.packb({"t": "register", "executor_id": 5}),
                               protocol.msgpack.packb({"t": "bundle", "items": [{"t": "kill"}], "frames": [9]})]
                for header in bad_headers:
                    sock.send_multipart(codec.encode_packed(header))   # as the codec frames it, malformed inside
                sock.close(0)
        finally:
            context.term()
        import time
        started = time.monotonic()
        assert ctx.parallelize(range(100), 4).map(lambda x: (x % 3, x)).reduceByKey(
            lambda a, b: a + b).collectAsMap() == {0: 1683, 1: 1617, 2: 1650}
        assert time.monotonic() - started < 20     # no block server died (a fetch would wait 60 s)
        assert len(ctx.executorInfos()) == 2
