"""A real cluster in containers: submit from the host and from inside, kill/pause/cut executors, kill drivers.

Every job checks the exact answer and exact accumulator values. Faults are
injected from outside with the Docker SDK, at moments the job itself reports
through marker files on the shared data volume (TaskContext says which
partition, attempt and container), so nothing depends on timing luck.
"""
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from operator import add

import pytest
import zmq

import zpark
from zpark import TaskContext
from zpark.common import security
from zpark.driver.event_log import read_events
from zpark.driver.master_client import MasterUnreachable, fetch_status

from intruder import Intruder
from waiting import wait_for

FAST = {"zpark.executor.heartbeatTimeout": 3.0, "zpark.ui.showConsoleProgress": False}

WORDS = ["w%d" % i for i in range(40)]


def context(cluster, tmp_path, **conf):
    values = dict(FAST, **{"zpark.eventLog.dir": str(tmp_path / "events")})
    values.update(conf)
    return zpark.Context(master=cluster.master_url, app_name="cluster-test", conf=values)


def write_words(folder, files=4, lines=300, seed=3):
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(seed)
    text = []
    for i in range(files):
        chunk = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12))) for _ in range(lines)]
        with open(os.path.join(folder, "part-%d.txt" % i), "w") as f:
            f.write("\n".join(chunk) + "\n")
        text += chunk
    return Counter(w for line in text for w in line.split())


class Marker:
    """A file on the shared volume a task writes to say "I am here" (with its container's hostname)."""

    def __init__(self, cluster, name):
        self.path = os.path.join(cluster.data_dir, "marker-%s-%d" % (name, time.monotonic_ns()))

    def hostname(self, timeout=60):
        wait_for(lambda: os.path.exists(self.path), timeout, message="marker %s" % self.path)
        with open(self.path) as f:
            return f.read().strip()

    def release_path(self):
        return self.path + ".go"

    def release(self):
        open(self.release_path(), "w").close()


def pause_here(marker_path, release_path=None, seconds=60):
    """Inside a task: announce the container, then wait (to be killed, frozen or released)."""
    with open(marker_path + ".tmp", "w") as f:
        f.write(socket.gethostname())
    os.replace(marker_path + ".tmp", marker_path)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if release_path and os.path.exists(release_path):
            return
        time.sleep(0.05)


def counting_wordcount(ctx, folder, inject=None, reduce_inject=None):
    lines_seen = ctx.accumulator(0)

    def split(line):
        lines_seen.add(1)
        if inject:
            inject(TaskContext.get())
        return line.split()

    counts = ctx.textFile(folder, minPartitions=6).flatMap(split).map(lambda w: (w, 1)).reduceByKey(add, 3)
    if reduce_inject:
        def guarded(index, iterator):
            reduce_inject(TaskContext.get())
            return iterator
        counts = counts.mapPartitionsWithIndex(guarded)
    return counts, lines_seen


class BackgroundCollect:
    """``rdd.collect()`` as a dict on a thread, so the test can inject a fault while it runs."""

    def __init__(self, rdd):
        self._outcome = {}
        self._thread = threading.Thread(target=self._run, args=(rdd,), daemon=True)
        self._thread.start()

    def _run(self, rdd):
        try:
            self._outcome["value"] = dict(rdd.collect())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            self._outcome["error"] = exc

    def result(self, timeout=120):
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the job did not finish within %ds" % timeout
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome["value"]


def wait_for_rejoin(ctx, cluster):
    """All three executors in the application again; if not, the master's and executors' logs say why."""
    try:
        wait_for(lambda: len(ctx.executorInfos()) == 3, 60, message="the executor to rejoin")
    except AssertionError as exc:
        raise AssertionError("%s\n--- master log (end) ---\n%s\n--- executor logs (end) ---\n%s" % (
            exc, cluster.logs("master")[-4000:], cluster.logs("executor")[-8000:])) from None


def assert_rejoins_and_takes_tasks(ctx, cluster, container):
    """The executor in ``container`` comes back into this running application and gets tasks."""
    wait_for_rejoin(ctx, cluster)
    hosts = set(ctx.parallelize(range(60), 60).map(lambda _: time.sleep(0.05) or socket.gethostname()).collect())
    assert container.attrs["Config"]["Hostname"] in hosts


