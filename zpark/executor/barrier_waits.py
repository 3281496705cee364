"""Barrier tasks waiting in barrier()/allGather() for the driver's answer (task threads <-> the leading thread, crew.py)."""
import queue
import threading

from ..common import messages
from ..common.errors import BarrierSyncError

POLL_SECONDS = 0.1   # how often a waiting task looks whether it was killed


class BarrierWaits:
    """The leading thread delivers ``BarrierReply`` messages; the task thread that asked takes its own."""

    def __init__(self, post, lead_needed=lambda: None):
        self.post = post                  # post(message): queue a message for the driver (any thread)
        self.lead_needed = lead_needed    # the answer comes through the leading thread: there must be one
        self.lock = threading.Lock()
        self.waiting = {}                 # (task id, sequence) -> queue the reply goes to

    def sync(self, tc, kind, message):
        """Ask the driver, then wait for every task of the stage attempt; a kill ends the wait."""
        sequence = tc.barrier_calls
        tc.barrier_calls += 1
        key = (tc.taskAttemptId(), sequence)
        answer = queue.SimpleQueue()
        with self.lock:
            self.waiting[key] = answer
        try:
            self.post(messages.BarrierSync(key[0], sequence, kind, message))
            self.lead_needed()
            while True:
                tc.check_killed()
                try:
                    reply = answer.get(timeout=POLL_SECONDS)
                    break
                except queue.Empty:
                    continue
        finally:
            with self.lock:
                self.waiting.pop(key, None)
        if reply.error:
            raise BarrierSyncError("%s() in task %d: %s" % (kind, key[0], reply.error))
        return list(reply.messages or [])

    def deliver(self, reply):
        with self.lock:
            answer = self.waiting.get((reply.task_id, reply.sequence))
        if answer is not None:
            answer.put(reply)
