"""SparkContext's job groups, local properties and status tracker, as PySpark programs use them."""
import threading
import time

import pytest

import zpark
from zpark import TaskContext

from waiting import wait_for


@pytest.fixture(scope="module")
def sc():
    with zpark.Context("local[2]", app_name="context-api", conf={"zpark.ui.showConsoleProgress": False}) as ctx:
        yield ctx


def test_local_properties_reach_the_tasks_of_jobs_this_thread_submits(sc):
    sc.setLocalProperty("team", "blue")
    try:
        assert sc.getLocalProperty("team") == "blue"
        seen = sc.parallelize(range(4), 2).map(lambda _: TaskContext.get().getLocalProperty("team")).collect()
        assert seen == ["blue"] * 4
        shuffled = sc.parallelize(range(4), 2).map(lambda x: (x, TaskContext.get().getLocalProperty("team")))
        assert shuffled.groupByKey().mapValues(list).values().collect() == [["blue"]] * 4   # map stages too
        other = []
        thread = threading.Thread(target=lambda: other.append(sc.getLocalProperty("team")))
        thread.start()
        thread.join()
        assert other == [None]                      # per thread, as in PySpark
    finally:
        sc.setLocalProperty("team", None)
    assert sc.getLocalProperty("team") is None
    assert sc.parallelize([1], 1).map(lambda _: TaskContext.get().getLocalProperty("team")).collect() == [None]


def slow_job_in_a_thread(sc, prepare):
    """Start a slow job in a thread that first calls ``prepare()``; returns (thread, cancellation errors)."""
    errors = []

    def run():
        prepare()
        try:
            sc.parallelize(range(40), 2).map(lambda x: time.sleep(0.05) or x).count()
        except zpark.JobCancelledError as exc:
            errors.append(str(exc))
    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_cancel_job_group_ends_only_that_group_s_jobs(sc):
    thread, errors = slow_job_in_a_thread(
        sc, lambda: sc.setJobGroup("slow-group", "jobs to cancel", interruptOnCancel=True))
    tracker = sc.statusTracker()
    wait_for(lambda: tracker.getJobIdsForGroup("slow-group") and tracker.getActiveJobsIds(), 20,
             message="the grouped job to start")
    job_id = tracker.getJobIdsForGroup("slow-group")[0]
    info = tracker.getJobInfo(job_id)
    assert info.jobId == job_id and info.status == "RUNNING" and info.stageIds
    stage = tracker.getStageInfo(info.stageIds[0])
    assert stage.numTasks == 2 and stage.stageId == info.stageIds[0] and stage.currentAttemptId == 0
    assert info.stageIds[0] in tracker.getActiveStageIds()
    sc.cancelJobGroup("another-group")
    sc.cancelJobGroup("slow-group")
    thread.join(30)
    assert errors and "slow-group" in errors[0]
    assert tracker.getJobInfo(job_id).status == "FAILED"
    assert sc.parallelize(range(10)).sum() == 45         # jobs outside the group run on
    done_id = max(tracker.getJobIdsForGroup(None))
    assert tracker.getJobInfo(done_id).status == "SUCCEEDED"
    assert tracker.getJobInfo(10 ** 6) is None and tracker.getStageInfo(10 ** 6) is None


def test_job_description_names_the_job_in_the_event_log(sc):
    from zpark.driver.event_log import read_events
    sc.setJobDescription("counting things")
    try:
        sc.parallelize(range(3)).count()
    finally:
        sc.setJobDescription(None)
    starts = [e for e in read_events(sc.eventLogPath) if e["event"] == "JobStart"]
    assert starts[-1]["description"] == "counting things"


def test_task_context_can_be_built_without_arguments():
    tc = TaskContext()
    assert tc.partitionId() == 0 and tc.attemptNumber() == 0 and tc.getLocalProperty("x") is None
    assert tc.cpus() == 1 and tc.resources() == {}


def test_run_job_binary_files_and_broadcast_files(sc, tmp_path):
    rdd = sc.parallelize([1, 2, 3, 4, 5], 3)
    assert sc.runJob(rdd, lambda part: [x * x for x in part]) == [1, 4, 9, 16, 25]
    assert sc.runJob(rdd, lambda part: [x * x for x in part], [0, 2], True) == [1, 16, 25]
    (tmp_path / "1.bin").write_bytes(b"binary data I")
    (tmp_path / "2.bin").write_bytes(b"\x00\x01\x02\x03\x04\x05")
    assert sorted(sc.binaryFiles(str(tmp_path)).collect()) == [
        ("file:" + str(tmp_path / "1.bin"), b"binary data I"), ("file:" + str(tmp_path / "2.bin"), b"\x00\x01\x02\x03\x04\x05")]
    assert sc.binaryRecords(str(tmp_path / "2.bin"), 2).collect() == [b"\x00\x01", b"\x02\x03", b"\x04\x05"]
    b = sc.broadcast([1, 2, 3])
    with open(tmp_path / "b.pickle", "wb") as f:
        b.dump(b.value, f)
    assert b.load_from_path(str(tmp_path / "b.pickle")) == [1, 2, 3]


def test_job_tags_cancel_only_the_tagged_jobs(sc):
    sc.addJobTag("a")
    sc.addJobTag("b")
    assert sc.getJobTags() == {"a", "b"}
    sc.removeJobTag("a")
    assert sc.getJobTags() == {"b"}
    thread, errors = slow_job_in_a_thread(sc, lambda: sc.addJobTag("slow"))
    wait_for(lambda: sc.statusTracker().getActiveJobsIds(), 20, message="the tagged job to start")
    sc.cancelJobsWithTag("slow")
    thread.join(30)
    assert errors and "slow" in errors[0]
    sc.clearJobTags()
    assert sc.getJobTags() == set() and sc.parallelize(range(4)).sum() == 6
