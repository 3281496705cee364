"""The master's bookkeeping as a pure state machine: calls in (with "now"), actions out.

Workers are the long-lived executor daemons (one per container). Each serves
at most one application at a time, by running one executor process for it;
applications are served first come, first served, each up to the number of
executors it asked for. An application that gets none waits, and is told why.
No sockets and no clock here, so the rules are unit-tested directly.
"""
import hmac
import itertools
import time
from dataclasses import dataclass, field


@dataclass
class LaunchExecutor:
    worker_id: str
    app_id: str
    executor_id: str
    driver_url: str
    executor_conf: dict
    wrapped_secret: str = ""


@dataclass
class KillApp:
    worker_id: str
    app_id: str


@dataclass
class WorkerInfo:
    worker_id: str
    host: str
    ip: str
    cores: int
    memory: int
    registered: float
    last_seen: float
    app_id: str = None
    executor_id: str = None
    missed: int = 0          # heartbeats in a row saying the worker does not run ``executor_id``


# A worker's heartbeats that may say it runs none of its assigned executor before the master believes
# them: one sent before its launch message arrived says so too.
MISSED_HEARTBEATS = 3


@dataclass
class AppInfo:
    app_id: str
    name: str
    last_seen: float
    driver_url: str = None
    max_executors: int = 0            # 0: as many as there are
    executor_conf: dict = field(default_factory=dict)
    workers: set = field(default_factory=set)
    launched: int = 0
    exits: list = field(default_factory=list)   # executor exits its driver has not been told of yet
    wrapped_secret: str = ""                     # the application's secret, for its executors
    proof: str = ""                              # what its driver shows to act on it (security.control_proof)
    ui_url: str = ""                             # its driver's web UI, for the master's page


