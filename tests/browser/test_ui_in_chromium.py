"""The web UI in a real browser: every page of a live application and of the history server, the
numbers shown checked against the event log, a live page updating while a job runs, screenshots saved."""
import os
import threading
from operator import add

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import zpark
from zpark import TaskContext
from zpark.common.config import redact
from zpark.driver.event_log import read_events
from zpark.ui.history import EventLogFolder
from zpark.ui.server import UIServer, build_app

from waiting import wait_for


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """A shuffle job over a cached RDD, a job whose task kills its executor once (rerun elsewhere),
    and a job failing on a bad record."""
    events = tmp_path_factory.mktemp("events")
    conf = {"zpark.ui.showConsoleProgress": False, "zpark.eventLog.dir": str(events), "zpark.ui.port": 0,
            "zpark.task.maxFailures": 2, "zpark.executor.heartbeatTimeout": 3.0}
    with zpark.Context("local[2]", app_name="browser-demo", conf=conf) as sc:
        words = sc.parallelize(["spark zpark ui", "dag stage task", "zpark ui"] * 200, 4)
        counts = words.flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add, 3).cache()
        assert dict(counts.collect())["zpark"] == 400

        def die_once(x):
            tc = TaskContext.get()
            if tc.partitionId() == 1 and tc.attemptNumber() == 0:
                os._exit(3)
            return x
        assert sc.parallelize(range(100), 4).map(die_once).map(lambda x: (x % 5, x)).reduceByKey(add).count() == 5

        def bad(x):
            raise ValueError("injected bad record %d" % x)
        with pytest.raises(zpark.JobFailedError):
            sc.parallelize(range(4), 2).map(bad).collect()
        model = sc._listeners[0].model
        wait_for(lambda: len(model.failures) >= 4 and sum(e.is_active for e in model.executors.values()) == 2,
                 20, message="the failures and the replacement executor to reach the UI")
        yield sc


def page(browser, url):
    browser.get(url)
    WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.TAG_NAME, "main"))
    return browser


def rows(browser, css):
    return browser.find_elements(By.CSS_SELECTOR, css)


def row_texts(browser, css):
    """The text of every element ``css`` matches, read in one script run: a live page that redraws its
    table between finding a row and reading it would leave a stale element."""
    return browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), element => element.innerText);", css)


def test_jobs_page_lists_every_job_with_its_status(app, browser, screenshot):
    events = read_events(app.eventLogPath)
    page(browser, "%s/%s/jobs/" % (app.uiWebUrl, app.applicationId))
    shown = {int(job): status for job, status in browser.execute_script(
        "return Array.from(document.querySelectorAll('tr.job-row'),"
        " row => [row.dataset.job, row.querySelector('td.status').innerText]);")}
    assert sorted(shown) == sorted(e["job_id"] for e in events if e["event"] == "JobStart")
    assert list(shown.values()).count("FAILED") == 1 and list(shown.values()).count("SUCCEEDED") == 2
    assert "injected bad record" in row_texts(browser, "#jobs")[0]
    screenshot("jobs")


def test_job_page_draws_the_dag_with_call_sites_and_the_cached_rdd(app, browser, screenshot):
    page(browser, "%s/%s/jobs/0" % (app.uiWebUrl, app.applicationId))
    boxes = rows(browser, "svg.dag g.stage")
    assert len(boxes) == 2
    assert len(rows(browser, "svg.dag path.shuffle-edge")) == 1
    assert len(rows(browser, "svg.dag g.rdd-cached")) == 1
    text = browser.execute_script("return document.querySelector('svg.dag').textContent;")   # one read
    assert "test_ui_in_chromium.py" in text and "ShuffledRDD" in text
    screenshot("job-dag")


