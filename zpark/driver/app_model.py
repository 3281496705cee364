"""One application's state as its events tell it: a fold (events in, model out; no I/O).

One code path for everything that shows what ran: the driver keeps one,
fed its own event stream, for ``statusTracker()`` and the live web UI; the
history server folds the same events read from an event-log file. Memory stays
bounded whatever the job: at most RETAINED_JOBS jobs and RETAINED_STAGES
stage attempts, TASK_ROWS task rows per stage attempt (later tasks count in
the totals but get no row), METRIC_SAMPLES samples per metric for the
quantiles, and RETAINED_FAILURES failures.
"""
import collections
import threading

from ..common.handlers import Handlers

RETAINED_JOBS = 1000
RETAINED_STAGES = 1000
TASK_ROWS = 1000
METRIC_SAMPLES = 10000
RETAINED_FAILURES = 1000
RESUBMIT_WINDOW = 10.0      # seconds: a stage resubmitted this soon after a failure is blamed on it
QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)
METRICS = ("duration", "run_time", "input_records", "shuffle_bytes_read", "shuffle_records_read",
           "shuffle_bytes_written", "shuffle_records_written", "spilled_bytes", "output_bytes_written",
           "serialization_time")
# A task's serialization time: pickling its result, or its shuffle blocks.
SERIALIZATION_METRICS = ("result_serialization_time", "shuffle_serialization_time")


class Samples:
    """A metric over a stage's tasks: exact count, sum and max, quantiles over the first samples."""

    def __init__(self, count=0, total=0.0, maximum=0.0, values=None):
        self.count, self.total, self.maximum = count, total, maximum
        self.values = values if values is not None else []

    def quantiles(self):
        if not self.values:
            return [0] * len(QUANTILES)
        ordered = sorted(self.values)
        return [ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))] for q in QUANTILES]

    @property
    def mean(self):
        return self.total / self.count if self.count else 0.0


class Job:
    def __init__(self, f, time):
        self.id = f["job_id"]
        self.description = f.get("description") or ""
        self.group = f.get("group")
        self.stage_ids = list(f.get("stage_ids", []))
        self.submitted = time
        self.completed = None
        self.status = "RUNNING"
        self.failure = None


class StageAttempt:
    def __init__(self, f, time):
        self.id = f["stage_id"]
        self.attempt = f.get("stage_attempt", 0)
        self.name = f.get("name", "")
        self.num_tasks = f.get("num_tasks", 0)
        self.job_ids = list(f.get("job_ids", []))
        self.parent_ids = list(f.get("parent_ids", []))
        self.rdds = list(f.get("rdds", []))
        self.barrier = bool(f.get("barrier"))
        self.submitted = time
        self.completed = None
        self.status = "ACTIVE"
        self.failure = None
        self.tasks = collections.OrderedDict()     # task id -> row (at most TASK_ROWS)
        self.active, self.succeeded, self.failed, self.killed = 0, 0, 0, 0
        # What the finished tasks measured, kept cheaply (this runs once per task on the driver): exact
        # totals and maxima of the metrics they reported, and the first METRIC_SAMPLES tasks' figures;
        # ``metrics`` turns them into a Samples per metric when a page asks.
        self.finished = 0
        self.totals, self.maxima = {}, {}
        self.samples = []                          # (duration, metrics dict) of the first tasks
        self.executors = collections.Counter()     # executor id -> tasks finished there
        self.completed_partitions = set()

    @property
    def key(self):
        return self.id, self.attempt

    def record(self, duration, metrics):
        """A task succeeded having measured ``duration`` and ``metrics``."""
        self.finished += 1
        totals, maxima = self.totals, self.maxima
        serialization = 0
        for name, value in metrics.items():
            totals[name] = totals.get(name, 0) + value
            if value > maxima.get(name, 0):
                maxima[name] = value
            if name in SERIALIZATION_METRICS:
                serialization += value
        for name, value in (("duration", duration), ("serialization_time", serialization)):
            totals[name] = totals.get(name, 0) + value
            if value > maxima.get(name, 0):
                maxima[name] = value
        if len(self.samples) < METRIC_SAMPLES:
            self.samples.append((duration, metrics))

    @property
    def metrics(self):
        """{metric: Samples} over the finished tasks (built on demand, for pages and the REST API)."""
        views = {}
        for name in METRICS:
            if name == "duration":
                values = [d for d, _ in self.samples]
            elif name == "serialization_time":
                values = [sum(m.get(s, 0) for s in SERIALIZATION_METRICS) for _, m in self.samples]
            else:
                values = [m.get(name, 0) for _, m in self.samples]
            views[name] = Samples(self.finished, self.totals.get(name, 0), self.maxima.get(name, 0), values)
        return views


