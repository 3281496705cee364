"""An attacker's socket for the security tests: it says whether its handshake ever succeeded."""
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

HANDSHAKE_OK = zmq.EVENT_HANDSHAKE_SUCCEEDED
HANDSHAKE_FAILED = (zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                    | zmq.EVENT_HANDSHAKE_FAILED_AUTH)


class Intruder:
    """A DEALER of the attacker's, with a monitor that tells whether its handshake ever succeeded."""

    def __init__(self, address, identity=None, keys=None):
        self.context = zmq.Context()
        self.context.linger = 0
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.linger = 0
        if identity:
            self.socket.setsockopt(zmq.ROUTING_ID, identity.encode())
        if keys is not None:
            keys.dial(self.socket)
        self.monitor = self.socket.get_monitor_socket(HANDSHAKE_OK | HANDSHAKE_FAILED)
        self.socket.connect(address)
        self.events = []

    def send(self, frames):
        """Queue a message if the socket can take it now. A DEALER with no connection (its handshakes
        keep failing) blocks on send; for an attacker that message is simply not delivered."""
        try:
            self.socket.send_multipart(frames, zmq.NOBLOCK, copy=False)
        except zmq.Again:
            pass

    def watch(self, seconds):
        """Events and messages seen for ``seconds``: (handshake events, frames received)."""
        received = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.monitor.poll(20):
                self.events.append(recv_monitor_message(self.monitor)["event"])
            while self.socket.poll(0):
                received.append(self.socket.recv_multipart())
        return self.events, received

    def refused(self, seconds=1.0):
        events, received = self.watch(seconds)
        return HANDSHAKE_OK not in events and any(e & HANDSHAKE_FAILED for e in events) and not received

    def close(self):
        self.socket.disable_monitor()
        self.monitor.close()
        self.socket.close()
        self.context.term()
