"""Executors that hit real limits: a container memory limit (the kernel's OOM killer) and a full disk.

The cluster here has one plain executor and two limited ones
(tests/cluster/limited-executors.yml). A task knows where it runs from the
ZPARK_TEST_ROLE its container sets, so only the limited executor hits its
limit, and only on a task's first attempt: the retry elsewhere must succeed.
"""
import os
from operator import add

import pytest

import zpark
from zpark import TaskContext
from zpark.common.errors import JobFailedError
from zpark.driver.event_log import read_events

from conftest import running_cluster

FAST = {"zpark.executor.heartbeatTimeout": 10.0, "zpark.ui.showConsoleProgress": False}


@pytest.fixture(scope="module")
def limited(docker_client, zpark_image, tmp_path_factory):
    with running_cluster(docker_client, zpark_image, str(tmp_path_factory.mktemp("limited")), 1,
                         ["tests/cluster/limited-executors.yml"], ["executor-lowmem", "executor-smalldisk"]) as c:
        yield c


def context(cluster, tmp_path, **conf):
    values = dict(FAST, **{"zpark.eventLog.dir": str(tmp_path / "events")})
    values.update(conf)
    return zpark.Context(master=cluster.master_url, app_name="limits-test", conf=values)


def role():
    return os.environ.get("ZPARK_TEST_ROLE", "plain")


def hog_memory_on_the_lowmem_executor(x):
    """First attempts on the 400 MiB container allocate far past it; everything else just works."""
    if role() == "lowmem" and TaskContext.get().attemptNumber() == 0:
        hoard = []
        for _ in range(200):                       # up to 2 GiB, touched page by page
            hoard.append(bytearray(b"\x01") * (10 << 20))
    return (x, role())


def test_an_executor_oom_killed_by_its_container_limit_is_reported_as_such_and_its_task_rerun(limited, tmp_path):
    with context(limited, tmp_path) as ctx:
        assert len(ctx.executorInfos()) == 3
        acc = ctx.accumulator(0)

        def f(x):
            acc.add(1)
            return hog_memory_on_the_lowmem_executor(x)

        # Several rounds: the lowmem executor takes a first attempt in each until it has died once.
        removed = []
        for round_ in range(6):
            values = ctx.parallelize(range(12), 12).map(f).collect()
            assert sorted(v for v, _ in values) == list(range(12))
            removed = [e for e in read_events(ctx.eventLogPath) if e["event"] == "ExecutorRemoved"]
            if removed:
                break
        assert acc.value == 12 * (round_ + 1)              # the killed attempts added nothing
        memory = [e for e in removed if "killed for exceeding memory" in e["reason"]]
        assert memory, removed
        assert "OOM killer" in memory[0]["reason"] and "exit code 137" in memory[0]["reason"]
        assert memory[0]["running_tasks"] and "partition" in memory[0]["running_tasks"][0]
        failed = [e for e in read_events(ctx.eventLogPath) if e["event"] == "TaskEnd"
                  and "killed for exceeding memory" in e["reason"] and "exit code 137" in e["error"]]
        assert failed, "the task that ran there ends as failed for memory"


def test_a_job_whose_only_attempt_is_oom_killed_fails_naming_memory_and_the_task(limited, tmp_path):
    with context(limited, tmp_path, **{"zpark.task.maxFailures": 1}) as ctx:
        def only_on_lowmem(x):
            if role() == "lowmem":
                hog_memory_on_the_lowmem_executor(x)
            return x

        with pytest.raises(JobFailedError) as failure:
            for _ in range(6):       # until a task lands on the lowmem executor
                ctx.parallelize(range(12), 12).map(only_on_lowmem).collect()
        message = str(failure.value)
        assert "killed for exceeding memory" in message and "exit code 137" in message
        assert "partition" in message
        assert ctx.parallelize(range(100), 4).sum() == 4950    # the application goes on


def write_big_shuffle(ctx):
    """Every map task writes a few MiB of shuffle data: more than the small-disk executor's 1 MiB."""
    def records(i):
        return (("k%d-%d" % (i, j), "%08d" % j * 40) for j in range(10000))
    return ctx.parallelize(range(6), 6).flatMap(records).reduceByKey(add, 3).mapValues(len)


def test_a_full_shuffle_disk_fails_the_task_with_a_clear_error_and_it_is_retried_elsewhere(limited, tmp_path):
    with context(limited, tmp_path) as ctx:
        counts = write_big_shuffle(ctx)
        for _ in range(4):           # until a map task has landed on the small-disk executor
            assert counts.count() == 60000
            assert counts.values().sum() == 60000 * 320
            failures = [e for e in read_events(ctx.eventLogPath) if e["event"] == "TaskEnd"
                        and "no space left on device" in e.get("error", "")]
            if failures:
                break
            counts = write_big_shuffle(ctx)
        assert failures, "no map task ran on the small-disk executor"
        assert "no space left on device in /scratch/" in failures[0]["error"], failures[0]["error"]
        assert ctx.parallelize(range(100), 4).sum() == 4950


def test_with_one_attempt_a_full_disk_fails_the_job_naming_the_folder(limited, tmp_path):
    with context(limited, tmp_path, **{"zpark.task.maxFailures": 1}) as ctx:
        with pytest.raises(JobFailedError, match="no space left on device in /scratch/"):
            for _ in range(6):
                write_big_shuffle(ctx).count()
        assert ctx.parallelize(range(100), 4).sum() == 4950
