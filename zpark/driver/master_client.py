"""Request/reply with the master over a DEALER (drivers, executor daemons' tools, ``zpark status``)."""
import itertools
import time

import zmq

from ..common import messages, protocol
from ..common.errors import ZparkError

REFUSED = protocol.REFUSED
_request_ids = itertools.count(1)


class MasterUnreachable(ZparkError):
    """No answer from the master, or it refused us (wrong secret)."""


class MasterClient:
    """One thread's connection to the master (sockets are single-threaded: make one per thread)."""

    def __init__(self, zmq_context, master_url, codec, identity_prefix="client"):
        self.master_url = master_url
        self.codec = codec
        self.socket = protocol.connect_dealer(zmq_context, master_url, protocol.incarnation_id(identity_prefix))

    def request(self, message, replies, timeout=10.0):
        """Send ``message`` and return the master's reply, one of the message kinds ``replies``."""
        rid = next(_request_ids)
        message.request_id = rid
        self.socket.send_multipart(self.codec.encode_message(message))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self.socket.poll(int(left * 1000) + 1):
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
        self.socket.close(0)


def fetch_status(master_url, secret, timeout=5.0):
    """The master's view (executors, applications) as a dict."""
    context = zmq.Context()
    context.linger = 0
    client = MasterClient(context, master_url, protocol.Codec(secret), "status")
    try:
        return client.request(messages.StatusRequest(), [messages.StatusReport], timeout).status
    finally:
        client.close()
        context.term()