def first_attempt_of(partition, tc):
    return tc.partitionId() == partition and tc.attemptNumber() == 0 and tc.stageAttemptNumber() == 0


# ------------------------------------------------------------------------------------------ 1

def test_status_lists_the_executors_and_wordcount_submitted_from_the_host_is_exact(cluster):
    out = cluster.zpark("status", "--master", cluster.master_url)
    assert out.returncode == 0, out.stderr
    assert "executors     3 (0 busy)" in out.stdout
    view = json.loads(cluster.zpark("status", "--master", cluster.master_url, "--json").stdout)
    assert len(view["executors"]) == 3 and all(e["cores"] >= 1 and e["memory"] > 0 for e in view["executors"])
    folder = os.path.join(cluster.data_dir, "words")
    expected = write_words(folder)
    script = os.path.join(cluster.data_dir, "count_words.py")
    with open(script, "w") as f:
        f.write("import json, sys, zpark\n"
                "from operator import add\n"
                "with zpark.Context(app_name='wordcount') as ctx:\n"
                "    counts = ctx.textFile(sys.argv[1]).flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add)\n"
                "    print(json.dumps(dict(counts.collect())))\n"
                "    loaded = ctx.parallelize(range(6), 6).map(\n"
                "        lambda _: __import__('zpark.common.native', fromlist=['extension']).extension is not None)\n"
                "    print(json.dumps({'executors': len(ctx.executorInfos()), 'native': all(loaded.collect())}))\n")
    out = cluster.zpark("submit", "--master", cluster.master_url, script, folder)
    assert out.returncode == 0, out.stderr
    result, info = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert result == expected and info == {"executors": 3, "native": True}   # the image has the compiled extension
    # The same job from a driver inside the compose network.
    out = cluster.compose("run", "--rm", "submit", script, folder, timeout=180)
    result = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")][0]
    assert result == expected
    cluster.wait_for_executors(3, free=3)


# ------------------------------------------------------------------------------------------ 2

def test_docker_kill_during_the_map_stage_then_the_restarted_executor_takes_tasks(cluster, tmp_path):
    folder = os.path.join(cluster.data_dir, "words2")
    expected = write_words(folder, seed=5)
    marker = Marker(cluster, "map")
    path = marker.path

    def inject(tc):
        if first_attempt_of(2, tc):
            pause_here(path)
    with context(cluster, tmp_path) as ctx:
        counts, lines_seen = counting_wordcount(ctx, folder, inject)
        job = BackgroundCollect(counts)
        victim = cluster.container_of_host(marker.hostname())
        victim.kill()
        assert job.result() == expected
        assert lines_seen.value == 1200
        removed = [e for e in read_events(ctx.eventLogPath) if e["event"] == "ExecutorRemoved"]
        assert len(removed) == 1 and "heartbeat" in removed[0]["reason"]
        # Started again, it registers with the master and joins this running application.
        victim.start()
        assert_rejoins_and_takes_tasks(ctx, cluster, victim)
    cluster.wait_for_executors(3, free=3)


def test_docker_kill_during_the_reduce_stage_recomputes_lost_map_outputs(cluster, tmp_path):
    folder = os.path.join(cluster.data_dir, "words3")
    expected = write_words(folder, seed=6)
    marker = Marker(cluster, "reduce")
    path, release = marker.path, marker.release_path()

    def reduce_inject(tc):
        if first_attempt_of(0, tc):
            pause_here(path, release)
    with context(cluster, tmp_path) as ctx:
        counts, lines_seen = counting_wordcount(ctx, folder, reduce_inject=reduce_inject)
        job = BackgroundCollect(counts)
        reducer_host = marker.hostname()
        by_host = {i.host: i.executor_id for i in ctx.executorInfos()}

        def map_output_holders():  # the event log is flushed every few ms: wait for the map stage's ends
            holders = {e["executor_id"] for e in read_events(ctx.eventLogPath)
                       if e["event"] == "TaskEnd" and e["reason"] == "success"}
            return [h for h, eid in sorted(by_host.items()) if h != reducer_host and eid in holders]
        victim_host = wait_for(map_output_holders, 10, message="map outputs on another executor")[0]
        cluster.container_of_host(victim_host).kill()
        marker.release()
        assert job.result() == expected
        assert lines_seen.value == 1200
        events = read_events(ctx.eventLogPath)
        assert any("fetch failed" in e.get("reason", "") or "lost" in e.get("reason", "")
                   for e in events if e["event"] == "TaskEnd")
        assert [e for e in events if e["event"] == "StageSubmitted" and e["stage_attempt"] > 0]
    cluster.container_of_host(victim_host).start()
    cluster.wait_for_executors(3, free=3)


