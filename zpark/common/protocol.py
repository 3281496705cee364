"""The wire protocol: multipart messages over ZeroMQ, authenticated once.

With encryption on (the default) every socket is a CURVE server or client of
one trust domain (security.py): the handshake admits only holders of the
domain's key, and CURVE encrypts and authenticates every frame under
per-connection keys whose nonces only go up, so a frame cannot be read,
altered, forged or replayed. A message is then ``[header, *payload]``.

With encryption off, nothing below zpark checks anything, so the message
is ``[tag, stamp, header, *payload]``: ``stamp`` is the sender's id and
sequence number (replay.py) and ``tag`` is HMAC-SHA256 over every other
frame with the domain's secret; both are checked before anything is decoded,
because unpickling a frame from an unauthenticated peer would be remote code
execution, and a stamp seen before is refused.

``header`` is msgpack (message type and ids), payload frames are pickled bytes.
"""
import hashlib
import hmac
import itertools
import logging
import os
import secrets as _secrets
import struct

import msgpack
import zmq

from . import messages
from .log_limit import OncePerMinute
from .replay import ReplayWindow

log = logging.getLogger(__name__)
refusals = OncePerMinute()   # refused input is logged once a minute per source (see log_limit)

MAX_MESSAGE_BYTES = 1 << 31  # bounds what an unauthenticated peer can make us allocate
MAX_CONTROL_BYTES = 1 << 24  # what a client of the master accepts (its replies are small)
REFUSED = b"zpark-refused"   # the master's unsigned answer to a message it could not verify


class AuthenticationError(Exception):
    """A message whose tag does not match: wrong secret or tampered frames."""


def new_secret():
    return _secrets.token_hex(32)


def _mac(keyed, frames):
    """HMAC-SHA256 over the number of frames and their lengths (8 bytes each, little-endian), then their
    bytes: one way to split the bytes into frames per tag. ``keyed`` holds the key.

    The lengths go first, in one piece, so that a message costs one update per frame; every update
    is a Python-level call (a task launch bundles two frames per task)."""
    mac = keyed.copy()
    mac.update(struct.pack("<%dQ" % (len(frames) + 1), len(frames), *map(len, frames)))
    for frame in frames:
        mac.update(frame)
    return mac.digest()


class Codec:
    """Signs and verifies messages with one shared secret - where CURVE does not already.

    ``keys`` (security.CurveKeys, or None with encryption off) are the CURVE
    keys of the same trust domain: sockets made for this codec's peers use
    them, and then a message carries no tag or stamp of its own (the
    module's docstring says why that is the same protection).
    """

    def __init__(self, secret, keys=None, max_message_bytes=MAX_MESSAGE_BYTES):
        if not secret:
            raise ValueError("a cluster secret is required")
        key = secret.encode() if isinstance(secret, str) else bytes(secret)
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # copied per message: no key setup each time
        self.keys = keys
        self.signed = keys is None
        self.max_message_bytes = max_message_bytes
        self._sender = _secrets.token_bytes(8)        # who stamps (see replay.py), new in every process
        self._numbers = itertools.count(1)
        self._seen = ReplayWindow()

    def encode(self, header, payload=()):
        """The frames of a message: ``[header, *payload]``, or signed ``[tag, stamp, header, *payload]``."""
        return self.encode_packed(msgpack.packb(header, use_bin_type=True), payload)

    def encode_packed(self, header_bytes, payload=()):
        """As encode, with the header already packed (tests send malformed ones this way)."""
        if not self.signed:
            return [header_bytes, *payload]
        frames = [self._sender + next(self._numbers).to_bytes(8, "little"), header_bytes]
        frames.extend(payload)
        return [_mac(self._keyed, frames)] + frames

    def encode_message(self, message, payload=()):
        return self.encode(messages.encode(message), payload)

    def decode(self, frames):
        """Verify and split a message into (header dict, payload frames); a replay is refused too."""
        if len(frames) < (3 if self.signed else 1):
            raise AuthenticationError("malformed message (%d frames)" % len(frames))
        size = sum(map(len, frames))
        if size > self.max_message_bytes:
            raise AuthenticationError("message over zpark.network.maxMessageSize (%d bytes in %d frames)"
                                      % (size, len(frames)))
        if self.signed:
            tag, frames = frames[0], frames[1:]
            if not hmac.compare_digest(bytes(tag), _mac(self._keyed, frames)):
                raise AuthenticationError("bad message signature (wrong cluster secret?)")
            stamp = bytes(frames[0])
            if len(stamp) != 16 or not self._seen.admit(stamp[:8], int.from_bytes(stamp[8:], "little")):
                raise AuthenticationError("a replayed or out-of-date message (its stamp was seen before)")
            frames = frames[1:]
        try:
            return msgpack.unpackb(frames[0], raw=False, strict_map_key=False), frames[1:]
        except Exception as exc:  # noqa: BLE001 - any malformed header is refused the same way
            raise messages.BadMessage("undecodable header: %s: %s" % (type(exc).__name__, exc)) from None


def bundle(items):
    """Several (message, payload) pairs as one: a "bundle" header listing them, payloads concatenated.

    Tiny tasks are launched and reported in bundles so that one signature,
    one msgpack and one socket send are paid per batch, not per task.
    """
    headers, counts, frames = [], [], []
    for message, payload in items:
        headers.append(messages.encode(message))
        counts.append(len(payload))
        frames.extend(payload)
    return {"t": "bundle", "items": headers, "frames": counts}, frames


