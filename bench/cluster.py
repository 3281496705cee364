"""The optional compose-cluster run of zpark: a master and 2 executor containers on this machine.

    bash bench/run.sh --cluster [--engines zpark-cluster,plain] ...

Builds the image with deploy/build-images.sh, starts its own compose project
(master on a free loopback port, 2 executors of 1 core), points the
``zpark-cluster`` engine's drivers at it through ZPARK_MASTER and
ZPARK_SECRET_FILE, and always takes the project down afterwards. The driver
runs on the host, as `zpark submit` from a laptop would.
"""
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = "zpark-bench:latest"


def compose_command():
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise SystemExit("--cluster needs `docker compose` or `docker-compose`")


@contextlib.contextmanager
def compose_cluster(data_dir, executors=2):
    """Yields the environment for drivers of a fresh compose cluster; removes it on the way out."""
    subprocess.run(["bash", "deploy/build-images.sh"], cwd=ROOT, check=True,
                   env=dict(os.environ, ZPARK_IMAGE=IMAGE))
    state = tempfile.mkdtemp(prefix="zpark-bench-state-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    project = "zparkbench%s" % uuid.uuid4().hex[:8]
    env = dict(os.environ, ZPARK_IMAGE=IMAGE, ZPARK_MASTER_PORT=str(port), ZPARK_STATE_DIR=state,
               ZPARK_DATA_DIR=os.path.abspath(data_dir))
    compose = compose_command() + ["-p", project, "-f", os.path.join(ROOT, "docker-compose.yml")]
    try:
        subprocess.run(compose + ["up", "-d", "--scale", "executor=%d" % executors, "master", "executor"],
                       cwd=ROOT, env=env, check=True)
        secret_file = os.path.join(state, "secret")
        _wait_for_executors("tcp://127.0.0.1:%d" % port, secret_file, executors)
        yield {"ZPARK_MASTER": "tcp://127.0.0.1:%d" % port, "ZPARK_SECRET_FILE": secret_file}
    finally:
        subprocess.run(compose + ["down", "-v", "--remove-orphans", "-t", "2"], cwd=ROOT, env=env)
        shutil.rmtree(state, ignore_errors=True)


def _wait_for_executors(master, secret_file, count, timeout=120):
    from zpark.driver.master_client import fetch_status
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(secret_file) as f:
                status = fetch_status(master, f.read().strip(), timeout=2)
            if sum(e["state"] == "FREE" for e in status["executors"]) == count:
                return
        except Exception:  # noqa: BLE001 - the master may still be starting
            pass
        time.sleep(0.5)
    raise SystemExit("the compose cluster did not get %d free executors in %ds" % (count, timeout))
