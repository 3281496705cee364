"""One stage attempt's tasks: which to launch where, retries, and speculation (a pure state machine)."""
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
import statistics


QUEUED_SECONDS = 0.02
MAX_QUEUED = 16


@dataclass
class TaskAttempt:
    task_id: int
    partition: int
    attempt: int
    executor_id: str
    launch_time: float
    speculative: bool = False
    stage_attempt: int = 0


class TaskSetManager:
    def __init__(self, stage_id, stage_attempt, partitions, max_failures,
                 preferred=None, speculation=None):
        self.stage_id = stage_id
        self.stage_attempt = stage_attempt
        self.partitions = list(partitions)
        self.max_failures = max_failures
        self.preferred = preferred or {}          # partition -> set of executor ids
        self.speculation = speculation            # (quantile, multiplier, min_runtime) or None
        self.pending = deque(self.partitions)
        self.running = {}                         # task id -> TaskAttempt
        self.successful = set()
        self.failures = Counter()
        self.next_attempt = Counter()
        self.ran_on = defaultdict(set)
        self.failed_on = defaultdict(set)
        self.speculatable = set()
        self.durations = []
        self._depth, self._depth_known_at = 0, 0
        self.zombie = False                       # no new launches (stage attempt failed or finished)
        self.barrier_calls = {}                   # a barrier attempt: sync sequence -> {partition: call}
        self.barrier_results = {}                 # a barrier result attempt: values held until all succeed

    # ------------------------------------------------------------ queries

    def is_done(self):
        return len(self.successful) == len(self.partitions)

    def wants_slots(self):
        return not self.zombie and bool(self.pending or self.speculatable)

    def queue_depth(self, short_seconds):
        """How many of its tasks may wait on a busy executor: none unless its tasks are short.

        Queued tasks hide the driver-executor round trip, which dominates a
        task of a few milliseconds, and let launches and results travel in
        larger bundles; about ``QUEUED_SECONDS`` of work is queued (at most
        ``MAX_QUEUED`` tasks). A long task is only launched on a free slot so
        that no other executor idles while it waits.
        """
        if self._depth_known_at != len(self.durations):
            self._depth_known_at = len(self.durations)
            recent = self.durations[-8:]
            median = statistics.median(recent) if len(recent) >= 4 else None
            if median is None or median >= short_seconds:
                self._depth = 0
            else:
                self._depth = max(1, min(MAX_QUEUED, int(QUEUED_SECONDS / max(median, 1e-6))))
        return self._depth

    # ------------------------------------------------------------ launching

    def _pick_pending(self, executor_id, num_executors):
        fallback = None
        for p in self.pending:
            prefs = self.preferred.get(p)
            avoid = executor_id in self.failed_on[p] and len(self.failed_on[p]) < num_executors
            if avoid:
                continue
            if prefs and executor_id in prefs:
                return p
            if fallback is None:
                fallback = p
                if not self.preferred:
                    break
        return fallback

    def offer(self, executor_id, now, task_id, num_executors):
        """A free slot on ``executor_id``: the attempt to launch there, or None."""
        if self.zombie:
            return None
        speculative = False
        p = self._pick_pending(executor_id, num_executors) if self.pending else None
        if p is not None:
            self.pending.remove(p)
        else:
            p = next((q for q in sorted(self.speculatable)
                      if executor_id not in self.ran_on[q] and q not in self.successful), None)
            if p is None:
                return None
            self.speculatable.discard(p)
            speculative = True
        attempt = TaskAttempt(task_id, p, self.next_attempt[p], executor_id, now, speculative, self.stage_attempt)
        self.next_attempt[p] += 1
        self.ran_on[p].add(executor_id)
        self.running[task_id] = attempt
        return attempt

    # ------------------------------------------------------------ outcomes

    def on_success(self, task_id, now):
        """Returns (attempt, is_first_success, other running attempts of that partition to kill)."""
        attempt = self.running.pop(task_id, None)
        if attempt is None:
            return None, False, []
        p = attempt.partition
        if p in self.successful:
            return attempt, False, []
        self.successful.add(p)
        self.speculatable.discard(p)
        self.durations.append(now - attempt.launch_time)
        others = [a for a in self.running.values() if a.partition == p]
        return attempt, True, others

    def on_failure(self, task_id, counts):
        """Returns (attempt, abort message or None). ``counts``: the task's own fault."""
        attempt = self.running.pop(task_id, None)
        if attempt is None:
            return None, None
        p = attempt.partition
        if p in self.successful:
            return attempt, None
        if counts:
            self.failures[p] += 1
            self.failed_on[p].add(attempt.executor_id)
            if self.failures[p] >= self.max_failures:
                return attempt, "Task %d in stage %d.%d failed %d times" % (
                    p, self.stage_id, self.stage_attempt, self.failures[p])
        if not self.zombie and not any(a.partition == p for a in self.running.values()) \
                and p not in self.pending:
            self.pending.append(p)
        return attempt, None

    def forget_executor(self, executor_id):
        """No more locality preference for an executor that is gone."""
        for prefs in self.preferred.values():
            prefs.discard(executor_id)

    def reset_partitions(self, partitions):
        """Outputs of these finished partitions were lost: run them again."""
        for p in partitions:
            if p in self.successful:
                self.successful.discard(p)
                if not self.zombie:
                    self.pending.append(p)

    def mark_done(self, partition):
        """Another attempt of the stage (an older task set) finished this partition."""
        if partition in self.pending:
            self.pending.remove(partition)
        self.speculatable.discard(partition)
        self.successful.add(partition)

    def check_speculation(self, now):
        """Mark running tasks that are much slower than the finished ones; returns them."""
        if self.speculation is None or self.zombie or not self.durations:
            return []
        quantile, multiplier, min_runtime = self.speculation
        if len(self.successful) < max(1, int(quantile * len(self.partitions))):
            return []
        threshold = max(multiplier * statistics.median(self.durations), min_runtime)
        marked = []
        copies = Counter(a.partition for a in self.running.values())
        for attempt in self.running.values():
            p = attempt.partition
            if (p not in self.successful and p not in self.speculatable and copies[p] == 1
                    and now - attempt.launch_time > threshold):
                self.speculatable.add(p)
                marked.append(p)
        return marked