def test_killing_the_executor_process_inside_a_container_is_revived_by_the_restart_policy(cluster, tmp_path):
    folder = os.path.join(cluster.data_dir, "words4")
    expected = write_words(folder, seed=7)
    marker = Marker(cluster, "crash")
    path = marker.path

    def inject(tc):
        if first_attempt_of(1, tc):
            pause_here(path)
    with context(cluster, tmp_path) as ctx:
        counts, lines_seen = counting_wordcount(ctx, folder, inject)
        job = BackgroundCollect(counts)
        victim = cluster.container_of_host(marker.hostname())
        restarts = victim.attrs["RestartCount"]
        kill_daemon = ("import os\n"
                       "for p in filter(str.isdigit, os.listdir('/proc')):\n"
                       "    cmd = open('/proc/%s/cmdline' % p, 'rb').read().replace(b'\\0', b' ')\n"
                       "    if b'zpark executor' in cmd: os.kill(int(p), 9)\n")
        victim.exec_run(["python3", "-c", kill_daemon])
        assert job.result() == expected and lines_seen.value == 1200

        def revived():
            victim.reload()
            return victim.attrs["RestartCount"] > restarts and victim.status == "running"
        wait_for(revived, 60, message="the restart policy to revive the container")
        assert_rejoins_and_takes_tasks(ctx, cluster, victim)
    cluster.wait_for_executors(3, free=3)


# ------------------------------------------------------------------------------------------ 3, 4

@pytest.mark.parametrize("fault", ["network_disconnect", "pause"])
def test_a_cut_off_or_frozen_executor_is_declared_lost_and_rejoins(cluster, tmp_path, fault):
    folder = os.path.join(cluster.data_dir, "words-" + fault)
    expected = write_words(folder, seed=8)
    marker = Marker(cluster, fault)
    path = marker.path

    def inject(tc):
        if first_attempt_of(3, tc):
            pause_here(path, seconds=20)
    with context(cluster, tmp_path) as ctx:
        counts, lines_seen = counting_wordcount(ctx, folder, inject)
        job = BackgroundCollect(counts)
        victim = cluster.container_of_host(marker.hostname())
        network = cluster.network()
        started = time.monotonic()
        if fault == "pause":
            victim.pause()
        else:
            network.disconnect(victim)
        try:
            assert job.result() == expected and lines_seen.value == 1200
            removed = [e for e in read_events(ctx.eventLogPath) if e["event"] == "ExecutorRemoved"]
            assert len(removed) == 1 and "heartbeat" in removed[0]["reason"]
            assert time.monotonic() - started < 60
        finally:
            if fault == "pause":
                victim.unpause()
            else:
                network.connect(victim)
        wait_for_rejoin(ctx, cluster)
        assert ctx.parallelize(range(100), 12).map(lambda x: x * 2).sum() == 9900
    cluster.wait_for_executors(3, free=3)


# ------------------------------------------------------------------------------------------ 5

def work_dir_bytes(container):
    code, out = container.exec_run(["du", "-sb", "/tmp/zpark-work"])
    return int(out.split()[0]) if code == 0 else 0


def app_dirs(container):
    """Application folders (shuffle files, cached blocks) left in an executor's work directory."""
    code, out = container.exec_run(["ls", "-A", "/tmp/zpark-work"])
    return out.decode().split() if code == 0 else []


