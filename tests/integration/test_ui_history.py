"""The web UI's history server (finished, failed, running and killed applications), its export, and the
live UI's port choice - each with Contexts of its own, so apart from test_ui.py's module-wide one."""
import json
import os
import re
import socket

import pytest

import zpark
from zpark.common.config import redact
from zpark.ui.history import EventLogFolder
from zpark.ui.server import UIServer, build_app

from waiting import wait_for
from web import get


def test_the_live_ui_takes_the_next_port_when_its_port_is_taken(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        conf = {"zpark.ui.showConsoleProgress": False, "zpark.ui.port": port, "zpark.eventLog.enabled": False}
        with zpark.Context("local[1]", conf=conf) as sc:
            assert sc.uiWebUrl != "http://127.0.0.1:%d" % port
            assert int(sc.uiWebUrl.rsplit(":", 1)[1]) in range(port + 1, port + 16)
        with zpark.Context("local[1]", conf=dict(conf, **{"zpark.ui.enabled": False})) as sc:
            assert sc.uiWebUrl is None
    finally:
        taken.close()


@pytest.fixture
def history(tmp_path):
    """A history server over a folder with a finished, a failed, a still-running and a killed application."""
    conf = {"zpark.ui.showConsoleProgress": False, "zpark.eventLog.dir": str(tmp_path), "zpark.ui.enabled": False}
    with zpark.Context("local[1]", app_name="finished", conf=conf) as sc:
        sc.parallelize(range(10), 2).sum()
    with zpark.Context("local[1]", app_name="failed", conf=conf) as sc:
        with pytest.raises(zpark.JobFailedError):
            sc.parallelize([1], 1).map(lambda x: 1 / 0).collect()
    running = tmp_path / "local-running.jsonl"
    killed = tmp_path / "local-killed.jsonl"
    for path, name in ((running, "running"), (killed, "killed")):
        path.write_text(json.dumps({"event": "ApplicationStart", "time": 1.0e9, "app_id": path.stem,
                                    "app_name": name, "master": "local[1]"}) + "\n"
                        + json.dumps({"event": "JobStart", "time": 1.0e9 + 1, "job_id": 0, "stage_ids": [0]})
                        + "\n" + '{"event": "StageSubm')              # a half-written last line
    os.utime(killed, (1.0e9, 1.0e9))                                 # its log stopped growing long ago
    server = UIServer(build_app(EventLogFolder(str(tmp_path)), redact), "127.0.0.1", 0).start()
    yield server.url, running
    server.stop()


def test_history_shows_finished_failed_running_and_killed_applications(history):
    url, running = history
    apps = {a["name"]: a for a in get(url + "/api/v1/applications")}
    assert sorted(apps) == ["failed", "finished", "killed", "running"]
    assert apps["finished"]["attempts"][0]["completed"] and apps["failed"]["attempts"][0]["completed"]
    assert not apps["running"]["attempts"][0]["completed"]
    failed_jobs = get("%s/api/v1/applications/%s/jobs" % (url, apps["failed"]["id"]))
    assert [j["status"] for j in failed_jobs] == ["FAILED"]
    listing = get(url + "/", raw=True)
    assert "incomplete" in listing and "running" in listing
    assert [j["status"] for j in get(url + "/api/v1/applications/local-running/jobs")] == ["RUNNING"]
    with open(running, "a") as f:       # the running application goes on: its half line is completed
        f.write('itted", "time": 1000000002.0, "stage_id": 0, "stage_attempt": 0, "num_tasks": 3, "job_ids": [0]}\n'
                + json.dumps({"event": "JobEnd", "time": 1.0e9 + 3, "job_id": 0, "result": "success"}) + "\n")
    wait_for(lambda: get(url + "/api/v1/applications/local-running/jobs")[0]["status"] == "SUCCEEDED", 10,
             message="the history server to read the grown log")
    assert get(url + "/api/v1/applications/local-running/stages")[0]["numTasks"] == 3


def test_export_is_one_self_contained_file(history, tmp_path):
    url, _ = history
    finished = next(a["id"] for a in get(url + "/api/v1/applications") if a["name"] == "finished")
    out = tmp_path / "report.html"
    from click.testing import CliRunner
    from zpark.cli import main
    result = CliRunner().invoke(main, ["history", str(tmp_path), "--export", finished, str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<style>" in html and 'class="dag"' in html and "SUCCEEDED" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)            # nothing to fetch: opens offline


def test_the_master_page_shows_executors_and_links_running_applications_to_their_ui(tmp_path):
    from mini_cluster import MiniCluster, socket_port
    with socket_port() as ui_port:
        pass
    cluster = MiniCluster(str(tmp_path / "cluster"), crypto=True, ui_port=ui_port)
    try:
        page_url = "http://127.0.0.1:%d" % ui_port
        view = wait_for(lambda: (_json_or_none(page_url + "/json") or {}).get("executors", []), 20,
                        message="the master's page")
        view = wait_for(lambda: len(get(page_url + "/json")["executors"]) == 2 and get(page_url + "/json"), 5,
                        message="both executors on the page (a snapshot of the last tick)")
        assert {e["cores"] for e in view["executors"]} == {1} and {e["state"] for e in view["executors"]} == {"FREE"}
        with cluster.context("linked", **{"zpark.ui.port": 0}) as ctx:
            running = wait_for(lambda: [a for a in get(page_url + "/json")["applications"] if a["id"] == ctx.applicationId
                                        and a["executors"] == 2], 20, message="the application on the master's page")
            assert running[0]["ui_url"] == ctx.uiWebUrl
            html = get(page_url + "/", raw=True)
            assert html.count('class="worker-row busy"') == 2 and 'href="%s"' % ctx.uiWebUrl in html
            assert ctx.parallelize(range(10), 2).sum() == 45
        finished = wait_for(lambda: [a for a in get(page_url + "/json")["finished"] if a["name"] == "linked"], 20,
                            message="the application among the finished")
        assert finished[0]["id"] == ctx.applicationId
    finally:
        cluster.stop()


def _json_or_none(url):
    try:
        return get(url)
    except OSError:
        return None
