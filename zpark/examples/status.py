"""The status API while a job runs: ``zpark run-example status``.

A job runs in another thread; this one polls SparkContext.statusTracker()
for its job and stage and prints their progress. An ordinary PySpark program.
"""
import threading
import time

from pyspark import SparkConf, SparkContext


def slow(x):
    time.sleep(0.02)
    return x


def main():
    sc = SparkContext(appName="status", conf=SparkConf().set("spark.ui.showConsoleProgress", "false"))
    done = []
    worker = threading.Thread(target=lambda: done.append(sc.parallelize(range(100), 10).map(slow).count()))
    worker.start()
    tracker = sc.statusTracker()
    while worker.is_alive():
        for job_id in tracker.getActiveJobsIds():
            job = tracker.getJobInfo(job_id)
            for stage_id in (job.stageIds if job else []):
                stage = tracker.getStageInfo(stage_id)
                if stage:
                    print("job %d stage %d: %d tasks, %d active, %d complete" % (
                        job_id, stage_id, stage.numTasks, stage.numActiveTasks, stage.numCompletedTasks))
        time.sleep(0.2)
    worker.join()
    print("Job results are: %d" % done[0])
    sc.stop()


if __name__ == "__main__":
    main()
