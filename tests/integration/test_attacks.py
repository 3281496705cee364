"""Attacks on a running zpark, from loopback: each is refused, nothing is decoded, the next job is exact.

With encryption on (the default) an outsider cannot finish a handshake with
the driver, a block server or the master, so not one frame of it reaches
zpark code; the tests watch the attacker's own socket say so. With it off
(HMAC-only mode) the messages arrive but are refused before decoding: a
wrong application's signature, a stamp seen before. (With it on, CURVE's
per-connection keys and rising nonces are what refuse a replay: a captured
frame cannot be fed into any connection - see common/protocol.py.) Peers that hold a key
(a buggy or compromised executor or driver) can still not act for others:
forged results, a foreign ``app_end``, malformed signed headers.
"""
import logging
import os
import subprocess
import sys
import threading
import time

import psutil
import pytest
import zmq

import zpark
from zpark.common import messages, protocol, security
from zpark.driver.event_log import read_events
from zpark.driver.master_client import MasterClient, fetch_status

from intruder import Intruder
from mini_cluster import MiniCluster
from waiting import wait_for

QUIET = {"zpark.ui.showConsoleProgress": False}


def exact_job(ctx):
    acc = ctx.accumulator(0)
    pairs = ctx.parallelize(range(2000), 8).map(lambda x: acc.add(1) or (x % 10, x)).reduceByKey(lambda a, b: a + b)
    assert dict(pairs.collect()) == {k: sum(range(k, 2000, 10)) for k in range(10)}
    assert acc.value == 2000


def rss_of(pid):
    return psutil.Process(pid).memory_info().rss


# ------------------------------------------------------------------ encryption on: outsiders get nothing

def test_outsiders_cannot_finish_a_handshake_with_the_driver_or_a_block_server(tmp_path):
    with zpark.Context("local[2]", app_name="victim", conf=dict(QUIET)) as other:
        foreign_keys = other._backend.codec.keys           # another application's (valid) keys
        foreign_codec = other._backend.codec
    with zpark.Context("local[2]", app_name="target", conf=dict(QUIET)) as ctx:
        driver = "tcp://127.0.0.1:%d" % ctx._backend.port
        targets = [driver] + [i.block_address for i in ctx.executorInfos()]
        real_executor = ctx.executorInfos()[0].executor_id
        for address in targets:
            for keys, identity in [(None, None), (foreign_keys, None), (foreign_keys, real_executor),
                                   (security.app_keys(security.new_app_secret()), real_executor)]:
                intruder = Intruder(address, identity, keys)
                try:
                    # Signed with the other application's secret: what a replay across applications sends.
                    intruder.send(foreign_codec.encode_message(messages.Register(real_executor, 4, "tcp://x:1")))
                    intruder.send(foreign_codec.encode_message(messages.TaskDone(0, None), [b"x", b""]))
                    intruder.send([b"\x00" * 64] * 3)
                    assert intruder.refused(), (address, identity, intruder.events)
                finally:
                    intruder.close()
        exact_job(ctx)
        assert len(ctx.executorInfos()) == 2
        assert ctx.executorInfos()[0].executor_id == real_executor       # nobody took its identity


def test_a_flood_of_big_frames_from_an_outsider_leaves_memory_where_it_was(tmp_path):
    with zpark.Context("local[2]", app_name="flooded", conf=dict(QUIET)) as ctx:
        executor = ctx.executorInfos()[0]
        targets = [("tcp://127.0.0.1:%d" % ctx._backend.port, os.getpid()), (executor.block_address, executor.pid)]
        exact_job(ctx)
        for address, pid in targets:
            before = rss_of(pid)
            intruder = Intruder(address)
            try:
                big = b"\x01" * (200 << 20)
                intruder.send([big])
                for _ in range(50):
                    intruder.send([b"\x02" * (1 << 20)] * 4)
                del big
                assert intruder.refused(2.0)
            finally:
                intruder.close()
            assert rss_of(pid) - before < 40 << 20, (address, before, rss_of(pid))
        exact_job(ctx)