class Executor:
    def __init__(self, f, time):
        self.id = f["executor_id"]
        self.address = f.get("address", "")
        self.host = f.get("host", "")
        self.cores = f.get("cores", 1)
        self.added = time
        self.removed = None
        self.removed_reason = None
        self.active, self.completed, self.failed = 0, 0, 0
        self.duration = 0.0
        self.shuffle_read, self.shuffle_write = 0, 0
        self.rss = 0
        self.heartbeat_at = time                   # when it was last heard from (ExecutorMetrics)

    @property
    def is_active(self):
        return self.removed is None


class AppModel:
    """Everything the pages and the REST API show of one application; fed with ``on_event``."""

    def __init__(self):
        self.lock = threading.RLock()    # the live UI reads from the server thread while events arrive
        self.app_id, self.app_name, self.master, self.user = None, "", "", ""
        self.started, self.ended, self.last_event = None, None, None
        self.environment = {}
        self.jobs = collections.OrderedDict()
        self.stages = collections.OrderedDict()      # (stage id, attempt) -> StageAttempt
        self.latest_attempt = {}                    # stage id -> its newest attempt number
        self.executors = collections.OrderedDict()
        self.failures = collections.deque(maxlen=RETAINED_FAILURES)
        self.skipped_stage_ids = {}                 # job id -> stage ids it did not need to run
        self.version = 0                            # bumped by every event (server-sent updates)
        self.abandoned = False                      # history: never ended and its log stopped growing
        self.rdds = {}                              # rdd id -> what the stages said of it (name, site...)
        self.cached = {}                            # rdd id -> {partition: executor ids holding it}
        self.cached_bytes = {}                      # (rdd id, partition) -> its size (executors' estimate)

    # ------------------------------------------------------------ events in

    def on_event(self, kind, fields, time):
        fold = _FOLDS[kind]
        with self.lock:
            self.last_event = time
            if self.started is None:
                self.started = time
            if fold is not None:
                fold(self, fields, time)
            self.version += 1

    def _on_ApplicationStart(self, f, time):
        self.app_id = f.get("app_id")
        self.app_name = f.get("app_name", "")
        self.master = f.get("master", "")
        self.user = f.get("user", "")
        self.started = time
        self.environment = dict(f.get("conf") or {})

    def _on_ApplicationEnd(self, f, time):
        self.ended = time

    def _on_JobStart(self, f, time):
        self.jobs[f["job_id"]] = Job(f, time)
        while len(self.jobs) > RETAINED_JOBS:
            self.jobs.popitem(last=False)

    def _on_JobEnd(self, f, time):
        job = self.jobs.get(f["job_id"])
        if job is None:
            return
        job.completed = time
        job.status = "SUCCEEDED" if f.get("result") == "success" else "FAILED"
        job.failure = f.get("reason")
        ran = {stage_id: self.stage_for_job(stage_id, job) for stage_id in job.stage_ids}
        for stage in ran.values():
            if stage is not None and stage.completed is None and job.status == "FAILED":
                stage.completed, stage.status = time, "FAILED"     # aborted with its job
                stage.failure = "job %d failed: %s" % (job.id, job.failure)
        self.skipped_stage_ids[job.id] = [s for s, stage in ran.items() if stage is None]

    def _on_StageSubmitted(self, f, time):
        stage = StageAttempt(f, time)
        for rdd in stage.rdds:
            self.rdds[rdd["id"]] = rdd
        if stage.attempt > 0:
            self._blame_resubmission(stage, time)
        self.stages[stage.key] = stage
        self.latest_attempt[stage.id] = max(stage.attempt, self.latest_attempt.get(stage.id, -1))
        while len(self.stages) > RETAINED_STAGES:
            self.stages.popitem(last=False)

    def _on_StageCompleted(self, f, time):
        stage = self.stages.get((f["stage_id"], f.get("stage_attempt", 0)))
        if stage is None or stage.completed is not None:
            return
        stage.completed = time
        stage.failure = f.get("failure")
        stage.status = "FAILED" if stage.failure else "COMPLETE"

    def _on_TaskStart(self, f, time):
        stage = self.stages.get((f["stage_id"], f.get("stage_attempt", 0)))
        executor = self.executors.get(f.get("executor_id"))
        if executor is not None:
            executor.active += 1
        if stage is None:
            return
        stage.active += 1
        if len(stage.tasks) < TASK_ROWS:
            stage.tasks[f["task_id"]] = {"task_id": f["task_id"], "partition": f.get("partition"),
                                         "attempt": f.get("attempt", 0), "executor_id": f.get("executor_id"),
                                         "speculative": bool(f.get("speculative")), "launched": time,
                                         "status": "RUNNING", "duration": None, "metrics": {}, "error": None}

    def _on_TaskEnd(self, f, time):
        stage = self.stage(f["stage_id"], f.get("stage_attempt"))
        success = f.get("reason") == "success"
        killed = str(f.get("reason", "")).startswith("killed")
        metrics = f.get("metrics") or {}
        executor = self.executors.get(f.get("executor_id"))
        if executor is not None:
            executor.active = max(0, executor.active - 1)
            executor.duration += f.get("duration") or 0.0
            executor.shuffle_read += metrics.get("shuffle_bytes_read", 0)
            executor.shuffle_write += metrics.get("shuffle_bytes_written", 0)
            if success:
                executor.completed += 1
            elif not killed:
                executor.failed += 1
        if not success and not killed:
            self._failure("task", time, stage_id=f["stage_id"], partition=f.get("partition"),
                          attempt=f.get("attempt"), task_id=f["task_id"], executor_id=f.get("executor_id"),
                          reason=f.get("reason"), error=f.get("error"))
        if stage is None:
            return
        stage.active = max(0, stage.active - 1)
        cached = f.get("cached") or ()
        for rdd_id, partition in cached:
            self.cached.setdefault(rdd_id, {}).setdefault(partition, set()).add(f.get("executor_id"))
            self.cached_bytes[(rdd_id, partition)] = metrics.get("cached_bytes", 0) // len(cached)
        if success:
            stage.succeeded += 1
            stage.completed_partitions.add(f.get("partition"))
            stage.executors[f.get("executor_id")] += 1
            stage.record(f.get("duration") or 0.0, metrics)
        elif killed:
            stage.killed += 1
        else:
            stage.failed += 1
        row = stage.tasks.get(f["task_id"])
        if row is not None:
            row.update(status="SUCCESS" if success else "KILLED" if killed else "FAILED",
                       duration=f.get("duration"), metrics=metrics, error=f.get("error"),
                       reason=f.get("reason"))

    def _on_ExecutorAdded(self, f, time):
        self.executors[f["executor_id"]] = Executor(f, time)

    def _on_ExecutorMetrics(self, f, time):
        for executor_id, values in (f.get("executors") or {}).items():
            executor = self.executors.get(executor_id)
            if executor is not None:
                executor.rss = values.get("rss", 0)
                executor.heartbeat_at = time - values.get("heartbeat_age", 0)

    def _on_RDDUnpersisted(self, f, time):
        self.cached.pop(f["rdd_id"], None)
        for key in [k for k in self.cached_bytes if k[0] == f["rdd_id"]]:
            del self.cached_bytes[key]

    def _on_ExecutorRemoved(self, f, time):
        for partitions in self.cached.values():
            for holders in partitions.values():
                holders.discard(f["executor_id"])
        executor = self.executors.get(f["executor_id"])
        if executor is not None:
            executor.removed = time
            executor.removed_reason = f.get("reason")
        self._failure("executor", time, executor_id=f["executor_id"], reason=f.get("reason"),
                      running_tasks=list(f.get("running_tasks") or []))

    def _on_ShuffleRemoved(self, f, time):
        pass

    def _failure(self, kind, time, **fields):
        self.failures.append(dict(fields, kind=kind, time=time, resubmitted=[]))

    def _blame_resubmission(self, stage, time):
        """A stage runs again: the failures that cause resubmissions shortly before it get the credit -
        executor losses, fetch failures, and (barrier stages) any task failure of that stage."""
        for failure in reversed(self.failures):
            if time - failure["time"] > RESUBMIT_WINDOW:
                break
            causes = (failure["kind"] == "executor"
                      or (failure["kind"] == "task" and (str(failure.get("reason", "")).startswith("fetch failed")
                                                         or failure.get("stage_id") == stage.id)))
            if causes and (stage.id, stage.attempt) not in failure["resubmitted"]:
                failure["resubmitted"].append((stage.id, stage.attempt))

    # ------------------------------------------------------------ queries (call with the lock held)

    def stage(self, stage_id, attempt=None):
        if attempt is None:
            attempt = self.latest_attempt.get(stage_id)
        return self.stages.get((stage_id, attempt))

    def stages_of_job(self, job):
        return [s for s in self.stages.values() if job.id in s.job_ids]

    def stage_for_job(self, stage_id, job):
        """The newest attempt of a stage that ran for ``job`` (None: the job skipped it)."""
        for attempt in range(self.latest_attempt.get(stage_id, -1), -1, -1):
            stage = self.stages.get((stage_id, attempt))
            if stage is not None and job.id in stage.job_ids:
                return stage
        return None

    def job_progress(self, job):
        """(tasks done, tasks in all, active) over the newest attempt of each stage it ran."""
        done = total = active = 0
        for stage_id in job.stage_ids:
            stage = self.stage_for_job(stage_id, job)
            if stage is None:
                continue
            total += stage.num_tasks
            done += min(stage.succeeded, stage.num_tasks)
            active += stage.active
        return done, total, active

    def storage(self):
        """The cached RDDs: [(rdd info, partitions cached, {executor id: partitions held}, bytes)]."""
        rows = []
        for rdd_id in sorted(self.cached):
            held = {p: holders for p, holders in self.cached[rdd_id].items() if holders}
            if not held:
                continue
            by_executor = collections.Counter(e for holders in held.values() for e in holders)
            info = self.rdds.get(rdd_id, {"id": rdd_id, "name": "RDD", "site": ""})
            size = sum(self.cached_bytes.get((rdd_id, p), 0) for p in held)
            rows.append((info, len(held), dict(sorted(by_executor.items())), size))
        return rows

    def warnings(self, stage):
        """Skew and stragglers, in words, from a stage's task metrics."""
        notes = []
        metrics = stage.metrics
        duration = metrics["duration"]
        if duration.count >= 4:
            median = duration.quantiles()[2]
            if median > 0 and duration.maximum > 3 * median and duration.maximum - median > 0.5:
                notes.append("straggler: the slowest task took %.1fx the median (%.2fs vs %.2fs)"
                             % (duration.maximum / median, duration.maximum, median))
        for name in ("shuffle_bytes_read", "input_records", "shuffle_records_read"):
            samples = metrics[name]
            if samples.count >= 4 and samples.mean > 0 and samples.maximum > 4 * samples.mean \
                    and samples.maximum > 1024:
                notes.append("skew: one task's %s is %.1fx the mean (%d vs %.0f)"
                             % (name.replace("_", " "), samples.maximum / samples.mean, samples.maximum,
                                samples.mean))
        return notes

    # ------------------------------------------------------------ PySpark's StatusTracker queries

    def job_ids_for_group(self, group):
        with self.lock:
            return [j for j, job in self.jobs.items() if job.group == group]

    def active_job_ids(self):
        with self.lock:
            return [j for j, job in self.jobs.items() if job.status == "RUNNING"]

    def active_stage_ids(self):
        with self.lock:
            return sorted({s.id for s in self.stages.values() if s.status == "ACTIVE"})

    def job_info(self, job_id):
        with self.lock:
            job = self.jobs.get(job_id)
            return (job_id, list(job.stage_ids), job.status) if job else None

    def stage_info(self, stage_id):
        """(attempt, name, tasks, active, completed partitions, failed) of its newest attempt, or None."""
        with self.lock:
            stage = self.stage(stage_id)
            if stage is None:
                return None
            return (stage.attempt, stage.name, stage.num_tasks, stage.active, len(stage.completed_partitions),
                    stage.failed)


_FOLDS = Handlers(AppModel, "_on_")     # event kind -> the method folding it, or None
