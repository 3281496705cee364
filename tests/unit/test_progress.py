import io

from zpark.driver.progress import ConsoleProgress


def test_stage_bar_shows_finished_running_and_total_then_disappears():
    out = io.StringIO()
    progress = ConsoleProgress(True, out)
    progress.on_event("StageSubmitted", {"stage_id": 1, "num_tasks": 8})
    for _ in range(5):
        progress.on_event("TaskStart", {"stage_id": 1})
    for _ in range(3):
        progress.on_event("TaskEnd", {"stage_id": 1, "reason": "success"})
    progress.bars[1].refresh()
    assert out.getvalue().rsplit("\r", 1)[-1].startswith("[Stage 1:===")
    assert out.getvalue().rstrip().endswith("(3 + 2) / 8]")
    progress.on_event("StageCompleted", {"stage_id": 1})
    assert progress.bars == {}


def test_no_bar_when_not_a_terminal():
    out = io.StringIO()
    progress = ConsoleProgress(None, out)
    progress.on_event("StageSubmitted", {"stage_id": 1, "num_tasks": 8})
    assert out.getvalue() == "" and progress.bars == {}
