"""Refusing a message seen before: each sender numbers its messages, each receiver remembers.

Every signed message carries, under its signature, the id of the Codec that
sent it (random, new in every process) and that Codec's next sequence
number. A receiver admits a number once, and only if it is not too old
compared with the newest it has seen from that sender, so a captured
message replayed later - to the same process, on any connection - is
dropped before anything of it is decoded. The window tolerates the small
reordering of messages one process sends from several threads and sockets.

A receiver's memory ends with its process: in HMAC-only mode (encryption
off), a message captured before a receiver restarted could be replayed to
its successor of the same application. With encryption on, nobody outside
the application can connect at all.
"""
import threading

WINDOW = 4096            # how far behind the newest number a late message may be
MAX_SENDERS = 4096       # senders remembered (the least recently heard from are forgotten)


class ReplayWindow:
    def __init__(self, window=WINDOW, max_senders=MAX_SENDERS):
        self.window = window
        self.max_senders = max_senders
        self._senders = {}               # sender id -> [newest number, numbers seen within the window]
        self._lock = threading.Lock()

    def admit(self, sender, number):
        """True the first time ``number`` comes from ``sender`` (and it is recent); False otherwise."""
        with self._lock:
            state = self._senders.pop(sender, None)      # re-inserted below: most recent last
            if state is None:
                if len(self._senders) >= self.max_senders:
                    del self._senders[next(iter(self._senders))]
                state = [number, set()]
            newest, seen = state
            self._senders[sender] = state
            if number <= newest - self.window or number in seen:
                return False
            seen.add(number)
            if number > newest:
                state[0] = number
                if len(seen) > 2 * self.window:
                    state[1] = {n for n in seen if n > number - self.window}
            return True
