"""Who may connect: CURVE keys for each trust domain and the ZAP gate that admits only them.

Two domains exist. The *cluster* (master, its executor daemons, drivers and
``zpark status``) holds the cluster secret; each *application* (its driver,
its executors and their block servers) holds a secret of its own that its
driver creates. A domain's key pair is derived from its secret, so whoever
holds the secret holds the key and nobody else does: a server socket is a
CURVE server with that key, and its ZAP handler (pyzmq's authenticator)
admits a client only if it proves it holds the same key. An outsider cannot
complete a handshake, so not one of its frames reaches zpark code, and
everything on the wire is encrypted.

An application's secret travels to its executors inside the master's
messages, wrapped with the cluster secret (``wrap``/``unwrap``: an
HMAC-SHA256 keystream with a random nonce and a tag), so it stays secret
even with encryption turned off. The master checks an application's control
messages against ``control_proof`` of that secret: only the driver that
registered an application can end it.
"""
import hashlib
import hmac
import logging
import secrets
import threading

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils import z85

from .log_limit import OncePerMinute

log = logging.getLogger("zpark.security")

CLUSTER = "zpark-cluster"
APPLICATION = "zpark-app"
_refusals = OncePerMinute()


def _derive(secret, label):
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    return hmac.new(key, label.encode(), hashlib.sha256).digest()


def new_app_secret():
    """A fresh application secret (64 hex characters, 32 random bytes)."""
    return secrets.token_hex(32)


class CurveKeys:
    """A domain's CURVE key pair; servers and clients of the domain use the same one."""

    def __init__(self, domain, secret):
        self.domain = domain
        self.secret_key = z85.encode(_derive(secret, "zpark curve key " + domain))
        self.public_key = zmq.curve_public(self.secret_key)

    def serve(self, sock):
        """Make ``sock`` (before bind) a CURVE server whose clients the gate checks."""
        sock.curve_server = True
        sock.curve_secretkey = self.secret_key
        sock.curve_publickey = self.public_key
        sock.zap_domain = self.domain.encode()

    def dial(self, sock):
        """Make ``sock`` (before connect) a CURVE client of a server of this domain."""
        sock.curve_secretkey = self.secret_key
        sock.curve_publickey = self.public_key
        sock.curve_serverkey = self.public_key


def cluster_keys(cluster_secret):
    return CurveKeys(CLUSTER, cluster_secret)


def app_keys(app_secret):
    return CurveKeys(APPLICATION, app_secret)


class Gate:
    """The ZAP handler of one zmq.Context: admits the clients holding a domain's key, refuses the rest.

    Stop it before the Context terminates (its thread holds a socket there).
    """

    def __init__(self, zmq_context):
        self._auth = ThreadAuthenticator(zmq_context, log=logging.getLogger("zpark.zap"))
        self._auth.log.setLevel(logging.WARNING)        # its own messages are per-connection debug chatter
        self._auth.start()
        self._allowed = {}
        self._lock = threading.Lock()

    def admit(self, keys):
        with self._lock:
            known = self._allowed.setdefault(keys.domain, set())
            first = not known
            known.add(keys.public_key)
        if first:
            self._auth.configure_curve_callback(keys.domain, self)

    def callback(self, domain, client_key):
        """pyzmq's credentials-provider hook: True admits the connection."""
        with self._lock:
            allowed = client_key in self._allowed.get(domain, ())
        if not allowed:
            _refusals.warn(log, (domain, client_key),
                           "refused a connection to %s from a client without the %s key", domain, domain)
        return allowed

    def stop(self):
        self._auth.stop()


def wrap(cluster_secret, app_secret):
    """``app_secret`` (hex) encrypted and tagged under the cluster secret, as hex."""
    raw = bytes.fromhex(app_secret)
    if len(raw) != 32:
        raise ValueError("an application secret is 32 bytes")
    nonce = secrets.token_bytes(16)
    stream = _derive(cluster_secret, "zpark wrap " + nonce.hex())
    body = bytes(a ^ b for a, b in zip(raw, stream))
    tag = _derive(cluster_secret, "zpark wrap tag " + (nonce + body).hex())[:16]
    return (nonce + body + tag).hex()


def unwrap(cluster_secret, wrapped):
    """The application secret inside ``wrapped``; ValueError if it was not made with this cluster secret."""
    try:
        data = bytes.fromhex(wrapped)
    except (TypeError, ValueError):
        raise ValueError("a wrapped application secret is hex") from None
    if len(data) != 64:
        raise ValueError("a wrapped application secret is 64 bytes")
    nonce, body, tag = data[:16], data[16:48], data[48:]
    if not hmac.compare_digest(tag, _derive(cluster_secret, "zpark wrap tag " + (nonce + body).hex())[:16]):
        raise ValueError("the application secret was not wrapped with this cluster's secret")
    stream = _derive(cluster_secret, "zpark wrap " + nonce.hex())
    return bytes(a ^ b for a, b in zip(body, stream)).hex()


def control_proof(app_secret, app_id):
    """What an application's driver shows the master to act on ``app_id`` (register, heartbeat, end)."""
    return _derive(app_secret, "zpark app control " + app_id).hex()
