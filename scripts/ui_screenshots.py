"""Refresh the web UI screenshots under docs/ui/ (shown in the README).

    .venv/bin/python scripts/ui_screenshots.py [OUT_DIR]

Runs a small PySpark-style application on local[2] - a word count over a
cached RDD, a join, a task that kills its executor once, a job that fails on
a bad record - and saves its Jobs, Job (DAG), Stage, Failures and Executors
pages as seen in headless Chromium (Debian's chromium and chromium-driver).
"""
import os
import sys
import tempfile
from operator import add

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

import zpark
from zpark import TaskContext


def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1300,900"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def shoot(driver, url, path):
    driver.set_window_size(1300, 900)
    driver.get(url)
    height = driver.execute_script("return Math.max(document.documentElement.scrollHeight, 500)")
    driver.set_window_size(1300, min(height + 30, 1600))
    driver.save_screenshot(path)
    print("saved", path)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "docs", "ui")
    os.makedirs(out, exist_ok=True)
    conf = {"zpark.ui.showConsoleProgress": False, "zpark.ui.port": 0, "zpark.task.maxFailures": 2,
            "zpark.eventLog.dir": tempfile.mkdtemp(prefix="zpark-shots-")}
    with zpark.Context("local[2]", app_name="screenshots", conf=conf) as sc:
        lines = sc.parallelize(["to be or not to be", "that is the question", "whether tis nobler"] * 3000, 6)
        words = lines.flatMap(str.split).map(lambda w: (w, 1)).cache()
        counts = words.reduceByKey(add, 4)
        lengths = words.map(lambda kv: (kv[0], len(kv[0]))).distinct(4)
        print(counts.join(lengths, 3).map(lambda kv: (kv[1][1], kv[1][0])).reduceByKey(add).collect())

        def die_once(x):
            tc = TaskContext.get()
            if tc.partitionId() == 2 and tc.attemptNumber() == 0:
                os._exit(3)
            return x
        print(sc.parallelize(range(10000), 6).map(die_once).map(lambda x: (x % 10, x)).reduceByKey(add).count())

        def parse(x):
            if x == 7:
                raise ValueError("bad record %r: expected a number" % x)
            return x
        try:
            sc.parallelize(range(20), 4).map(parse).collect()
        except zpark.JobFailedError:
            pass
        base = "%s/%s" % (sc.uiWebUrl, sc.applicationId)
        model = sc._model
        join_job = 0
        stage = max((s for s in model.stages.values() if s.status == "COMPLETE"), key=lambda s: s.num_tasks)
        driver = browser()
        try:
            shoot(driver, base + "/jobs/", os.path.join(out, "jobs.png"))
            shoot(driver, "%s/jobs/%d" % (base, join_job), os.path.join(out, "job-dag.png"))
            shoot(driver, "%s/stages/%d/%d" % (base, stage.id, stage.attempt), os.path.join(out, "stage.png"))
            shoot(driver, base + "/failures/", os.path.join(out, "failures.png"))
            shoot(driver, base + "/executors/", os.path.join(out, "executors.png"))
        finally:
            driver.quit()


if __name__ == "__main__":
    main()
