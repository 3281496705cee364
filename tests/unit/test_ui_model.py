"""The UI's fold (events in, page model out) and the REST API built on it - no server, no browser."""
import json
import pathlib

from zpark.common.config import redact
from zpark.driver import app_model as ui_model
from zpark.ui import rest
from zpark.ui.dag import job_svg
from zpark.driver.app_model import AppModel
from zpark.ui.server import LiveApp, rest_answer

SHAPES = json.loads((pathlib.Path(__file__).parent / "data" / "spark_rest_shapes.json").read_text())


def app_with_a_shuffle_job_and_a_failed_task():
    """Two executors; job 0 = map stage 0 (2 tasks) + result stage 1 (2 tasks, one failed once);
    job 1 reuses stage 0's output (skipped) and fails; executor e2 is lost on the way."""
    m = AppModel()
    t = iter(range(1000, 2000))
    feed = lambda kind, **f: m.on_event(kind, f, float(next(t)))
    feed("ApplicationStart", app_id="app-1", app_name="demo", master="local[2]", user="ann",
         conf={"zpark.app.name": "demo", "zpark.secret.token": "hush"})
    feed("ExecutorAdded", executor_id="e1", address="tcp://h1:1", cores=1, host="h1")
    feed("ExecutorAdded", executor_id="e2", address="tcp://h2:2", cores=1, host="h2")
    feed("JobStart", job_id=0, description="count at job.py:3", stage_ids=[0, 1], partitions=2)
    rdds0 = [{"id": 2, "name": "MapPartitionsRDD", "site": "map at job.py:2", "cached": True, "parents": [1],
              "partitions": 2, "storage_level": "Memory Serialized 1x Replicated"},
             {"id": 1, "name": "ParallelCollectionRDD", "site": "parallelize at job.py:1", "cached": False,
              "parents": []}]
    feed("StageSubmitted", stage_id=0, stage_attempt=0, num_tasks=2, name="ShuffleMapStage at map at job.py:2",
         job_ids=[0], parent_ids=[], rdds=rdds0)
    for task, part, ex in ((0, 0, "e1"), (1, 1, "e2")):
        feed("TaskStart", task_id=task, stage_id=0, stage_attempt=0, partition=part, attempt=0, executor_id=ex)
    for task, part, ex in ((0, 0, "e1"), (1, 1, "e2")):
        feed("TaskEnd", task_id=task, stage_id=0, stage_attempt=0, partition=part, attempt=0, executor_id=ex,
             reason="success", duration=0.5 + task,
             metrics={"shuffle_bytes_written": 100 * (task + 1), "cached_bytes": 500 * (task + 1),
                      "shuffle_serialization_time": 0.25}, cached=[[2, part]])
    feed("StageCompleted", stage_id=0, stage_attempt=0, name="ShuffleMapStage at map at job.py:2")
    feed("StageSubmitted", stage_id=1, stage_attempt=0, num_tasks=2, name="ResultStage at count at job.py:3",
         job_ids=[0], parent_ids=[0], rdds=[{"id": 3, "name": "ShuffledRDD", "site": "reduceByKey at job.py:3",
                                             "cached": False, "parents": []}])
    feed("TaskStart", task_id=2, stage_id=1, stage_attempt=0, partition=0, attempt=0, executor_id="e1")
    feed("TaskEnd", task_id=2, stage_id=1, stage_attempt=0, partition=0, attempt=0, executor_id="e1",
         reason="exception: ValueError: bad record", error="Traceback...\nValueError: bad record", duration=0.1)
    feed("TaskStart", task_id=3, stage_id=1, stage_attempt=0, partition=0, attempt=1, executor_id="e1")
    feed("TaskEnd", task_id=3, stage_id=1, stage_attempt=0, partition=0, attempt=1, executor_id="e1",
         reason="success", duration=0.2)
    feed("TaskStart", task_id=4, stage_id=1, stage_attempt=0, partition=1, attempt=0, executor_id="e1")
    feed("TaskEnd", task_id=4, stage_id=1, stage_attempt=0, partition=1, attempt=0, executor_id="e1",
         reason="success", duration=0.3)
    feed("StageCompleted", stage_id=1, stage_attempt=0, name="ResultStage at count at job.py:3")
    feed("JobEnd", job_id=0, result="success")
    feed("ExecutorRemoved", executor_id="e2", reason="executor killed for exceeding memory (exit code 137)",
         running_tasks=[])
    feed("StageSubmitted", stage_id=0, stage_attempt=1, num_tasks=1, name="ShuffleMapStage at map at job.py:2",
         job_ids=[1], parent_ids=[], rdds=rdds0)
    feed("JobStart", job_id=1, description="collect at job.py:5", stage_ids=[0, 2], partitions=2)
    feed("JobEnd", job_id=1, result="failed", reason="Job 1 aborted: boom")
    feed("ApplicationEnd", app_id="app-1")
    return m