# ------------------------------------------------------------------ HMAC-only mode: refused before decoding

def test_without_encryption_another_application_s_messages_are_refused_by_signature(tmp_path, caplog):
    conf = dict(QUIET, **{"zpark.network.crypto.enabled": False})
    with zpark.Context("local[2]", app_name="first", conf=conf) as first:
        captured_codec = first._backend.codec
        assert first.parallelize(range(4), 4).map(lambda x: ("first", x)).collect() == [("first", i) for i in range(4)]
    # What a capture of the first application holds: its executors' registers and results.
    captured = [captured_codec.encode_message(messages.Register("exec-1", 4, "tcp://127.0.0.1:1"))]
    captured += [captured_codec.encode_message(messages.TaskDone(t, None), [protocol_pickle(("first", t)), b""])
                 for t in range(8)]
    with zpark.Context("local[2]", app_name="second", conf=conf) as ctx:
        anonymous = Intruder("tcp://127.0.0.1:%d" % ctx._backend.port)
        impostor = Intruder("tcp://127.0.0.1:%d" % ctx._backend.port, "exec-1")   # a live executor's id
        stop = threading.Event()

        def replay():
            while not stop.is_set():
                for frames in captured:
                    anonymous.send(frames)
                    impostor.send(frames)
                time.sleep(0.01)
        with caplog.at_level(logging.WARNING, logger="zpark.driver"):
            thread = threading.Thread(target=replay)
            thread.start()
            try:
                assert ctx.parallelize(range(4), 4).map(lambda x: ("second", x)).collect() == \
                    [("second", i) for i in range(4)]
                exact_job(ctx)
            finally:
                stop.set()
                thread.join()
                _, stolen = impostor.watch(0.5)
                anonymous.close()
                impostor.close()
        assert "bad message signature" in caplog.text
        assert not stolen            # no handover of exec-1's connection: no task reached the impostor
        assert sum("dropped a message" in r.message for r in caplog.records) <= 3   # rate-limited
        assert len(ctx.executorInfos()) == 2


def protocol_pickle(value):
    import pickle
    return pickle.dumps(value, protocol=5)


def test_without_encryption_a_replayed_heartbeat_cannot_keep_a_phantom_executor_alive(tmp_path, caplog):
    conf = dict(QUIET, **{"zpark.network.crypto.enabled": False, "zpark.executor.heartbeatTimeout": 2.0,
                          "zpark.eventLog.dir": str(tmp_path)})
    with zpark.Context("local[2]", app_name="phantom", conf=conf) as ctx:
        codec = ctx._backend.codec                        # the phantom once held the key (say, a dead peer's)
        phantom = Intruder("tcp://127.0.0.1:%d" % ctx._backend.port, "exec-phantom")
        try:
            phantom.send(codec.encode_message(messages.Register("exec-phantom", 1, "tcp://127.0.0.1:1")))
            heartbeat = codec.encode_message(messages.Heartbeat("exec-phantom"))
            phantom.send(heartbeat)
            wait_for(lambda: len(ctx.executorInfos()) == 3, 10, message="the phantom to register")
            with caplog.at_level(logging.WARNING):
                deadline = time.monotonic() + 6
                while time.monotonic() < deadline and len(ctx.executorInfos()) == 3:
                    phantom.send(heartbeat)                     # the same bytes again and again
                    time.sleep(0.1)
            assert len(ctx.executorInfos()) == 2
            assert "replayed" in caplog.text
        finally:
            phantom.close()
        removed = [e for e in read_events(ctx.eventLogPath) if e["event"] == "ExecutorRemoved"]
        assert [e["executor_id"] for e in removed] == ["exec-phantom"] and "heartbeat" in removed[0]["reason"]
        exact_job(ctx)


