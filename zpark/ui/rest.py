"""Spark's monitoring REST API (``/api/v1/...``): the same paths and JSON field names, from an AppModel.

Tools written for Spark's UI read these; zpark fills what it measures and
gives Spark's neutral value (0, empty) for what has no meaning here (JVM
garbage collection, off-heap memory).
"""
import time as _time

from ..common.config import SPARK_VERSION
from ..driver.app_model import SERIALIZATION_METRICS


def spark_time(seconds):
    """Spark's date format: 2015-02-03T16:42:59.720GMT."""
    if seconds is None:
        return None
    return _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(seconds)) + ".%03dGMT" % int((seconds % 1) * 1000)


# Spark's stage fields for what zpark does not measure separately (push-based shuffle, local vs remote
# fetches, merged blocks): present, as 0, so tools that read them work.
_UNMEASURED_STAGE_FIELDS = (
    "shuffleRemoteBlocksFetched", "shuffleLocalBlocksFetched", "shuffleFetchWaitTime", "shuffleRemoteBytesReadToDisk",
    "shuffleLocalBytesRead", "shuffleCorruptMergedBlockChunks", "shuffleMergedFetchFallbackCount",
    "shuffleMergedRemoteBlocksFetched", "shuffleMergedLocalBlocksFetched", "shuffleMergedRemoteChunksFetched",
    "shuffleMergedLocalChunksFetched", "shuffleMergedRemoteBytesRead", "shuffleMergedLocalBytesRead",
    "shuffleRemoteReqsDuration", "shuffleMergedRemoteReqsDuration")


def _ms(seconds):
    return int(round((seconds or 0) * 1000))


def application(model):
    end = model.ended
    last = model.last_event or model.started
    return {
        "id": model.app_id, "name": model.app_name,
        "attempts": [{
            "startTime": spark_time(model.started), "endTime": spark_time(end) if end else "1969-12-31T23:59:59.999GMT",
            "lastUpdated": spark_time(last), "duration": _ms((end or last or 0) - (model.started or 0)),
            "sparkUser": model.user, "completed": end is not None,
            "appSparkVersion": SPARK_VERSION, "startTimeEpoch": _ms(model.started),
            "endTimeEpoch": _ms(end) if end else -1, "lastUpdatedEpoch": _ms(last),
        }],
    }


def job(model, j):
    ran = [s for s in (model.stage_for_job(sid, j) for sid in j.stage_ids) if s is not None]
    skipped = model.skipped_stage_ids.get(j.id, [])
    done, total, active = model.job_progress(j)
    return {
        "jobId": j.id, "name": j.description, "description": j.description,
        "submissionTime": spark_time(j.submitted), "completionTime": spark_time(j.completed),
        "stageIds": list(j.stage_ids), "jobGroup": j.group, "jobTags": [], "status": j.status,
        "numTasks": total, "numActiveTasks": active, "numCompletedTasks": done,
        "numSkippedTasks": 0, "numFailedTasks": sum(s.failed for s in ran),
        "numKilledTasks": sum(s.killed for s in ran), "numCompletedIndices": done,
        "numActiveStages": sum(1 for s in ran if s.status == "ACTIVE"),
        "numCompletedStages": sum(1 for s in ran if s.status == "COMPLETE"),
        "numSkippedStages": len(skipped), "numFailedStages": sum(1 for s in ran if s.status == "FAILED"),
        "killedTasksSummary": {},
    }


def stage(model, s, with_tasks=False):
    metric = s.metrics
    body = {
        "status": s.status, "stageId": s.id, "attemptId": s.attempt, "numTasks": s.num_tasks,
        "numActiveTasks": s.active, "numCompleteTasks": s.succeeded, "numFailedTasks": s.failed,
        "numKilledTasks": s.killed, "numCompletedIndices": s.succeeded,
        "submissionTime": spark_time(s.submitted),
        "firstTaskLaunchedTime": spark_time(min((t["launched"] for t in s.tasks.values()), default=None)),
        "completionTime": spark_time(s.completed),
        "failureReason": s.failure,
        "executorDeserializeTime": 0, "executorDeserializeCpuTime": 0,
        "executorRunTime": _ms(metric["run_time"].total), "executorCpuTime": 0, "resultSize": 0,
        "jvmGcTime": 0, "memoryBytesSpilled": 0,
        "diskBytesSpilled": int(metric["spilled_bytes"].total), "peakExecutionMemory": 0,
        "inputBytes": 0, "inputRecords": int(metric["input_records"].total),
        "outputBytes": int(metric["output_bytes_written"].total), "outputRecords": 0,
        "resultSerializationTime": _ms(metric["serialization_time"].total),
        "shuffleReadBytes": int(metric["shuffle_bytes_read"].total),
        "shuffleRemoteBytesRead": int(metric["shuffle_bytes_read"].total),
        "shuffleReadRecords": int(metric["shuffle_records_read"].total),
        "shuffleWriteBytes": int(metric["shuffle_bytes_written"].total),
        "shuffleWriteRecords": int(metric["shuffle_records_written"].total), "shuffleWriteTime": 0,
        "name": s.name, "description": None, "details": "", "schedulingPool": "default",
        "rddIds": [r["id"] for r in s.rdds], "accumulatorUpdates": [], "killedTasksSummary": {},
        "resourceProfileId": 0, "peakExecutorMetrics": {}, "isShufflePushEnabled": False,
        "shuffleMergersCount": 0,
    }
    for name in _UNMEASURED_STAGE_FIELDS:
        body.setdefault(name, 0)
    if with_tasks:
        body["tasks"] = {str(t["task_id"]): task(model, t) for t in s.tasks.values()}
    return body