def test_jobs_stages_tasks_and_executors_are_counted_from_the_events():
    m = app_with_a_shuffle_job_and_a_failed_task()
    assert [j.status for j in m.jobs.values()] == ["SUCCEEDED", "FAILED"]
    assert m.job_progress(m.jobs[0]) == (4, 4, 0)
    result = m.stage(1, 0)
    assert (result.succeeded, result.failed, result.killed, result.active) == (2, 1, 0, 0)
    assert result.metrics["duration"].count == 2 and result.metrics["duration"].maximum == 0.3
    assert m.stage(0, 0).metrics["shuffle_bytes_written"].total == 300
    e1, e2 = m.executors["e1"], m.executors["e2"]
    assert (e1.completed, e1.failed, e1.active) == (3, 1, 0) and e1.is_active
    assert not e2.is_active and "exit code 137" in e2.removed_reason
    assert m.ended is not None and m.user == "ann"


def test_failures_keep_reasons_tracebacks_and_what_they_caused_to_be_resubmitted():
    m = app_with_a_shuffle_job_and_a_failed_task()
    task_failure, executor_loss = list(m.failures)
    assert task_failure["kind"] == "task" and task_failure["reason"] == "exception: ValueError: bad record"
    assert "Traceback" in task_failure["error"] and task_failure["partition"] == 0
    assert task_failure["resubmitted"] == []           # a retried task resubmits no stage
    assert executor_loss["kind"] == "executor" and executor_loss["resubmitted"] == [(0, 1)]


def test_a_failed_job_fails_its_unfinished_stages_and_the_model_stays_bounded(monkeypatch):
    m = app_with_a_shuffle_job_and_a_failed_task()
    assert m.stage(0, 1).status == "FAILED" and "boom" in m.stage(0, 1).failure
    monkeypatch.setattr(ui_model, "TASK_ROWS", 3)
    monkeypatch.setattr(ui_model, "RETAINED_JOBS", 5)
    big = AppModel()
    big.on_event("StageSubmitted", {"stage_id": 0, "stage_attempt": 0, "num_tasks": 100, "job_ids": [0]}, 1.0)
    for i in range(100):
        big.on_event("TaskStart", {"task_id": i, "stage_id": 0, "stage_attempt": 0, "partition": i}, 1.0)
        big.on_event("TaskEnd", {"task_id": i, "stage_id": 0, "stage_attempt": 0, "partition": i,
                                 "reason": "success", "duration": 0.01}, 1.1)
    for j in range(20):
        big.on_event("JobStart", {"job_id": j, "stage_ids": [0]}, 2.0)
    stage = big.stage(0, 0)
    assert len(stage.tasks) == 3 and stage.succeeded == 100 and stage.metrics["duration"].count == 100
    assert list(big.jobs) == [15, 16, 17, 18, 19]


def test_stragglers_and_skew_are_named():
    m = AppModel()
    m.on_event("StageSubmitted", {"stage_id": 0, "stage_attempt": 0, "num_tasks": 5, "job_ids": [0]}, 0.0)
    for i, (duration, read) in enumerate([(1, 1000), (1, 1000), (1, 1000), (1, 1000), (9, 90000)]):
        m.on_event("TaskEnd", {"task_id": i, "stage_id": 0, "stage_attempt": 0, "partition": i, "reason": "success",
                               "duration": duration, "metrics": {"shuffle_bytes_read": read}}, 1.0)
    notes = m.warnings(m.stage(0, 0))
    assert any(n.startswith("straggler: the slowest task took 9.0x the median") for n in notes)
    assert any(n.startswith("skew: one task's shuffle bytes read") for n in notes)


