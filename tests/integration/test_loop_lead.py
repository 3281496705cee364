"""Which thread runs the driver's loop (driver/loop_lead.py), seen from a program with several threads."""
import threading

import zpark


def test_jobs_of_another_thread_end_when_they_are_done_not_when_the_thread_running_the_loop_is():
    """A thread waiting for its job runs the driver's loop (driver/loop_lead.py); a second thread's jobs
    are handled by it meanwhile, and each returns as soon as it ends - not when the long job does.
    A Context of its own: one executor runs the long task, the other the small jobs' (one task each)."""
    import time
    with zpark.Context("local[2]", app_name="followers", conf={"zpark.ui.showConsoleProgress": False}) as ctx:
        long_done = threading.Event()

        def long_job():
            assert ctx.parallelize([7], 1).map(lambda x: time.sleep(3) or x).collect() == [7]
            long_done.set()
        thread = threading.Thread(target=long_job)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while not ctx.statusTracker().getActiveJobsIds() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert ctx.statusTracker().getActiveJobsIds(), "the long job never started"
            small = ctx.parallelize(range(10), 1)
            assert [small.map(lambda x, i=i: x + i).sum() for i in range(20)] == [45 + 10 * i for i in range(20)]
            assert not long_done.is_set()        # the twenty small jobs came back while the long one ran
        finally:
            thread.join()
        assert long_done.is_set()
