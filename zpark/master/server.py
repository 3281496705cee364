"""The master process (``zpark master``): one ROUTER socket, one thread, the Membership rules.

Three kinds of peers talk to it - workers (executor daemons), drivers and
status clients - all with signed messages. A message that fails the signature
check is never decoded: the master logs who sent it and answers with an
unsigned refusal, so a client with the wrong secret learns why at once.
"""
import logging
import time

import zmq

from ..common import messages, protocol, security
from ..common.secret import load_or_create
from .membership import KillApp, LaunchExecutor, Membership

log = logging.getLogger("zpark.master")

REFUSED = protocol.REFUSED
MAX_MESSAGE_BYTES = 1 << 20
REQUESTS = (messages.WorkerRegister, messages.WorkerHeartbeat, messages.WorkerExecutorExited, messages.Hello,
            messages.AppRegister, messages.AppHeartbeat, messages.AppEnd, messages.StatusRequest)
TICK_SECONDS = 0.25


def peer_address(frame):
    """The IP a connection comes from, as the master sees it (how a driver learns its own address)."""
    try:
        return frame.get("Peer-Address")
    except (zmq.ZMQError, AttributeError, UnicodeDecodeError):
        return None


class MasterServer:
    def __init__(self, secret, host="0.0.0.0", port=7077, worker_timeout=6.0, app_timeout=6.0, crypto=True):
        self.secret = secret
        # Control messages only: a small cap, per frame and for all frames of a message together.
        self.codec = protocol.Codec(secret, security.cluster_keys(secret) if crypto else None, MAX_MESSAGE_BYTES)
        self.zmq = zmq.Context()
        self.zmq.linger = 0
        self.gate = None
        if crypto:
            self.gate = security.Gate(self.zmq)
            self.gate.admit(self.codec.keys)
        self.socket, self.port = protocol.bind_router(self.zmq, host, port, MAX_MESSAGE_BYTES, self.codec.keys,
                                                      max_queued=64)
        self.membership = Membership(worker_timeout, app_timeout)
        self.worker_sockets = {}       # worker id -> routing identity
        self._stopping = False
        # What the master's web page shows: a snapshot the loop thread replaces every tick (readers in
        # other threads never touch the Membership it owns).
        self.latest_status = self.membership.status(time.monotonic())

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
                    self.latest_status = dict(self.membership.status(now), updated=time.time())
        finally:
            self.socket.close(0)
            if self.gate is not None:
                self.gate.stop()
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
            except (protocol.AuthenticationError, messages.BadMessage) as exc:
                protocol.refusals.warn(log, peer, "refused a message from %s: %s", peer, exc)
                self._send_raw([identity, REFUSED, b"the master refused the message: %s"
                                % str(exc).encode()])
                continue
            try:
                request = messages.decode(header, REQUESTS)
            except messages.BadMessage as exc:
                protocol.refusals.warn(log, peer, "refused a request from %s: %s", peer, exc)
                rid = header.get("request_id") if type(header) is dict else None
                self._send(identity, messages.Error("malformed request: %s" % exc,
                                                    rid if type(rid) is int and rid >= 0 else None))
                continue
            try:
                self._on_message(identity, peer, request)
            except Exception as exc:  # noqa: BLE001 - a request it cannot serve must not stop the master
                log.exception("could not serve %s from %s", request.KIND, peer)
                self._reply(identity, request, messages.Error("%s: %s" % (type(exc).__name__, exc)))

    def _on_message(self, identity, peer, request):
        now = time.monotonic()
        members = self.membership
        if isinstance(request, messages.WorkerRegister):
            self.worker_sockets[request.worker_id] = identity
            actions = members.register_worker(request.worker_id, request.host, request.ip or peer,
                                              request.cores, request.memory, now, request.app_id,
                                              request.executor_id)
            log.info("executor %s registered (%s, %s cores)", request.worker_id, request.ip or peer, request.cores)
            self._reply(identity, request, messages.WorkerRegistered())
            self._act(actions)
        elif isinstance(request, messages.WorkerHeartbeat):
            known, actions = members.worker_heartbeat(request.worker_id, now, request.executor_id)
            self._reply(identity, request, messages.WorkerHeartbeatOk() if known else messages.WorkerReregister())
            self._act(actions)
        elif isinstance(request, messages.WorkerExecutorExited):
            if request.reason:
                log.warning("executor %s of %s ended: %s", request.executor_id or request.worker_id,
                            request.app_id, request.reason)
            self._act(members.executor_exited(request.worker_id, request.app_id, request.reason,
                                              request.caused_by_task))
        elif isinstance(request, messages.Hello):
            app_id = members.new_app(request.name, now, time.time())
            self._reply(identity, request, messages.Welcome(app_id, peer))
        elif isinstance(request, messages.AppRegister):
            if not self._proof_holds(request):
                self._refuse(identity, peer, request, "its proof does not match its application secret")
                return
            assigned, actions = members.register_app(request.app_id, request.driver_url, request.max_executors,
                                                     request.executor_conf, now, request.name,
                                                     request.app_secret, request.proof, request.ui_url)
            if assigned is None:
                self._refuse(identity, peer, request, "another driver registered %s" % request.app_id)
                return
            log.info("application %s (%s) registered from %s", request.app_id,
                     members.apps[request.app_id].name, request.driver_url)
            self._act(actions)
            self._reply(identity, request, messages.AppRegistered(assigned, members.waiting_reason(request.app_id)))
        elif isinstance(request, (messages.AppHeartbeat, messages.AppEnd)) and \
                not members.authorized(request.app_id, request.proof):
            self._refuse(identity, peer, request, "only the driver that registered %s may do that" % request.app_id)
        elif isinstance(request, messages.AppHeartbeat):
            known = members.app_heartbeat(request.app_id, now)
            waiting = members.waiting_reason(request.app_id)
            reply = (messages.AppHeartbeatOk(waiting, members.take_exits(request.app_id)) if known
                     else messages.UnknownApp(waiting))
            self._reply(identity, request, reply)
        elif isinstance(request, messages.AppEnd):
            log.info("application %s finished", request.app_id)
            self._act(members.end_app(request.app_id))
            self._reply(identity, request, messages.AppEnded())
        elif isinstance(request, messages.StatusRequest):
            self._reply(identity, request, messages.StatusReport(members.status(now)))

    def _proof_holds(self, register):
        """The driver holds the application secret it registers (the one its executors will get)."""
        try:
            app_secret = security.unwrap(self.secret, register.app_secret)
        except ValueError:
            return False
        return security.control_proof(app_secret, register.app_id) == register.proof

    def _refuse(self, identity, peer, request, why):
        protocol.refusals.warn(log, (peer, request.KIND), "refused %s for %s from %s: %s", request.KIND,
                               getattr(request, "app_id", "?"), peer, why)
        self._reply(identity, request, messages.Error("refused: %s" % why))

    # ------------------------------------------------------------ messages out

    def _act(self, actions):
        for action in actions:
            identity = self.worker_sockets.get(action.worker_id)
            if identity is None:
                continue
            if isinstance(action, LaunchExecutor):
                log.info("executor %s serves %s as %s", action.worker_id, action.app_id, action.executor_id)
                self._send(identity, messages.LaunchExecutor(action.app_id, action.executor_id,
                                                             action.driver_url, action.executor_conf,
                                                             action.wrapped_secret))
            elif isinstance(action, KillApp):
                self._send(identity, messages.KillApp(action.app_id))

    def _reply(self, identity, request, reply):
        reply.request_id = request.request_id
        self._send(identity, reply)

    def _send(self, identity, message):
        self._send_raw([identity] + self.codec.encode_message(message))

    def _send_raw(self, frames):
        try:
            self.socket.send_multipart(frames)
        except zmq.ZMQError:
            pass  # the peer is gone


def main(host, port, state_dir, worker_timeout, app_timeout, crypto=True, before_serving=None):
    """Run a master; ``before_serving(server)`` starts what reads its state (the web page)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    secret = load_or_create(state_dir)
    server = MasterServer(secret, host, port, worker_timeout, app_timeout, crypto)
    if before_serving is not None:
        before_serving(server)
    server.serve_forever()