def test_a_killed_driver_s_application_is_cleaned_up_and_the_next_one_runs(cluster, tmp_path):
    executors = cluster.containers("executor")
    # Earlier applications' folders are deleted just after their executors are freed: wait for that.
    wait_for(lambda: not any(app_dirs(c) for c in executors), 30, message="earlier applications' files to go")
    before = {c.name: work_dir_bytes(c) for c in executors}
    marker = Marker(cluster, "driver")
    script = tmp_path / "long_job.py"
    script.write_text(
        "import os, time, zpark\n"
        "from zpark import TaskContext\n"
        "with zpark.Context(app_name='doomed') as ctx:\n"
        "    data = ctx.parallelize(range(30000), 6).map(lambda x: (x %% 100, 'x' * 50)).groupByKey(6).cache()\n"
        "    data.count()\n"
        "    def slow(x):\n"
        "        if TaskContext.get().partitionId() == 0:\n"
        "            open(%r, 'w').write('started')\n"
        "        time.sleep(0.5)\n"
        "        return x\n"
        "    data.map(slow).count()\n" % marker.path)
    driver = subprocess.Popen([sys.executable, "-m", "zpark.cli", "submit", "--master", cluster.master_url,
                               str(script)], env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: os.path.exists(marker.path), 90, message="the doomed job to run")
        during = {c.name: work_dir_bytes(c) for c in executors}
        assert sum(during.values()) > sum(before.values())  # shuffle files and cached blocks exist
        driver.kill()
        driver.wait(10)
    finally:
        if driver.poll() is None:
            driver.kill()
    cluster.wait_for_executors(3, free=3, timeout=60)
    wait_for(lambda: not cluster.status()["applications"], 30, message="the application to be dropped")
    wait_for(lambda: not any(app_dirs(c) for c in executors), 30, message="the application's files to go")
    after = {c.name: work_dir_bytes(c) for c in executors}
    assert after == before, (before, during, after)
    assert any("doomed" == a["name"] and "heartbeat" in a["reason"] for a in cluster.status()["finished"])
    with context(cluster, tmp_path) as ctx:
        acc = ctx.accumulator(0)
        assert ctx.parallelize(range(1000), 9).map(lambda x: acc.add(1) or x).sum() == 499500
        assert acc.value == 1000 and len(ctx.executorInfos()) == 3


# ------------------------------------------------------------------------------------------ 6

