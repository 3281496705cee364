"""The master process (``zpark master``): one ROUTER socket, one thread, the Membership rules.

Three kinds of peers talk to it - workers (executor daemons), drivers and
status clients - all with signed messages. A message that fails the signature
check is never decoded: the master logs who sent it and answers with an
unsigned refusal, so a client with the wrong secret learns why at once.
"""
import logging
import time

import zmq

from ..common import protocol
from ..common.secret import load_or_create
from .membership import KillApp, LaunchExecutor, Membership

log = logging.getLogger("zpark.master")

REFUSED = b"zpark-refused"
TICK_SECONDS = 0.25


def peer_address(frame):
    """The IP a connection comes from, as the master sees it (how a driver learns its own address)."""
    try:
        return frame.get("Peer-Address")
    except (zmq.ZMQError, AttributeError, UnicodeDecodeError):
        return None


class MasterServer:
    def __init__(self, secret, host="0.0.0.0", port=7077, worker_timeout=6.0, app_timeout=6.0):
        self.codec = protocol.Codec(secret)
        self.zmq = zmq.Context()
        self.zmq.linger = 0
        # Control messages only: a small size cap bounds what an unauthenticated peer can make us hold.
        self.socket, self.port = protocol.bind_router(self.zmq, host, port, max_message_bytes=1 << 20)
        self.membership = Membership(worker_timeout, app_timeout)
        self.worker_sockets = {}       # worker id -> routing identity
        self._stopping = False

    def serve_forever(self):
        log.info("zpark master listening on port %d", self.port)
        next_tick = 0.0
        try:
            while not self._stopping:
                if self.socket.poll(int(TICK_SECONDS * 1000)):
                    self._drain()
                now = time.monotonic()
                if now >= next_tick:
                    next_tick = now + TICK_SECONDS
                    self._act(self.membership.tick(now))
        finally:
            self.socket.close(0)
            self.zmq.term()

    def stop(self):
        self._stopping = True

    # ------------------------------------------------------------ messages in

    def _drain(self):
        for _ in range(1000):
            try:
                frames = self.socket.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            identity, body = frames[0].bytes, frames[1:]
            peer = peer_address(frames[-1]) or "unknown address"
            try:
                header, _ = self.codec.decode([f.bytes for f in body])
            except protocol.AuthenticationError as exc:
                log.warning("refused a message from %s: %s", peer, exc)
                self._send_raw([identity, REFUSED, b"the master refused the message: %s"
                                % str(exc).encode()])
                continue
            try:
                self._on_message(identity, peer, header)
            except Exception:  # noqa: BLE001 - a malformed (but signed) request must not stop the master
                log.exception("bad request %r from %s", header.get("t"), peer)
                self._reply(identity, header, {"t": "error", "error": "malformed request"})

    def _on_message(self, identity, peer, header):
        kind = header.get("t")
        now = time.monotonic()
        members = self.membership
        if kind == "w_register":
            self.worker_sockets[header["wid"]] = identity
            actions = members.register_worker(header["wid"], header.get("host", ""), header.get("ip") or peer,
                                              header.get("cores", 1), header.get("memory", 0), now)
            log.info("executor %s registered (%s, %s cores)", header["wid"], header.get("ip") or peer,
                        header.get("cores"))
            self._reply(identity, header, {"t": "w_registered"})
            self._act(actions)
        elif kind == "w_hb":
            known = members.worker_heartbeat(header["wid"], now)
            self._reply(identity, header, {"t": "w_hb_ok" if known else "w_reregister"})
        elif kind == "w_exited":
            self._act(members.executor_exited(header["wid"], header["app_id"]))
        elif kind == "hello":
            app_id = members.new_app(header.get("name", ""), now, time.time())
            self._reply(identity, header, {"t": "welcome", "app_id": app_id, "peer_host": peer})
        elif kind == "app_register":
            assigned, actions = members.register_app(header["app_id"], header["driver_url"],
                                                     header.get("max_executors", 0),
                                                     header.get("executor_conf", {}), now)
            log.info("application %s (%s) registered from %s", header["app_id"],
                        members.apps[header["app_id"]].name, header["driver_url"])
            self._act(actions)
            self._reply(identity, header, {"t": "app_registered", "executors": assigned,
                                           "waiting": members.waiting_reason(header["app_id"])})
        elif kind == "app_hb":
            known = members.app_heartbeat(header["app_id"], now)
            self._reply(identity, header, {"t": "app_hb_ok" if known else "unknown_app",
                                           "waiting": members.waiting_reason(header["app_id"])})
        elif kind == "app_end":
            log.info("application %s finished", header["app_id"])
            self._act(members.end_app(header["app_id"]))
            self._reply(identity, header, {"t": "app_ended"})
        elif kind == "status":
            self._reply(identity, header, {"t": "status", "status": members.status(now)})
        else:
            self._reply(identity, header, {"t": "error", "error": "unknown request %r" % kind})

    # ------------------------------------------------------------ messages out

    def _act(self, actions):
        for action in actions:
            identity = self.worker_sockets.get(action.worker_id)
            if identity is None:
                continue
            if isinstance(action, LaunchExecutor):
                log.info("executor %s serves %s as %s", action.worker_id, action.app_id, action.executor_id)
                self._send(identity, {"t": "launch", "app_id": action.app_id, "executor_id": action.executor_id,
                                      "driver_url": action.driver_url, "conf": action.executor_conf})
            elif isinstance(action, KillApp):
                self._send(identity, {"t": "kill_app", "app_id": action.app_id})

    def _reply(self, identity, request, header):
        header["rid"] = request.get("rid")
        self._send(identity, header)

    def _send(self, identity, header):
        self._send_raw([identity] + self.codec.encode(header))

    def _send_raw(self, frames):
        try:
            self.socket.send_multipart(frames)
        except zmq.ZMQError:
            pass  # the peer is gone


def main(host, port, state_dir, worker_timeout, app_timeout):
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    secret = load_or_create(state_dir)
    MasterServer(secret, host, port, worker_timeout, app_timeout).serve_forever()
