"""Removes what an application no longer references: shuffles, cached RDDs, broadcasts (Spark's ContextCleaner).

A long-running application (an iterative job, a notebook) creates shuffles,
cached RDDs and broadcasts by the thousand; without cleaning, their files,
map-output entries, stage binaries and blocks stay on every executor until
the application ends. The driver holds these objects only weakly (the
Context's registries are weak, and the scheduler keeps a stage only while a
job runs), so once the user's program drops the last reference the object
is collected and its finalizer leaves a note here. Notes are only queued
(finalizers can run in any thread, even inside the scheduler loop); the
backend loop turns them into scheduler events on its next turn. A running
job references everything it needs, so nothing it uses can be cleaned
under it.
"""
import queue
import weakref

from ..rdd.lineage import shuffles_below


class ContextCleaner:
    SHUFFLE, RDD, BROADCAST = "shuffle", "rdd", "broadcast"

    def __init__(self):
        self.notes = queue.SimpleQueue()      # (what, id); SimpleQueue.put is safe inside finalizers
        self._tracked_shuffles = set()

    def track_job(self, rdd):
        """Register the shuffles an RDD's lineage creates (walks only what was not seen before)."""
        stack = [rdd]
        while stack:
            for dep in shuffles_below(stack.pop()):
                if dep.shuffle_id not in self._tracked_shuffles:  # else its lineage was walked before
                    self._tracked_shuffles.add(dep.shuffle_id)
                    weakref.finalize(dep, self.notes.put, (self.SHUFFLE, dep.shuffle_id))
                    stack.append(dep.rdd)

    def shuffle_removed(self, shuffle_id):
        self._tracked_shuffles.discard(shuffle_id)

    def track_persisted(self, rdd):
        weakref.finalize(rdd, self.notes.put, (self.RDD, rdd.id()))

    def track_broadcast(self, broadcast):
        weakref.finalize(broadcast, self.notes.put, (self.BROADCAST, broadcast.bid))

    def pending(self):
        """The notes left since the last call."""
        found = []
        while True:
            try:
                found.append(self.notes.get_nowait())
            except queue.Empty:
                return found