def task(model, t):
    metrics = t.get("metrics") or {}
    executor = model.executors.get(t["executor_id"])
    return {
        "taskId": t["task_id"], "index": t["partition"], "attempt": t["attempt"], "partitionId": t["partition"],
        "launchTime": spark_time(t["launched"]), "duration": _ms(t["duration"]) if t["duration"] is not None else None,
        "executorId": t["executor_id"], "host": executor.host if executor else "",
        "status": t["status"], "taskLocality": "PROCESS_LOCAL", "speculative": t["speculative"],
        "accumulatorUpdates": [], "errorMessage": t.get("error"),
        "taskMetrics": {
            "executorDeserializeTime": 0, "executorDeserializeCpuTime": 0,
            "executorRunTime": _ms(metrics.get("run_time")), "executorCpuTime": 0,
            "resultSize": 0, "jvmGcTime": 0,
            "resultSerializationTime": _ms(sum(metrics.get(m, 0) for m in SERIALIZATION_METRICS)),
            "memoryBytesSpilled": 0,
            "diskBytesSpilled": metrics.get("spilled_bytes", 0),
            "inputMetrics": {"bytesRead": 0, "recordsRead": metrics.get("input_records", 0)},
            "outputMetrics": {"bytesWritten": metrics.get("output_bytes_written", 0),
                              "recordsWritten": metrics.get("output_records_written", 0)},
            "shuffleReadMetrics": {"remoteBlocksFetched": 0, "localBlocksFetched": 0, "fetchWaitTime": 0,
                                   "remoteBytesRead": metrics.get("shuffle_bytes_read", 0), "localBytesRead": 0,
                                   "recordsRead": metrics.get("shuffle_records_read", 0)},
            "shuffleWriteMetrics": {"bytesWritten": metrics.get("shuffle_bytes_written", 0), "writeTime": 0,
                                    "recordsWritten": metrics.get("shuffle_records_written", 0)},
        },
    }


def executor(model, e):
    return {
        "id": e.id, "hostPort": e.address.split("://")[-1], "isActive": e.is_active,
        "rddBlocks": sum(1 for partitions in model.cached.values() for holders in partitions.values()
                         if e.id in holders),
        "memoryUsed": e.rss, "diskUsed": 0, "totalCores": e.cores, "maxTasks": e.cores, "activeTasks": e.active,
        "failedTasks": e.failed, "completedTasks": e.completed, "totalTasks": e.active + e.failed + e.completed,
        "totalDuration": _ms(e.duration), "totalGCTime": 0, "totalInputBytes": 0,
        "totalShuffleRead": e.shuffle_read, "totalShuffleWrite": e.shuffle_write, "isBlacklisted": False,
        "isExcluded": False, "maxMemory": 0, "addTime": spark_time(e.added), "removeTime": spark_time(e.removed),
        "removeReason": e.removed_reason, "executorLogs": {}, "attributes": {}, "resources": {},
        "resourceProfileId": 0,
    }


def environment(model, redact):
    return {
        "runtime": {"javaVersion": "", "javaHome": "", "scalaVersion": ""},
        "sparkProperties": [[k, redact(k, v)] for k, v in sorted(model.environment.items())],
        "hadoopProperties": [], "systemProperties": [], "metricsProperties": [], "classpathEntries": [],
        "resourceProfiles": [],
    }


def cached_rdds(model):
    """``/storage/rdd``: the cached RDDs, how many of their partitions are held and their size (executors
    estimate in-memory partitions from a sample of records)."""
    return [{"id": info["id"], "name": info["name"], "numPartitions": info.get("partitions", 0),
             "numCachedPartitions": cached, "storageLevel": info.get("storage_level", ""),
             "memoryUsed": size if "Memory" in info.get("storage_level", "") else 0,
             "diskUsed": 0 if "Memory" in info.get("storage_level", "") else size}
            for info, cached, _, size in model.storage()]
