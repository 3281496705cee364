"""The live web UI over HTTP: a running application's pages and REST API agree with its event log, and
its update stream pushes each change."""
import re
import urllib.error
import urllib.request
from operator import add

import pytest

import zpark
from zpark.driver.event_log import read_events

from waiting import wait_for
from web import get


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """A finished shuffle job, a cached RDD, and a job whose tasks always fail."""
    events = tmp_path_factory.mktemp("events")
    conf = {"zpark.ui.showConsoleProgress": False, "zpark.eventLog.dir": str(events), "zpark.ui.port": 0,
            "zpark.task.maxFailures": 2}
    with zpark.Context("local[2]", app_name="ui-test", conf=conf) as sc:
        counts = sc.parallelize(range(1000), 4).map(lambda x: (x % 7, 1)).reduceByKey(add, 3).cache()
        assert counts.count() == 7

        def bad(x):
            raise ValueError("injected bad record %d" % x)
        with pytest.raises(zpark.JobFailedError):
            sc.parallelize(range(4), 1).map(bad).collect()   # one partition: no sibling to kill
        yield sc


def test_the_live_ui_is_on_loopback_and_named_in_ui_web_url(app):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", app.uiWebUrl)
    assert "ui-test" in get(app.uiWebUrl + "/", raw=True)


def test_rest_jobs_stages_and_tasks_match_the_event_log(app):
    base = "%s/api/v1/applications/%s" % (app.uiWebUrl, app.applicationId)
    (listed,) = get(app.uiWebUrl + "/api/v1/applications")
    assert listed["id"] == app.applicationId and listed["name"] == "ui-test"

    def agree():
        """The UI and the event log (flushed at its own pace) show the same jobs, stages and tasks."""
        events = read_events(app.eventLogPath)
        stages = get(base + "/stages")
        ended = sum(s["numCompleteTasks"] + s["numFailedTasks"] + s["numKilledTasks"] for s in stages)
        return (ended == sum(1 for e in events if e["event"] == "TaskEnd")
                and len(stages) == sum(1 for e in events if e["event"] == "StageSubmitted")
                and sorted(j["jobId"] for j in get(base + "/jobs"))
                == sorted(e["job_id"] for e in events if e["event"] == "JobStart"))
    wait_for(agree, 10, message="the UI to agree with the event log")
    assert {j["jobId"]: j["status"] for j in get(base + "/jobs")} == {0: "SUCCEEDED", 1: "FAILED"}
    stages = get(base + "/stages")
    failed_stage = next(s for s in stages if s["status"] == "FAILED")
    assert failed_stage["numFailedTasks"] == 2               # 1 partition x maxFailures 2
    tasks = get("%s/stages/%d/%d/taskList" % (base, failed_stage["stageId"], failed_stage["attemptId"]))
    assert len(tasks) == 2 and all("injected bad record" in t["errorMessage"] for t in tasks)
    assert get(base + "/jobs/0")["numCompletedTasks"] == 4 + 3
    map_stage = next(s for s in stages if s["numTasks"] == 4 and s["status"] == "COMPLETE")
    assert map_stage["shuffleWriteRecords"] > 0 and map_stage["name"].startswith("ShuffleMapStage")
    (cached,) = get(base + "/storage/rdd")
    assert cached["numPartitions"] == cached["numCachedPartitions"] == 3 and cached["memoryUsed"] > 0
    assert map_stage["resultSerializationTime"] >= 0 and "Serialization time" in get(
        "%s/%s/stages/%d/0" % (app.uiWebUrl, app.applicationId, map_stage["stageId"]), raw=True)
    executors = get(base + "/executors")
    assert len(executors) == 2 and sum(e["completedTasks"] for e in executors) == 7
    with pytest.raises(urllib.error.HTTPError):
        get(base + "/jobs/99")


def test_pages_show_the_jobs_dag_failures_and_executors(app):
    base = "%s/%s" % (app.uiWebUrl, app.applicationId)
    jobs = get(base + "/jobs/", raw=True)
    assert jobs.count('class="job-row"') == 2 and "FAILED" in jobs and "SUCCEEDED" in jobs
    job = get(base + "/jobs/0", raw=True)
    assert job.count('class="stage stage-complete"') == 2 and 'class="shuffle-edge"' in job
    assert "rdd-cached" in job and "test_ui.py:" in job                  # user call sites in the DAG
    failures = get(base + "/failures/", raw=True)
    assert failures.count('class="failure-row kind-task"') == 2 and "injected bad record" in failures
    assert get(base + "/executors/", raw=True).count('class="executor-row active"') == 2
    map_stage = next(s for s in get("%s/api/v1/applications/%s/stages" % (app.uiWebUrl, app.applicationId))
                     if s["numTasks"] == 4 and s["status"] == "COMPLETE")
    stage = get("%s/stages/%d/0" % (base, map_stage["stageId"]), raw=True)
    assert "Summary of 4 completed tasks" in stage and stage.count('class="task-row success"') == 4
    assert "ui-test" in get(base + "/environment/", raw=True)


def test_live_updates_are_pushed_while_a_job_runs(app):
    """The update stream announces each new state of the application until the job's last event."""
    (ui,) = app._listeners
    stream = urllib.request.urlopen("%s/updates/%s" % (app.uiWebUrl, app.applicationId), timeout=30)
    versions = [_next_version(stream)]

    def slow(x):
        import time
        time.sleep(0.2)
        return x
    assert app.parallelize(range(6), 6).map(slow).count() == 6
    wait_for(lambda: ui.model.jobs[max(ui.model.jobs)].completed, 10, message="the job's end to reach the UI")
    final = ui.model.version
    while versions[-1] < final:
        versions.append(_next_version(stream))
    stream.close()
    assert versions == sorted(set(versions)) and versions[0] < final == versions[-1]


def _next_version(stream):
    while True:
        line = stream.readline().decode()
        if line.startswith("data:"):
            return int(line[5:])
