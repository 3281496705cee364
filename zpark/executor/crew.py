"""The executor's threads: one of them leads (waits on the driver's socket), the others run tasks or wait.

A task used to cross two threads before it ran: the loop thread received it
and queued it, a task thread woke up and took it - tens of microseconds of
a small job on every executor, the cost of waking a sleeping thread (a
futex, a context switch, the interpreter lock, cold caches). Now
``cores + 1`` threads take turns (leader/followers): the leader receives
the messages, and a task it receives it runs itself, on the thread that
already holds the message. At most ``cores`` threads run tasks, so one is
always free to lead.

Handing the lead on wakes a thread too, so it is done only when it can
matter: at once when another task may start (a core is still free, a task
waits, or more of its stage are on their way - it is not the first task of
its stage here), else once the lead has been free for ``KEEP_SECONDS`` (the
keeper thread looks that often) or a task blocks on the driver (a barrier).
A small job's task - one per executor - is received, run and answered by
one thread, and its thread leads again when it ends. A kill or a lost peer
meanwhile waits at most ``KEEP_SECONDS`` in the socket; a stream of tasks
of one stage is received while the one before it runs.

The lead changes hands under this object's lock, which is also the full
memory barrier ZeroMQ asks for when a socket moves from one thread to
another. The crew does no I/O: its threads ask it what to do next.
"""
import collections
import threading
import time

LEAD = "lead"          # what ``next_turn`` gives the thread that is to lead
KEEP_SECONDS = 0.02    # the longest the lead stays free while a task runs


class Crew:
    def __init__(self, cores, clock=time.monotonic):
        self.cores = cores
        self.clock = clock
        self._changed = threading.Condition()
        self._queued = collections.deque()   # (task, more expected) received, not yet taken by a thread
        self._leading = False
        self._free_since = None              # when the lead was left free (None: someone leads, or wants to)
        self._running = 0                    # tasks being run now (at most ``cores``)
        self.stopped = False

    def next_turn(self):
        """Wait until this thread has something to do: a task to run, ``LEAD``, or None once stopped."""
        with self._changed:
            while not self.stopped:
                if self._queued and self._running < self.cores:
                    self._running += 1
                    if not self._leading:
                        self._wake_a_leader()       # the lead is free: a waiting thread takes it
                    return self._queued.popleft()[0]
                if not self._leading:
                    self._leading = True
                    self._free_since = None
                    return LEAD
                self._changed.wait()
            return None

    def received(self, task, more_expected=False):
        """The leader got a task; it runs it itself after the turn (``take_or_keep_lead``) if a core is free.
        ``more_expected``: more tasks are likely to follow it (its stage had tasks here before)."""
        with self._changed:
            self._queued.append((task, more_expected))

    def take_or_keep_lead(self):
        """The leader, after a turn: a task it should run now (it no longer leads then), or None to go on
        leading. A waiting thread is woken to lead only if another task may start meanwhile."""
        with self._changed:
            if self.stopped or not self._queued or self._running >= self.cores:
                return None
            self._running += 1
            self._leading = False
            task, more_expected = self._queued.popleft()
            if self._queued or self._running < self.cores or more_expected:
                self._changed.notify()
            else:
                self._free_since = self.clock()
            return task

    def keep(self):
        """From the keeper thread: wake a waiting thread to lead if the lead was left free too long."""
        with self._changed:
            if self._free_since is not None and self.clock() - self._free_since >= KEEP_SECONDS:
                self._wake_a_leader()

    def lead_needed(self):
        """A task waits for an answer from the driver: someone must lead now."""
        with self._changed:
            if self._free_since is not None:     # set only while nobody leads
                self._wake_a_leader()

    def _wake_a_leader(self):
        self._free_since = None
        self._changed.notify()

    def task_ended(self):
        """A task thread is done with its task (it asks ``next_turn`` for more)."""
        with self._changed:
            self._running -= 1

    def stop(self):
        """Every thread's next ``next_turn`` returns None; the leader stops after its turn."""
        with self._changed:
            self.stopped = True
            self._changed.notify_all()

    def counts(self):
        """(queued, running, leading) - for tests."""
        with self._changed:
            return len(self._queued), self._running, self._leading