def test_without_encryption_an_oversized_message_is_cut_off_before_it_is_held(tmp_path):
    conf = dict(QUIET, **{"zpark.network.crypto.enabled": False, "zpark.network.maxMessageSize": "16m"})
    with zpark.Context("local[2]", app_name="oversized", conf=conf) as ctx:
        executor = ctx.executorInfos()[0]
        exact_job(ctx)
        for address, pid in [("tcp://127.0.0.1:%d" % ctx._backend.port, os.getpid()),
                             (executor.block_address, executor.pid)]:
            before = rss_of(pid)
            intruder = Intruder(address)
            try:
                intruder.send([b"\x01" * (200 << 20)])
                intruder.watch(1.5)
            finally:
                intruder.close()
            assert rss_of(pid) - before < 40 << 20, (address, before, rss_of(pid))
        exact_job(ctx)


# ------------------------------------------------------------------ insiders: a peer holding the key

def test_results_forged_by_another_executor_of_the_application_do_not_count(tmp_path):
    with zpark.Context("local[2]", app_name="forged", conf=dict(QUIET)) as ctx:
        codec = ctx._backend.codec
        forger = Intruder("tcp://127.0.0.1:%d" % ctx._backend.port, "exec-forger", codec.keys)
        stop = threading.Event()
        launched = []

        def forge():
            forger.send(codec.encode_message(messages.Register("exec-forger", 1, "tcp://127.0.0.1:1")))
            next_beat = 0
            while not stop.is_set():
                if time.monotonic() > next_beat:
                    forger.send(codec.encode_message(messages.Heartbeat("exec-forger")))
                    next_beat = time.monotonic() + 0.3
                for frames in forger.watch(0.05)[1]:
                    try:
                        items = protocol.unbundle(*codec.decode(frames))
                    except Exception:   # noqa: BLE001 - whatever the driver sends the forger
                        continue
                    for message, _ in items:
                        if isinstance(message, messages.LaunchTask):
                            launched.append(message.task_id)
                            for other in range(message.task_id + 1, message.task_id + 40):
                                forger.send(codec.encode_message(messages.TaskDone(other, None),
                                                                 [protocol_pickle(["forged"]), b""]))
                            forger.send(codec.encode_message(messages.TaskFailedReport(
                                message.task_id, "exception", "the forger gives its own task up")))
        thread = threading.Thread(target=forge)
        thread.start()
        try:
            wait_for(lambda: len(ctx.executorInfos()) == 3, 10, message="the forger to register")
            for _ in range(5):
                assert ctx.parallelize(range(24), 12).map(lambda x: time.sleep(0.05) or x).collect() == list(range(24))
                if launched:
                    break
        finally:
            stop.set()
            thread.join()
            forger.close()
        assert launched, "the forger never got a task to answer"


def test_malformed_messages_from_a_key_holder_leave_the_master_running(mini_cluster):
    cluster = mini_cluster(crypto=True)
    codec = protocol.Codec(cluster.secret, security.cluster_keys(cluster.secret))
    insider = Intruder(cluster.url, "worker-insider", codec.keys)
    try:
        for header in [b"\xc1", protocol.msgpack.packb([1]), protocol.msgpack.packb({"t": "w_register", "cores": "x"}),
                       protocol.msgpack.packb({"t": "app_end", "app_id": 7})]:
            insider.send(codec.encode_packed(header))
        insider.send(codec.encode_message(messages.StatusRequest(request_id=1)))
        _, received = insider.watch(1.5)
        answers = [codec.decode(f)[0] for f in received if f[0] != protocol.REFUSED]
        assert [a["t"] for a in answers].count("status_report") == 1
    finally:
        insider.close()
    cluster.run_exact_job(exact_job)