def test_rest_answers_carry_spark_s_field_names():
    m = app_with_a_shuffle_job_and_a_failed_task()
    apps = LiveApp(m)
    ask = lambda path, **params: rest_answer(apps, params, path, redact)
    (app,) = ask("/api/v1/applications")
    assert set(SHAPES["application"]) <= set(app)
    assert set(SHAPES["application_attempt"]) <= set(app["attempts"][0]) and app["attempts"][0]["completed"]
    jobs = ask("/api/v1/applications/app-1/jobs", app_id="app-1")
    assert [j["jobId"] for j in jobs] == [1, 0] and all(set(SHAPES["job"]) <= set(j) for j in jobs)
    assert jobs[1]["numCompletedTasks"] == 4 and jobs[1]["numFailedTasks"] == 1 and jobs[0]["status"] == "FAILED"
    stages = ask("/api/v1/applications/app-1/stages", app_id="app-1")
    assert all(set(SHAPES["stage"]) <= set(s) for s in stages)
    failed = [s for s in stages if s["status"] == "FAILED"]
    assert len(failed) == 1 and set(SHAPES["failed_stage_extra"]) <= set(failed[0])
    tasks = ask("/api/v1/applications/app-1/stages/1/0/taskList", app_id="app-1", stage_id=1, attempt=0)
    assert [t["taskId"] for t in tasks] == [2, 3, 4] and tasks[0]["status"] == "FAILED"
    for t in tasks:
        assert set(SHAPES["task"]) <= set(t) and set(SHAPES["task_metrics"]) <= set(t["taskMetrics"])
        assert set(SHAPES["shuffle_read_metrics"]) <= set(t["taskMetrics"]["shuffleReadMetrics"])
        assert set(SHAPES["shuffle_write_metrics"]) <= set(t["taskMetrics"]["shuffleWriteMetrics"])
    active = ask("/api/v1/applications/app-1/executors", app_id="app-1")
    every = ask("/api/v1/applications/app-1/allexecutors", app_id="app-1")
    assert [e["id"] for e in active] == ["e1"] and [e["id"] for e in every] == ["e1", "e2"]
    assert all(set(SHAPES["executor"]) <= set(e) for e in every)
    env = ask("/api/v1/applications/app-1/environment", app_id="app-1")
    assert set(SHAPES["environment"]) <= set(env)
    assert ["zpark.secret.token", "*********(redacted)"] in env["sparkProperties"]
    (cached,) = ask("/api/v1/applications/app-1/storage/rdd", app_id="app-1")
    assert (cached["id"], cached["numPartitions"], cached["numCachedPartitions"]) == (2, 2, 1)   # e2's went with it
    assert m.storage() == [(m.rdds[2], 1, {"e1": 1}, 500)] and cached["memoryUsed"] == 500
    map_stage = next(st for st in stages if st["stageId"] == 0 and st["attemptId"] == 0)
    assert map_stage["resultSerializationTime"] == 500          # two tasks' 0.25 s of pickling


def test_spark_time_format():
    assert rest.spark_time(1422981779.72) == "2015-02-03T16:42:59.720GMT"


def test_the_dag_draws_stages_rdds_skipped_stages_and_shuffle_edges():
    rdds = [{"id": 2, "name": "MapPartitionsRDD", "site": "map at job.py:2", "cached": True, "parents": [1]},
            {"id": 1, "name": "ParallelCollectionRDD", "site": "parallelize at job.py:1", "parents": []}]
    svg = job_svg({0: {"name": "s0", "parents": [], "rdds": rdds, "status": "skipped"},
                   1: {"name": "s1", "parents": [0], "rdds": [], "status": "complete"}})
    assert svg.count('class="stage stage-skipped"') == 1 and svg.count('class="stage stage-complete"') == 1
    assert svg.count('class="shuffle-edge"') == 1 and svg.count('class="narrow-edge"') == 1
    assert svg.count("rdd rdd-cached") == 1 and "job.py:2" in svg and "(skipped)" in svg
    many = [{"id": i, "name": "R", "site": "", "parents": [i - 1]} for i in range(30)]
    assert "... 22 more RDDs" in job_svg({0: {"name": "", "parents": [], "rdds": many, "status": "active"}})
