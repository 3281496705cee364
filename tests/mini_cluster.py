"""``zpark master`` and two ``zpark executor`` daemons as local processes: a cluster on loopback."""
import os
import socket
import subprocess
import sys

import zpark
from zpark.driver.master_client import fetch_status

from waiting import wait_for


class MiniCluster:
    """``zpark master`` and two ``zpark executor`` daemons as local processes (no containers)."""

    def __init__(self, root, crypto, ui_port=-1):
        self.root = root
        self.crypto = crypto
        self.state = os.path.join(root, "state")
        os.makedirs(self.state)
        with socket_port() as port:
            self.port = port
        self.url = "tcp://127.0.0.1:%d" % self.port
        flag = "--crypto" if crypto else "--no-crypto"
        self.env = dict(os.environ)
        self.env.pop("ZPARK_SECRET", None)
        self.processes = [subprocess.Popen(
            [sys.executable, "-m", "zpark.cli", "master", "--port", str(self.port), "--state-dir", self.state,
             "--worker-timeout", "2", "--app-timeout", "3", "--ui-port", str(ui_port), flag], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)]
        self.secret = wait_for(self._written_secret, 20, message="the secret")
        for n in range(2):
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "zpark.cli", "executor", "--master", self.url, "--state-dir", self.state,
                 "--work-dir", os.path.join(root, "work-%d" % n), "--block-host", "127.0.0.1", flag], env=self.env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(lambda: self._free() == 2, 30, interval=0.2, message="two executors")

    def _written_secret(self):
        """The secret once the master has written it (the file exists a moment before it has content)."""
        try:
            with open(os.path.join(self.state, "secret")) as f:
                return f.read().strip()
        except FileNotFoundError:
            return None

    def _free(self):
        try:
            view = fetch_status(self.url, self.secret, 2, self.crypto)
        except zpark.ZparkError:
            return 0
        return sum(e["state"] == "FREE" for e in view["executors"])

    def context(self, name, crypto=None, **conf):
        os.environ["ZPARK_SECRET_FILE"] = os.path.join(self.state, "secret")
        settings = {"zpark.ui.showConsoleProgress": False,
                    "zpark.network.crypto.enabled": self.crypto if crypto is None else crypto}
        settings.update(conf)
        return zpark.Context(master=self.url, app_name=name, conf=settings)

    def run_exact_job(self, check, crypto=None):
        """Once both executors are free again, ``check(ctx)`` on a new application."""
        assert self.processes[0].poll() is None, "the master died"
        wait_for(lambda: self._free() == 2, 30, interval=0.2, message="both executors free")
        with self.context("after-the-attack", crypto) as ctx:
            check(ctx)

    def stop(self):
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class socket_port:
    """A port free a moment ago (for a process to bind next)."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()
