"""The driver's side of cluster mode: its application's registration with the master, and heartbeats.

The master answers the first message with the address it sees the driver
connect from. That is the address the executors' containers can dial back
(the docker bridge gateway for a driver on the host, the container address
for a driver inside the compose network), so by default the driver listens
and advertises there; ``zpark.driver.host`` / ``zpark.driver.bindAddress``
override it for unusual networks.
"""
import logging
import queue
import threading

from ..common import messages
from ..common.security import control_proof
from .master_client import MasterClient, MasterUnreachable

log = logging.getLogger("zpark.driver")

HEARTBEAT_SECONDS = 1.0


class StandaloneApp:
    def __init__(self, zmq_context, master_url, codec, name, app_secret, wrapped_app_secret):
        """``app_secret``: the application's own (its proofs to the master are made with it);
        ``wrapped_app_secret``: the same under the cluster secret, for the master to hand its executors."""
        self.zmq = zmq_context
        self.master_url = master_url
        self.codec = codec
        self.name = name
        self._registration = None
        self.client = MasterClient(zmq_context, master_url, codec, "driver")
        try:
            welcome = self.client.request(messages.Hello(name), [messages.Welcome])
        except BaseException:
            self.client.close()
            raise
        self.app_id = welcome.app_id
        self.peer_host = welcome.peer_host
        self.wrapped_app_secret = wrapped_app_secret
        self.proof = control_proof(app_secret, self.app_id)
        self._stop = threading.Event()
        self._thread = None
        self._exits = queue.SimpleQueue()
        self.waiting = None

    def register(self, driver_url, max_executors, executor_conf, ui_url=None):
        """Tell the master where the driver listens; returns how many executors it assigned now."""
        self._registration = messages.AppRegister(self.app_id, driver_url, max_executors, executor_conf,
                                                  self.name, self.wrapped_app_secret, self.proof,
                                                  ui_url=ui_url or "")
        reply = self.client.request(self._registration, [messages.AppRegistered])
        self._report_waiting(reply.waiting)
        return reply.executors

    def _report_waiting(self, reason):
        if reason and reason != self.waiting:
            log.warning("application %s is waiting for executors: %s", self.app_id, reason)
        self.waiting = reason

    def start_heartbeats(self):
        self._thread = threading.Thread(target=self._heartbeat, name="zpark-master-heartbeat", daemon=True)
        self._thread.start()

    def _heartbeat(self):
        client = MasterClient(self.zmq, self.master_url, self.codec, "driver-hb")
        complained = False
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    reply = client.request(messages.AppHeartbeat(self.app_id, self.proof),
                                           [messages.AppHeartbeatOk, messages.UnknownApp], timeout=5.0)
                except MasterUnreachable as exc:
                    if not complained:
                        log.warning("lost contact with the master: %s", exc)
                    complained = True
                    continue
                complained = False
                if isinstance(reply, messages.UnknownApp):
                    # The master restarted: tell it again where this driver listens; the executors
                    # re-register by themselves and keep serving this application.
                    log.warning("the master no longer knows application %s; registering it again", self.app_id)
                    try:
                        reply = client.request(self._registration, [messages.AppRegistered], timeout=5.0)
                    except MasterUnreachable as exc:
                        log.warning("could not register %s again: %s", self.app_id, exc)
                        continue
                self._report_waiting(reply.waiting)
                if isinstance(reply, messages.AppHeartbeatOk):
                    self._note_exits(reply.exits)
        finally:
            client.close()

    def _note_exits(self, exits):
        for item in exits:
            if (type(item) is dict and type(item.get("executor_id")) is str and type(item.get("reason")) is str
                    and type(item.get("caused_by_task")) is bool):
                self._exits.put((item["executor_id"], item["reason"], item["caused_by_task"]))
            else:
                log.warning("ignored a malformed executor exit from the master: %.100r", item)

    def exited(self):
        """Executors whose process ended, as their workers told the master: [(id, reason, task's fault)].

        Read by the driver's loop; it learns of an exit (an OOM kill, a crash) about a second
        after it happens, with its cause, instead of a bare heartbeat timeout seconds later.
        """
        gone = []
        while True:
            try:
                gone.append(self._exits.get_nowait())
            except queue.Empty:
                return gone

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        try:
            self.client.request(messages.AppEnd(self.app_id, self.proof), [messages.AppEnded], timeout=2.0)
        except MasterUnreachable as exc:
            log.warning("could not tell the master that %s ended: %s", self.app_id, exc)
        finally:
            self.client.close()