def unbundle(header, payload, expected=None):
    """The (message, payload) pairs inside a header: itself unless it is a bundle.

    Raises messages.BadMessage for a malformed header or item (nothing of it is used then).
    """
    if type(header) is not dict or header.get("t") != "bundle":
        return [(messages.decode(header, expected), payload)]
    items, counts = header.get("items"), header.get("frames")
    if type(items) is not list or type(counts) is not list or len(items) != len(counts) \
            or any(type(c) is not int or c < 0 for c in counts) or sum(counts) != len(payload):
        raise messages.BadMessage("malformed bundle")
    decoded, start = [], 0
    for item, count in zip(items, counts):
        decoded.append((messages.decode(item, expected), payload[start:start + count]))
        start += count
    return decoded


_SNDMORE = int(zmq.SNDMORE)
NOBLOCK = int(zmq.NOBLOCK)
_COPY_BELOW = 65536


def send_frames(sock, frames):
    """``sock.send_multipart(frames)``, without pyzmq's per-call checks and flag enums.

    Those cost about as much as the send itself, paid for every task
    launched and reported. Large frames go without a copy.
    """
    send = sock.send
    last = len(frames) - 1
    for i, frame in enumerate(frames):
        send(frame, _SNDMORE if i < last else 0, copy=len(frame) < _COPY_BELOW)


def recv_frames(sock, flags=0):
    """``sock.recv_multipart(flags)``, the same way (raises zmq.Again when nothing waits under NOBLOCK).

    Each part is taken as a ZeroMQ frame, whose ``more`` says whether
    another follows, and then as bytes: asking the socket instead
    (``RCVMORE``) converts the option through an enum on every part - a
    five-part message read in 12 us instead of 17.
    """
    frame = sock.recv(flags, copy=False)
    frames = [frame.bytes]
    while frame.more:
        frame = sock.recv(flags, copy=False)
        frames.append(frame.bytes)
    return frames


_EVENTS = int(zmq.EVENTS)
_POLLIN = int(zmq.POLLIN)


def waiting_frames(sock, limit=10000):
    """Each message waiting on ``sock``, as frames, at most ``limit``: call it when a poll said one waits.

    Whether another waits is asked of the socket (2 us) rather than found
    out by a receive that raises zmq.Again (4-8 us: pyzmq builds the
    exception), which every drain of one message paid.
    """
    for _ in range(limit):
        try:
            yield recv_frames(sock, NOBLOCK)
        except zmq.Again:     # only if the poll's news was stale
            return
        if not sock.getsockopt(_EVENTS) & _POLLIN:
            return


def signed_messages(sock, codec, source):
    """Decode every message waiting on a DEALER; one failing the checks is logged and dropped."""
    for frames in waiting_frames(sock):
        try:
            decoded = codec.decode(frames)
        except (AuthenticationError, messages.BadMessage) as exc:
            refusals.warn(log, source, "dropped a message from %s: %s", source, exc)
            continue
        yield decoded


def configure(sock, max_message_bytes=MAX_MESSAGE_BYTES):
    """Options every zpark socket gets (linger 0 so a Context can always terminate, a size cap
    checked before any byte is decoded, ZMTP heartbeats so dead pipes are cleaned up)."""
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.MAXMSGSIZE, max_message_bytes)
    sock.setsockopt(zmq.HEARTBEAT_IVL, 500)
    sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, 3000)
    sock.setsockopt(zmq.SNDHWM, 0)
    sock.setsockopt(zmq.RCVHWM, 0)
    return sock


def bind_router(ctx, host="127.0.0.1", port=0, max_message_bytes=MAX_MESSAGE_BYTES, keys=None, max_queued=0):
    """A ROUTER that reports unroutable sends.

    With ``keys`` it is a CURVE server: only clients holding the same keys get
    through the handshake (the process's security.Gate checks them), and a
    reconnecting peer may take over its routing id at once - only a peer of
    the same trust domain could. Without keys anyone can connect, so no id is
    handed over: a reconnect waits until the old connection is found dead.
    """
    sock = configure(ctx.socket(zmq.ROUTER), max_message_bytes)
    if max_queued:
        # At most this many messages wait per peer; past it the peer's own sends back up, so
        # a flood costs the sender memory, not us (for servers of small requests).
        sock.setsockopt(zmq.RCVHWM, max_queued)
    sock.setsockopt(zmq.ROUTER_MANDATORY, 1)
    sock.setsockopt(zmq.ROUTER_HANDOVER, 1 if keys is not None else 0)
    if keys is not None:
        keys.serve(sock)
    if port:
        sock.bind("tcp://%s:%d" % (host, port))
    else:
        port = sock.bind_to_random_port("tcp://%s" % host)
    return sock, port


def connect_dealer(ctx, address, identity, keys=None, max_message_bytes=MAX_MESSAGE_BYTES):
    """A DEALER dialling ``address`` (a CURVE client of the ``keys`` domain when given)."""
    sock = configure(ctx.socket(zmq.DEALER), max_message_bytes)
    sock.setsockopt(zmq.ROUTING_ID, identity.encode() if isinstance(identity, str) else identity)
    if keys is not None:
        keys.dial(sock)
    sock.connect(address)
    return sock


_wake_numbers = itertools.count()


def wake_pair(ctx, name):
    """``(PULL, PUSH)`` joined over inproc: a thread polling the PULL wakes when another sends on the PUSH.

    How a socket loop is woken from outside it (a command queued for it, a
    stop) without a poll timeout: ZeroMQ sockets are single-threaded, so the
    PUSH belongs to one other thread, or is used under a lock.
    """
    address = "inproc://%s-%d" % (name, next(_wake_numbers))
    pull = ctx.socket(zmq.PULL)
    pull.bind(address)
    push = ctx.socket(zmq.PUSH)
    push.connect(address)
    return pull, push


def incarnation_id(prefix):
    """A routing id unique to this process lifetime, so a restart is never taken for its predecessor."""
    return "%s-%d-%s" % (prefix, os.getpid(), _secrets.token_hex(3))