def _executor_number(executor_id):
    tail = executor_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class Membership:
    def __init__(self, worker_timeout=6.0, app_timeout=6.0):
        self.worker_timeout = worker_timeout
        self.app_timeout = app_timeout
        self.workers = {}
        self.apps = {}                # in creation order (dicts keep it): first come, first served
        self.finished = []            # (app id, name, reason, ui url), newest last, for the status view
        self._app_numbers = itertools.count()

    # ------------------------------------------------------------ workers

    def register_worker(self, worker_id, host, ip, cores, memory, now, app_id=None, executor_id=None):
        """A worker (re)joins. One that already runs an executor (the master restarted) keeps it:
        its application is adopted, and ends by the usual timeout if its driver never comes back."""
        self._forget_worker(worker_id)
        worker = self.workers[worker_id] = WorkerInfo(worker_id, host, ip, int(cores), int(memory), now, now)
        if app_id is not None and executor_id is not None:
            app = self.apps.get(app_id)
            if app is None:
                app = self.apps[app_id] = AppInfo(app_id, "", now)
            worker.app_id, worker.executor_id = app_id, executor_id
            app.workers.add(worker_id)
            app.launched = max(app.launched, _executor_number(executor_id))
        return self._assign()

    def worker_heartbeat(self, worker_id, now, executor_id=None):
        """(known, actions): known False if the worker must register again.

        ``executor_id`` is what the worker says it runs ("" for nothing; None
        if it does not say). Its report of an executor's end is sent once,
        and a connection cut off before its peer noticed loses it; then the
        master would count on that executor, and keep its application waiting
        for it, forever. When MISSED_HEARTBEATS heartbeats in a row say the
        worker runs something else, its executor is taken as ended.
        """
        worker = self.workers.get(worker_id)
        if worker is None:
            return False, []
        worker.last_seen = now
        if executor_id is None or worker.executor_id is None or executor_id == worker.executor_id:
            worker.missed = 0
            return True, []
        worker.missed += 1
        if worker.missed < MISSED_HEARTBEATS:
            return True, []
        return True, self.executor_exited(worker_id, worker.app_id)

    def executor_exited(self, worker_id, app_id, reason="", caused_by_task=False):
        """The worker's executor process for ``app_id`` ended: the worker is free again, and the
        driver learns how it ended with its next heartbeat (sooner than its own timeout would)."""
        worker = self.workers.get(worker_id)
        if worker is None or worker.app_id != app_id:
            return []
        app = self.apps.get(app_id)
        if app is not None and reason:
            app.exits.append({"executor_id": worker.executor_id, "reason": reason,
                              "caused_by_task": bool(caused_by_task)})
            del app.exits[:-100]
        self._release(worker)
        return self._assign()

    def take_exits(self, app_id):
        """The executor exits not yet reported to ``app_id``'s driver (each is reported once)."""
        app = self.apps.get(app_id)
        if app is None:
            return []
        exits, app.exits = app.exits, []
        return exits

    def _release(self, worker):
        app = self.apps.get(worker.app_id)
        if app is not None:
            app.workers.discard(worker.worker_id)
        worker.app_id = worker.executor_id = None
        worker.missed = 0

    def _forget_worker(self, worker_id):
        worker = self.workers.pop(worker_id, None)
        if worker is not None and worker.app_id is not None:
            self._release(worker)

    # ------------------------------------------------------------ applications

    def new_app(self, name, now, wall_clock=None):
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(wall_clock if wall_clock is not None else 0))
        app_id = "app-%s-%04d" % (stamp, next(self._app_numbers))
        self.apps[app_id] = AppInfo(app_id, name, now)
        return app_id

    def register_app(self, app_id, driver_url, max_executors, executor_conf, now, name=None,
                     wrapped_secret="", proof="", ui_url=""):
        """The driver is listening: start giving it executors. Returns (assigned count, actions), or
        (None, []) when the application was registered before with another proof (not its driver).

        An id the master does not know is adopted: its driver registered with an earlier master
        process (this one restarted) and keeps its executors, which re-register by themselves.
        """
        app = self.apps.get(app_id)
        if app is not None and not self.authorized(app_id, proof):
            return None, []
        if app is None:
            app = self.apps[app_id] = AppInfo(app_id, name or "", now)
        app.proof = proof or app.proof
        app.wrapped_secret = wrapped_secret or app.wrapped_secret
        if name:
            app.name = name
        app.driver_url = driver_url
        app.ui_url = ui_url or app.ui_url
        app.max_executors = int(max_executors or 0)
        app.executor_conf = dict(executor_conf or {})
        app.last_seen = now
        actions = self._assign()
        return len(app.workers), actions

    def authorized(self, app_id, proof):
        """Whether ``proof`` is that of the driver that registered ``app_id`` (any proof for an
        application no driver has claimed yet: a new one, or one adopted after a master restart)."""
        app = self.apps.get(app_id)
        return app is None or not app.proof or hmac.compare_digest(app.proof, proof or "")

    def app_heartbeat(self, app_id, now):
        """False if the master does not know where the driver listens (it must register again)."""
        app = self.apps.get(app_id)
        if app is None or app.driver_url is None:
            return False
        app.last_seen = now
        return True

    def end_app(self, app_id, reason="finished"):
        app = self.apps.pop(app_id, None)
        if app is None:
            return []
        self.finished.append((app_id, app.name, reason, app.ui_url))
        del self.finished[:-20]
        actions = []
        for worker_id in sorted(app.workers):
            worker = self.workers.get(worker_id)
            if worker is not None and worker.app_id == app_id:
                actions.append(KillApp(worker_id, app_id))
                self._release(worker)
        return actions + self._assign()

    def waiting_reason(self, app_id):
        """Why an application has no executor, in words for its user (None if it has some)."""
        app = self.apps.get(app_id)
        if app is None or app.workers:
            return None
        if not self.workers:
            return "no executor has registered with the master yet"
        busy = sorted({w.app_id for w in self.workers.values() if w.app_id})
        return ("all %d executors are busy with other applications (%s); this one is queued and "
                "starts when they finish" % (len(self.workers), ", ".join(busy)))

    # ------------------------------------------------------------ time

    def tick(self, now):
        actions = []
        for worker in list(self.workers.values()):
            if now - worker.last_seen > self.worker_timeout:
                self._forget_worker(worker.worker_id)
        for app in list(self.apps.values()):
            if now - app.last_seen > self.app_timeout:
                actions += self.end_app(app.app_id, "driver stopped heartbeating (%.0fs)"
                                        % (now - app.last_seen))
        return actions + self._assign()

    # ------------------------------------------------------------ scheduling

    def _assign(self):
        actions = []
        free = [w for w in self.workers.values() if w.app_id is None]
        for app in self.apps.values():
            if app.driver_url is None:
                continue
            while free and (not app.max_executors or len(app.workers) < app.max_executors):
                worker = free.pop(0)
                app.launched += 1
                worker.app_id = app.app_id
                worker.executor_id = "%s-exec-%d" % (app.app_id, app.launched)
                app.workers.add(worker.worker_id)
                actions.append(LaunchExecutor(worker.worker_id, app.app_id, worker.executor_id,
                                              app.driver_url, app.executor_conf, app.wrapped_secret))
        return actions

    # ------------------------------------------------------------ the status view

    def status(self, now):
        return {
            "executors": [{"id": w.worker_id, "host": w.host, "ip": w.ip, "cores": w.cores,
                           "memory": w.memory, "state": "BUSY" if w.app_id else "FREE",
                           "app": w.app_id, "executor_id": w.executor_id,
                           "last_heartbeat_age": round(now - w.last_seen, 2)}
                          for w in sorted(self.workers.values(), key=lambda w: w.registered)],
            "applications": [{"id": a.app_id, "name": a.name, "state": "RUNNING" if a.workers else "WAITING",
                              "executors": len(a.workers), "driver": a.driver_url,
                              "max_executors": a.max_executors, "ui_url": a.ui_url}
                             for a in self.apps.values() if a.driver_url],
            "finished": [{"id": i, "name": n, "reason": r, "ui_url": u} for i, n, r, u in reversed(self.finished)],
        }
