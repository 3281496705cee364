"""Request/reply with the master over a DEALER (drivers, executor daemons' tools, ``zpark status``)."""
import itertools
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

from ..common import messages, protocol, security
from ..common.errors import ZparkError

REFUSED = protocol.REFUSED
_request_ids = itertools.count(1)
HANDSHAKE_FAILED = (zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                    | zmq.EVENT_HANDSHAKE_FAILED_AUTH)


class MasterUnreachable(ZparkError):
    """No answer from the master, or it refused us (wrong secret)."""


class MasterClient:
    """One thread's connection to the master (sockets are single-threaded: make one per thread)."""

    def __init__(self, zmq_context, master_url, codec, identity_prefix="client"):
        self.master_url = master_url
        self.codec = codec
        self.socket = protocol.connect_dealer(zmq_context, master_url, protocol.incarnation_id(identity_prefix),
                                              codec.keys, protocol.MAX_CONTROL_BYTES)
        # A master that does not accept our keys (another cluster secret, or encryption on one side
        # only) never answers; the failed handshake is how we can tell at once instead of timing out.
        self.monitor = self.socket.get_monitor_socket(HANDSHAKE_FAILED)
        self.poller = zmq.Poller()
        self.poller.register(self.socket, zmq.POLLIN)
        self.poller.register(self.monitor, zmq.POLLIN)

    def request(self, message, replies, timeout=10.0):
        """Send ``message`` and return the master's reply, one of the message kinds ``replies``."""
        rid = next(_request_ids)
        message.request_id = rid
        self.socket.send_multipart(self.codec.encode_message(message))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            ready = dict(self.poller.poll(int(left * 1000) + 1)) if left > 0 else {}
            if self.monitor in ready:
                recv_monitor_message(self.monitor)
                raise MasterUnreachable(
                    "the master at %s refused this client's connection: its cluster secret differs from "
                    "the master's (ZPARK_SECRET, ZPARK_SECRET_FILE or ./.zpark/secret), or encryption is on at "
                    "one end only (zpark.network.crypto.enabled, --crypto/--no-crypto)" % self.master_url)
            if self.socket not in ready:
                if time.monotonic() >= deadline:
                    raise MasterUnreachable(
                        "no answer from the master at %s within %.0fs: is it running and is the "
                        "address right? (zpark status --master URL)" % (self.master_url, timeout))
                continue
            frames = self.socket.recv_multipart()
            if frames and frames[0] == REFUSED:
                raise MasterUnreachable(
                    "the master at %s refused this client: %s. The cluster secret differs: use the "
                    "master's (ZPARK_SECRET, ZPARK_SECRET_FILE or ./.zpark/secret)"
                    % (self.master_url, frames[1].decode(errors="replace") if len(frames) > 1 else ""))
            try:
                header, _ = self.codec.decode(frames)
                reply = messages.decode(header, tuple(replies) + (messages.Error,))
            except (protocol.AuthenticationError, messages.BadMessage):
                continue
            if reply.request_id == rid:
                if isinstance(reply, messages.Error):
                    raise ZparkError("the master answered: %s" % reply.error)
                return reply

    def close(self):
        self.socket.disable_monitor()
        self.monitor.close(0)
        self.socket.close(0)


def fetch_status(master_url, secret, timeout=5.0, crypto=True):
    """The master's view (executors, applications) as a dict."""
    context = zmq.Context()
    context.linger = 0
    codec = protocol.Codec(secret, security.cluster_keys(secret) if crypto else None)
    client = MasterClient(context, master_url, codec, "status")
    try:
        return client.request(messages.StatusRequest(), [messages.StatusReport], timeout).status
    finally:
        client.close()
        context.term()
