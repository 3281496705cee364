"""Jobs either finish or fail with a reason: no silent waits when executors cannot come back."""
import os

import pytest

import zpark


def test_local_mode_past_its_restart_cap_fails_the_job_naming_the_cap(tmp_path):
    conf = {"zpark.local.maxExecutorRestarts": 1, "zpark.eventLog.dir": str(tmp_path)}
    with zpark.Context("local[1]", app_name="restart-cap", conf=conf) as ctx:
        def die(x):
            os._exit(1)
        with pytest.raises(zpark.JobFailedError, match="maxExecutorRestarts"):
            ctx.parallelize([1, 2], 1).map(die).collect()
        with pytest.raises(zpark.JobFailedError, match="cannot run: every local executor is lost"):
            ctx.parallelize([1, 2], 1).collect()


def test_a_stalled_job_fails_after_the_stall_timeout_naming_the_task(tmp_path):
    conf = {"zpark.job.stallTimeout": 2.0, "zpark.eventLog.dir": str(tmp_path)}
    with zpark.Context("local[2]", app_name="stall", conf=conf) as ctx:
        def hang(x):
            if x == 0:
                import time
                time.sleep(3600)
            return x
        with pytest.raises(zpark.JobFailedError, match=r"no progress for \d+s .*task \d+ \(partition 0"):
            ctx.parallelize(range(4), 4).map(hang).collect()


def test_a_task_that_kills_its_executor_every_time_fails_its_job_naming_it(tmp_path):
    conf = {"zpark.eventLog.dir": str(tmp_path)}
    with zpark.Context("local[2]", app_name="exits", conf=conf) as ctx:
        def exit_on_three(x):
            if x == 3:
                os._exit(7)
            return x
        with pytest.raises(zpark.JobFailedError, match=r"failed 4 times.*exited with code 7"):
            ctx.parallelize(range(8), 4).map(exit_on_three).collect()
        assert ctx.parallelize(range(10), 2).sum() == 45          # replacements serve the next job


def test_cancelled_tasks_that_ignore_the_kill_give_their_slots_back(tmp_path):
    import threading
    import time
    conf = {"zpark.task.killTimeout": 2.0, "zpark.eventLog.dir": str(tmp_path)}
    with zpark.Context("local[2]", app_name="stubborn", conf=conf) as ctx:
        def stubborn(x):
            time.sleep(3600)                      # never looks at its kill flag
            return x
        errors = []

        def run():
            try:
                ctx.parallelize(range(2), 2).map(stubborn).collect()
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                errors.append(exc)
        job = threading.Thread(target=run)
        job.start()
        from waiting import wait_for
        wait_for(lambda: ctx._backend.scheduler.tasks, 20, message="the stubborn tasks to start")
        ctx.cancelAllJobs()
        job.join(10)
        assert errors and isinstance(errors[0], zpark.JobCancelledError)
        started = time.monotonic()
        assert ctx.parallelize(range(10), 2).map(lambda x: x + 1).sum() == 55
        assert time.monotonic() - started < 30


def test_a_task_that_allocates_without_bound_fails_as_killed_for_memory(tmp_path):
    conf = {"zpark.executor.memory": "64m", "zpark.executor.memoryLimit": "400m",
            "zpark.eventLog.dir": str(tmp_path)}
    with zpark.Context("local[2]", app_name="memory-hog", conf=conf) as ctx:
        def hog(x):
            if x == 1:
                held = []
                while True:
                    held.append(bytearray(20 << 20))
            return x
        with pytest.raises(zpark.JobFailedError, match="killed for exceeding memory"):
            ctx.parallelize(range(4), 2).map(hog).collect()
        assert ctx.parallelize(range(10), 2).sum() == 45
