"""What is running and what ran, folded from the scheduler's event stream (the events the event
log gets), for ``statusTracker()``: PySpark's SparkJobInfo and SparkStageInfo, bounded in size."""
import collections
import threading

SparkJobInfo = collections.namedtuple("SparkJobInfo", "jobId stageIds status")
SparkStageInfo = collections.namedtuple(
    "SparkStageInfo", "stageId currentAttemptId name numTasks numActiveTasks numCompletedTasks numFailedTasks")

RETAINED_JOBS = 1000
RETAINED_STAGES = 1000


class StatusStore:
    """A fold over (kind, fields) events; read from any thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self.jobs = collections.OrderedDict()      # job id -> {"stage_ids", "status", "group"}
        self.stages = collections.OrderedDict()    # stage id -> dict of SparkStageInfo's fields, "running"

    def on_event(self, kind, fields):
        handler = getattr(self, "_on_" + kind, None)
        if handler is not None:
            with self._lock:
                handler(fields)

    def _on_JobStart(self, f):
        self.jobs[f["job_id"]] = {"stage_ids": list(f.get("stage_ids", [])), "status": "RUNNING",
                                  "group": f.get("group")}
        while len(self.jobs) > RETAINED_JOBS:
            self.jobs.popitem(last=False)

    def _on_JobEnd(self, f):
        job = self.jobs.get(f["job_id"])
        if job is not None:
            job["status"] = "SUCCEEDED" if f.get("result") == "success" else "FAILED"

    def _on_StageSubmitted(self, f):
        stage = self.stages.setdefault(f["stage_id"], {"completed": set(), "failed": 0})
        stage.update(attempt=f.get("stage_attempt", 0), name=f.get("name", ""), num_tasks=f.get("num_tasks", 0),
                     active=set(), running=True)
        while len(self.stages) > RETAINED_STAGES:
            self.stages.popitem(last=False)

    def _on_StageCompleted(self, f):
        stage = self.stages.get(f["stage_id"])
        if stage is not None:
            stage["running"] = False

    def _on_TaskStart(self, f):
        stage = self.stages.get(f["stage_id"])
        if stage is not None:
            stage["active"].add(f["task_id"])

    def _on_TaskEnd(self, f):
        stage = self.stages.get(f["stage_id"])
        if stage is None:
            return
        stage["active"].discard(f["task_id"])
        if f.get("reason") == "success":
            stage["completed"].add(f["partition"])
        elif f.get("counted") is not False and not str(f.get("reason", "")).startswith("killed"):
            stage["failed"] += 1

    # ------------------------------------------------------------ PySpark's StatusTracker queries

    def job_ids_for_group(self, group):
        with self._lock:
            return [j for j, job in self.jobs.items() if job["group"] == group]

    def active_job_ids(self):
        with self._lock:
            return [j for j, job in self.jobs.items() if job["status"] == "RUNNING"]

    def active_stage_ids(self):
        with self._lock:
            return [s for s, stage in self.stages.items() if stage.get("running")]

    def job_info(self, job_id):
        with self._lock:
            job = self.jobs.get(job_id)
            return SparkJobInfo(job_id, list(job["stage_ids"]), job["status"]) if job else None

    def stage_info(self, stage_id):
        with self._lock:
            s = self.stages.get(stage_id)
            if s is None or "num_tasks" not in s:
                return None
            return SparkStageInfo(stage_id, s["attempt"], s["name"], s["num_tasks"], len(s["active"]),
                                  len(s["completed"]), s["failed"])


class StatusTracker:
    """``sc.statusTracker()``: PySpark's low-level status API (a snapshot per call)."""

    def __init__(self, store):
        self._store = store

    def getJobIdsForGroup(self, jobGroup=None):
        return self._store.job_ids_for_group(jobGroup)

    def getActiveStageIds(self):
        return self._store.active_stage_ids()

    def getActiveJobsIds(self):
        return self._store.active_job_ids()

    def getJobInfo(self, jobId):
        return self._store.job_info(jobId)

    def getStageInfo(self, stageId):
        return self._store.stage_info(stageId)