def test_wrong_secrets_and_garbage_are_refused_and_the_cluster_carries_on(cluster, tmp_path):
    with pytest.raises(MasterUnreachable, match="refused this client"):
        fetch_status(cluster.master_url, "not-the-secret")
    env = dict(cluster.env, ZPARK_SECRET="not-the-secret")
    out = subprocess.run([sys.executable, "-m", "zpark.cli", "status", "--master", cluster.master_url],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "refused" in out.stderr and "secret" in out.stderr

    with context(cluster, tmp_path) as ctx:
        driver_port = ctx._backend.port
        driver_host = ctx._standalone.peer_host
        block_servers = [i.block_address for i in ctx.executorInfos()]
        targets = ["tcp://127.0.0.1:%d" % cluster.port, "tcp://%s:%d" % (driver_host, driver_port)] + block_servers
        other_app = security.app_keys(security.new_app_secret())
        for target in targets:        # nobody without the keys finishes a handshake, whatever it claims
            for keys, identity in [(None, None), (other_app, None), (other_app, ctx.executorInfos()[0].executor_id),
                                   (security.cluster_keys("not-the-secret"), None)]:
                intruder = Intruder(target, identity, keys)
                try:
                    intruder.send([b"\x00" * 64] * 3)
                    intruder.send([b"\x01" * (8 << 20)])
                    assert intruder.refused(), (target, identity, intruder.events)
                finally:
                    intruder.close()
        rng = random.Random(1)
        zctx = zmq.Context()
        zctx.linger = 0
        try:
            for target in targets:
                host, port = target[6:].rsplit(":", 1)
                with socket.create_connection((host, int(port)), timeout=5) as raw:
                    raw.sendall(bytes(rng.randrange(256) for _ in range(4096)))
                dealer = zctx.socket(zmq.DEALER)
                dealer.setsockopt(zmq.SNDTIMEO, 2000)   # a refused handshake can leave it no pipe to send on
                dealer.connect(target)
                try:
                    for n in range(1, 5):
                        dealer.send_multipart([bytes(rng.randrange(256) for _ in range(64)) for _ in range(n)])
                except zmq.Again:
                    pass                                 # nothing delivered: the target refused every handshake
                finally:
                    dealer.close()
        finally:
            zctx.term()
        acc = ctx.accumulator(0)
        pairs = ctx.parallelize(range(2000), 8).map(lambda x: acc.add(1) or (x % 10, x)).reduceByKey(add)
        assert dict(pairs.collect()) == {k: sum(range(k, 2000, 10)) for k in range(10)}
        assert acc.value == 2000 and len(ctx.executorInfos()) == 3
    assert len(cluster.status()["executors"]) == 3
    cluster.wait_for_executors(3, free=3)


# ------------------------------------------------------------------------------------------ 7

def test_two_applications_at_once_are_both_exact(cluster, tmp_path):
    scripts = []
    for n in (1, 2):
        script = tmp_path / ("app%d.py" % n)
        script.write_text(
            "import json, time, zpark\n"
            "from operator import add\n"
            "with zpark.Context(app_name='app%d') as ctx:\n"
            "    acc = ctx.accumulator(0)\n"
            "    def f(x):\n"
            "        acc.add(1)\n"
            "        time.sleep(0.002)\n"
            "        return (x %% %d, x)\n"
            "    result = dict(ctx.parallelize(range(3000), 12).map(f).reduceByKey(add, 4).collect())\n"
            "    print(json.dumps({'result': result, 'acc': acc.value}))\n" % (n, 5 + n))
        scripts.append(script)
    drivers = [subprocess.Popen([sys.executable, "-m", "zpark.cli", "submit", "--master", cluster.master_url,
                                 str(s)], env=cluster.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for s in scripts]
    outputs = [d.communicate(timeout=180) for d in drivers]
    for n, (driver, (out, err)) in enumerate(zip(drivers, outputs), start=1):
        assert driver.returncode == 0, err
        got = json.loads([l for l in out.splitlines() if l.startswith("{")][0])
        modulus = 5 + n
        assert {int(k): v for k, v in got["result"].items()} == {
            k: sum(range(k, 3000, modulus)) for k in range(modulus)}
        assert got["acc"] == 3000
    cluster.wait_for_executors(3, free=3)


def test_a_master_restarted_mid_job_leaves_running_applications_their_executors(cluster, tmp_path):
    folder = os.path.join(cluster.data_dir, "words-master-restart")
    expected = write_words(folder, seed=12)
    marker = Marker(cluster, "master-restart")
    path, release = marker.path, marker.release_path()

    def inject(tc):
        if first_attempt_of(2, tc):
            pause_here(path, release, seconds=90)       # the job is mid-way while the master restarts
    with context(cluster, tmp_path) as ctx:
        counts, lines_seen = counting_wordcount(ctx, folder, inject)
        job = BackgroundCollect(counts)
        marker.hostname()
        (master,) = cluster.containers("master")
        master.restart(timeout=5)
        # the workers and the driver register again with the new master process, keeping their executors
        def known_again():
            try:
                return [a for a in cluster.status()["applications"]
                        if a["id"] == ctx.applicationId and a["executors"] == 3]
            except MasterUnreachable:
                return None                               # still restarting
        wait_for(known_again, 60, message="the application to be known again with its 3 executors")
        marker.release()
        assert job.result() == expected and lines_seen.value == 1200
        removed = [e for e in read_events(ctx.eventLogPath) if e["event"] == "ExecutorRemoved"]
        assert removed == []                           # nobody lost an executor to the restart
    # a new application gets the executors afterwards
    cluster.wait_for_executors(3, free=3)
    with context(cluster, tmp_path / "next") as ctx:
        assert ctx.parallelize(range(100), 6).map(lambda x: x * 3).sum() == 14850
