"""Which thread runs the driver's loop: the scheduler thread, or a user thread waiting for its own job.

The loop (backend.py) owns the executors' socket and the scheduler. Run on
its own thread only, every action paid two thread hand-offs - the job handed
to the loop thread, the answer handed back - and each woke a sleeping thread
(tens of microseconds on this kind of machine, then cold caches): a third of
a small job's time went to being passed around. So a thread that starts a
job and would only wait for it runs the loop itself until its job ends
(leader/followers): one thread at a time leads, under this object's lock,
which also carries the sockets safely from one thread to the next (ZeroMQ
allows a socket to move between threads behind a full memory barrier).

- A user thread leads while its job runs. Another user thread waiting for a
  job of its own follows: it sleeps until its job ends (the leader handles
  its answers too) or the lead is free, whichever comes first.
- The scheduler thread leads whenever no user thread does: heartbeats,
  ticks and commands from threads that do not wait go on as before.
- After a user thread's job ends, the scheduler thread leaves the loop alone
  for a short lease: a program running job after job keeps the lead instead
  of waking the scheduler thread between jobs and taking the lead back from
  it. What arrives meanwhile waits in the socket, and a command from another
  thread ends the lease at once.
"""
import threading
import time

LEASE_SECONDS = 0.02
FOLLOWER_RECHECK_SECONDS = 0.5   # a follower looks again this often, whatever it was told
SCHEDULER_RECHECK_SECONDS = 0.05  # the scheduler thread, while a user thread leads (a lease ends unannounced)


class LoopLead:
    def __init__(self, lease_seconds=LEASE_SECONDS):
        self.lease_seconds = lease_seconds
        lock = threading.Lock()
        self._followers = threading.Condition(lock)   # user threads waiting to lead or for their job's end
        self._scheduler = threading.Condition(lock)   # the scheduler thread waiting to lead
        self.leader = None          # the thread running the loop now
        self.wanted = 0             # user threads waiting to lead: the scheduler thread gives way to them
        self._lease_until = 0.0

    def take_for_job(self, done, wake_loop):
        """Lead for a job, unless ``done`` (its threading.Event) is set first: True if this thread leads now.

        ``wake_loop()`` makes a leader blocked in its poll look up; the
        scheduler thread then gives the lead away."""
        with self._followers:
            self.wanted += 1
            try:
                while self.leader is not None and not done.is_set():
                    wake_loop()
                    self._followers.wait(FOLLOWER_RECHECK_SECONDS)
                if done.is_set():
                    return False
                self.leader = threading.current_thread()
                return True
            finally:
                self.wanted -= 1

    def take_for_scheduler(self, stopped):
        """Lead on the scheduler thread, once no user thread leads, wants to, or holds a lease (or at stop)."""
        with self._scheduler:
            while True:
                if self.leader is None:
                    if stopped.is_set():
                        break
                    if not self.wanted:
                        left = self._lease_until - time.monotonic()
                        if left <= 0:
                            break
                        self._scheduler.wait(left)
                        continue
                self._scheduler.wait(SCHEDULER_RECHECK_SECONDS)
            self.leader = threading.current_thread()

    def give(self, lease=False):
        """Stop leading; with ``lease`` the scheduler thread leaves the loop alone for a while."""
        with self._followers:
            self.leader = None
            self._lease_until = time.monotonic() + self.lease_seconds if lease else 0.0
            if self.wanted:
                self._followers.notify_all()
            elif not lease:                # with a lease the scheduler thread waits for its end anyway
                self._scheduler.notify()

    def end_lease(self):
        """Something other than a job waits (a command): the scheduler thread may lead at once."""
        with self._scheduler:
            if self._lease_until:
                self._lease_until = 0.0
                self._scheduler.notify()

    def job_ended(self):
        """Followers look whether their job was the one that ended."""
        with self._followers:
            self._followers.notify_all()

    def leads(self):
        return self.leader is threading.current_thread()