def test_stage_page_shows_quantiles_and_a_row_per_task(app, browser, screenshot):
    model = app._listeners[0].model
    stage = next(s for s in model.stages.values() if s.num_tasks == 4 and s.status == "COMPLETE"
                 and s.name.startswith("ShuffleMapStage"))
    page(browser, "%s/%s/stages/%d/%d" % (app.uiWebUrl, app.applicationId, stage.id, stage.attempt))
    assert len(rows(browser, "#quantiles tbody tr")) >= 2
    assert len(rows(browser, "tr.task-row.success")) == stage.succeeded == 4
    assert "Shuffle write" in row_texts(browser, "#quantiles")[0]
    screenshot("stage")


def test_failures_page_names_the_injected_failure_and_the_lost_executor(app, browser, screenshot):
    def failed_task_ends():
        return [e for e in read_events(app.eventLogPath) if e["event"] == "TaskEnd"
                and e["reason"] != "success" and not e["reason"].startswith("killed")]

    def shown():
        page(browser, "%s/%s/failures/" % (app.uiWebUrl, app.applicationId))
        return row_texts(browser, "tr.failure-row.kind-task")
    wait_for(lambda: len(shown()) == len(failed_task_ends()), 15, interval=0.5,
             message="the failures page to list every failed task attempt of the event log")
    task_rows = shown()
    injected = [e for e in failed_task_ends() if "injected bad record" in e.get("error", "")]
    assert len(injected) >= 2 and sum("injected bad record" in text for text in task_rows) == len(injected)
    executor_rows = row_texts(browser, "tr.failure-row.kind-executor")
    assert len(executor_rows) == 1 and "exit" in executor_rows[0]
    assert "partition 1" in executor_rows[0]              # the task it was running when it died
    screenshot("failures")


def test_executors_page_shows_the_live_and_the_lost(app, browser, screenshot):
    page(browser, "%s/%s/executors/" % (app.uiWebUrl, app.applicationId))
    assert len(row_texts(browser, "tr.executor-row.active")) == 2
    lost = row_texts(browser, "tr.executor-row.lost")
    assert len(lost) == 1 and "exited" in lost[0]
    screenshot("executors")


def test_environment_and_storage_pages(app, browser):
    page(browser, "%s/%s/environment/" % (app.uiWebUrl, app.applicationId))
    assert "browser-demo" in row_texts(browser, "#environment")[0]
    page(browser, "%s/%s/storage/" % (app.uiWebUrl, app.applicationId))
    storage = row_texts(browser, "#storage")[0]
    assert "ShuffledRDD" in storage or "MapPartitionsRDD" in storage


def test_the_jobs_page_updates_without_a_reload_while_a_job_runs(app, browser, screenshot):
    page(browser, "%s/%s/jobs/" % (app.uiWebUrl, app.applicationId))
    before = len(rows(browser, "tr.job-row"))
    browser.execute_script("window.notReloaded = true;")

    def held(x):
        import time as clock
        clock.sleep(0.05)
        return x
    done = []
    worker = threading.Thread(target=lambda: done.append(app.parallelize(range(40), 4).map(held).count()))
    worker.start()
    WebDriverWait(browser, 20).until(lambda d: len(rows(d, "tr.job-row")) == before + 1)
    worker.join(30)
    WebDriverWait(browser, 20).until(lambda d: "SUCCEEDED" in (row_texts(d, "tr.job-row") or [""])[0])
    assert browser.execute_script("return window.notReloaded === true;")
    assert done == [40]
    screenshot("jobs-live")


def test_the_history_server_shows_the_application_and_its_pages(app, browser, screenshot):
    directory = os.path.dirname(app.eventLogPath)
    server = UIServer(build_app(EventLogFolder(directory), redact), "127.0.0.1", 0).start()
    try:
        page(browser, server.url + "/")
        listed = row_texts(browser, "#apps tbody tr")
        assert len(listed) == 1 and app.applicationId in listed[0] and "running" in listed[0]
        browser.find_element(By.CSS_SELECTOR, "#apps tbody tr a").click()
        WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tr.job-row"))
        wait_for(lambda: len(read_events(app.eventLogPath)) > 0, 5)
        assert len(rows(browser, "tr.job-row")) >= 3
        screenshot("history")
    finally:
        server.stop()
