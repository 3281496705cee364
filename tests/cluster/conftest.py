"""Real clusters in containers: build the image offline, one compose project per fixture, always torn down."""
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import uuid

import pytest

from zpark.driver.master_client import fetch_status

from waiting import wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGE = "zpark-test:latest"
ZPARK = os.path.join(os.path.dirname(sys.executable), "zpark")


def compose_command():
    """``docker compose`` (v2) where it exists, else Debian's ``docker-compose`` (v1)."""
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/cluster" in str(item.fspath):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def docker_client():
    import docker
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any reason the engine is unusable
        pytest.skip("no usable Docker engine: %s" % exc)
    if compose_command() is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    return client


@pytest.fixture(scope="session")
def zpark_image(docker_client):
    env = dict(os.environ, ZPARK_IMAGE=IMAGE)
    subprocess.run(["bash", "deploy/build-images.sh"], cwd=ROOT, env=env, check=True, timeout=1500)
    return IMAGE


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One compose project: a master and executors, state and data folders of its own."""

    def __init__(self, client, image, root_dir, extra_files=()):
        self.client = client
        self.files = [os.path.join(ROOT, "docker-compose.yml")] + [os.path.join(ROOT, f) for f in extra_files]
        self.project = "zparktest%s" % uuid.uuid4().hex[:8]
        self.state_dir = os.path.join(root_dir, "state")
        self.data_dir = os.path.join(root_dir, "data")
        os.makedirs(self.state_dir)
        os.makedirs(self.data_dir)
        self.port = free_port()
        self.master_url = "tcp://127.0.0.1:%d" % self.port
        self.env = dict(os.environ, ZPARK_IMAGE=image, ZPARK_MASTER_PORT=str(self.port),
                        ZPARK_STATE_DIR=self.state_dir, ZPARK_DATA_DIR=self.data_dir,
                        ZPARK_SECRET_FILE=os.path.join(self.state_dir, "secret"))
        self.env.pop("ZPARK_SECRET", None)
        self.env.pop("ZPARK_MASTER", None)

    def compose(self, *args, timeout=300, check=True):
        files = [arg for path in self.files for arg in ("-f", path)]
        command = compose_command() + ["-p", self.project, *files, *args]
        result = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError("%s failed:\n%s\n%s" % (" ".join(command), result.stdout, result.stderr))
        return result

    def up(self, executors, extra_services=()):
        """``executors`` plain executors, plus one container of each extra service (from extra files)."""
        self.compose("up", "-d", "--scale", "executor=%d" % executors, "master", "executor", *extra_services)
        secret = os.path.join(self.state_dir, "secret")
        wait_for(lambda: os.path.exists(secret) and os.path.getsize(secret) > 0, 60, message="the secret")
        self.wait_for_executors(executors + len(extra_services))

    def down(self):
        for container in self.containers():
            if container.status == "paused":
                container.unpause()
        self.compose("down", "-v", "--remove-orphans", "-t", "2", check=False)

    def secret(self):
        with open(os.path.join(self.state_dir, "secret")) as f:
            return f.read().strip()

    def status(self):
        return fetch_status(self.master_url, self.secret(), timeout=5)

    def wait_for_executors(self, count, free=None, timeout=90):
        def ready():
            try:
                view = self.status()
            except Exception:  # noqa: BLE001 - the master may still be starting
                return False
            executors = view["executors"]
            if len(executors) != count:
                return False
            return free is None or sum(e["state"] == "FREE" for e in executors) == free
        wait_for(ready, timeout, interval=0.2, message="%d executors registered with the master" % count)

    def containers(self, service=None):
        labels = ["com.docker.compose.project=%s" % self.project]
        if service:
            labels.append("com.docker.compose.service=%s" % service)
        return self.client.containers.list(all=True, filters={"label": labels})

    def container_of_host(self, hostname):
        return self.client.containers.get(hostname)

    def network(self):
        return self.client.networks.list(filters={"label": "com.docker.compose.project=%s" % self.project})[0]

    def zpark(self, *args, timeout=120, **kwargs):
        return subprocess.run([ZPARK, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, **kwargs)

    def logs(self, service):
        return "".join(c.logs().decode(errors="replace") for c in self.containers(service))


@contextlib.contextmanager
def running_cluster(client, image, root_dir, executors, extra_files=(), extra_services=()):
    """A cluster up for the block's duration, its secret where this process's drivers look for it."""
    c = Cluster(client, image, root_dir, extra_files)
    previous = os.environ.get("ZPARK_SECRET_FILE")
    os.environ["ZPARK_SECRET_FILE"] = c.env["ZPARK_SECRET_FILE"]
    try:
        c.up(executors, extra_services)
        yield c
    finally:
        c.down()
        if previous is None:
            os.environ.pop("ZPARK_SECRET_FILE", None)
        else:
            os.environ["ZPARK_SECRET_FILE"] = previous


@pytest.fixture(scope="module")
def cluster(docker_client, zpark_image, tmp_path_factory):
    with running_cluster(docker_client, zpark_image, str(tmp_path_factory.mktemp("cluster")), 3) as c:
        yield c


def read_json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]
