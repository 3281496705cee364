"""``sc.statusTracker()``: PySpark's low-level status API, answered from the driver's AppModel (the same
fold of the event stream the web UI shows), a snapshot per call."""
import collections

SparkJobInfo = collections.namedtuple("SparkJobInfo", "jobId stageIds status")
SparkStageInfo = collections.namedtuple(
    "SparkStageInfo", "stageId currentAttemptId name numTasks numActiveTasks numCompletedTasks numFailedTasks")


class StatusTracker:
    def __init__(self, model):
        self._model = model

    def getJobIdsForGroup(self, jobGroup=None):
        return self._model.job_ids_for_group(jobGroup)

    def getActiveStageIds(self):
        return self._model.active_stage_ids()

    def getActiveJobsIds(self):
        return self._model.active_job_ids()

    def getJobInfo(self, jobId):
        info = self._model.job_info(jobId)
        return SparkJobInfo(*info) if info else None

    def getStageInfo(self, stageId):
        info = self._model.stage_info(stageId)
        return SparkStageInfo(stageId, *info) if info else None