def test_only_the_driver_that_registered_an_application_can_end_it(mini_cluster):
    cluster = mini_cluster(crypto=True)
    with cluster.context("tenant") as ctx:
        exact_job(ctx)
        codec = protocol.Codec(cluster.secret, security.cluster_keys(cluster.secret))
        context = zmq.Context()
        context.linger = 0
        other = MasterClient(context, cluster.url, codec, "other-tenant")
        try:
            for proof in ["", "00" * 32, security.control_proof(security.new_app_secret(), ctx.applicationId)]:
                with pytest.raises(zpark.ZparkError, match="refused"):
                    other.request(messages.AppEnd(ctx.applicationId, proof), [messages.AppEnded])
                with pytest.raises(zpark.ZparkError, match="refused"):
                    other.request(messages.AppRegister(ctx.applicationId, "tcp://127.0.0.1:1", 0, {}, "hijack",
                                                       security.wrap(cluster.secret, security.new_app_secret()),
                                                       proof), [messages.AppRegistered])
        finally:
            other.close()
            context.term()
        view = fetch_status(cluster.url, cluster.secret)
        assert [a["id"] for a in view["applications"]] == [ctx.applicationId]
        assert all(e["app"] == ctx.applicationId for e in view["executors"])
        exact_job(ctx)
        assert len(ctx.executorInfos()) == 2


def test_without_encryption_a_replayed_worker_registration_diverts_nothing(mini_cluster):
    cluster = mini_cluster(crypto=False)
    codec = protocol.Codec(cluster.secret)                       # the capture was of a real worker's messages
    register = codec.encode_message(messages.WorkerRegister("worker-ghost", "ghost", "127.0.0.1", 1, 1 << 30))
    heartbeat = codec.encode_message(messages.WorkerHeartbeat("worker-ghost"))
    ghost = Intruder(cluster.url, "worker-ghost")
    try:
        ghost.send(register)
        ghost.send(heartbeat)
        wait_for(lambda: len(fetch_status(cluster.url, cluster.secret, crypto=False)["executors"]) == 3, 10,
                 message="the original registration")
        stop = threading.Event()

        def replay():                                            # the attacker replays what it saw
            while not stop.is_set():
                replayer = Intruder(cluster.url, "worker-ghost-%d" % time.monotonic_ns())
                replayer.send(register)
                replayer.send(heartbeat)
                replayer.watch(0.2)
                replayer.close()
        thread = threading.Thread(target=replay)
        thread.start()
        try:
            wait_for(lambda: len(fetch_status(cluster.url, cluster.secret, crypto=False)["executors"]) == 2, 10,
                     message="the ghost to be dropped for silence while its messages are replayed")
        finally:
            stop.set()
            thread.join()
    finally:
        ghost.close()
    cluster.run_exact_job(exact_job, crypto=False)


@pytest.fixture
def mini_cluster(tmp_path):
    started = []
    previous = os.environ.get("ZPARK_SECRET_FILE")

    def start(crypto):
        cluster = MiniCluster(str(tmp_path / ("cluster-%d" % len(started))), crypto)
        started.append(cluster)
        return cluster
    try:
        yield start
    finally:
        for cluster in started:
            cluster.stop()
        if previous is None:
            os.environ.pop("ZPARK_SECRET_FILE", None)
        else:
            os.environ["ZPARK_SECRET_FILE"] = previous


def test_a_task_thread_s_connection_can_only_report_tasks(tmp_path, caplog):
    """An executor's task threads answer on connections of their own (``<executor id>#<n>``); such a
    connection cannot register an executor or stand in for one's heartbeat or fatal report."""
    with zpark.Context("local[2]", app_name="task-threads", conf=dict(QUIET)) as ctx:
        codec = ctx._backend.codec
        sender = Intruder("tcp://127.0.0.1:%d" % ctx._backend.port, "exec-9#0", codec.keys)
        try:
            with caplog.at_level(logging.WARNING, logger="zpark.driver"):
                sender.send(codec.encode_message(messages.Register("exec-9", 1, "tcp://127.0.0.1:1")))
                sender.send(codec.encode_message(messages.ExecutorFatal("not from a task thread", False)))
                wait_for(lambda: "dropped a message from 'exec-9#0'" in caplog.text, 10,
                         message="the driver to refuse the task thread's register")
        finally:
            sender.close()
        assert sorted(i.executor_id for i in ctx.executorInfos()) == ["exec-1", "exec-2"]
        exact_job(ctx)
