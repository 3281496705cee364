import io

from zpark.driver import progress as p
from zpark.driver.progress import ConsoleProgress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _terminal():
    out, clock = io.StringIO(), Clock()
    return out, clock, ConsoleProgress(True, out, clock)


def _last_line(out):
    return out.getvalue().rsplit("\r", 1)[-1]


def test_a_stage_running_half_a_second_shows_finished_running_and_total_then_disappears():
    out, clock, progress = _terminal()
    progress.on_event("StageSubmitted", {"stage_id": 1, "num_tasks": 8})
    for _ in range(5):
        progress.on_event("TaskStart", {"stage_id": 1})
    for _ in range(3):
        progress.on_event("TaskEnd", {"stage_id": 1, "reason": "success"})
    progress.tick()
    assert out.getvalue() == ""                        # not yet: it has not run half a second
    clock.now += p.FIRST_DELAY_SECONDS
    progress.tick()
    assert _last_line(out).startswith("[Stage 1:===") and _last_line(out).rstrip().endswith("(3 + 2) / 8]")
    progress.on_event("TaskEnd", {"stage_id": 1, "reason": "success"})
    progress.on_event("TaskEnd", {"stage_id": 1, "reason": "killed"})
    progress.tick()                                    # drawn less than UPDATE_SECONDS ago: unchanged
    assert _last_line(out).rstrip().endswith("(3 + 2) / 8]")
    clock.now += p.UPDATE_SECONDS
    progress.tick()
    assert _last_line(out).rstrip().endswith("(4 + 0) / 8]")
    drawn = out.getvalue()
    clock.now += p.UPDATE_SECONDS
    progress.tick()
    assert out.getvalue() == drawn                     # nothing changed: nothing drawn
    progress.on_event("StageCompleted", {"stage_id": 1})
    assert progress.stages == {}
    assert _last_line(out).strip() == ""               # the line is cleared


def test_a_quick_stage_draws_nothing():
    out, clock, progress = _terminal()
    for stage_id in range(50):                         # a loop of small jobs
        progress.on_event("StageSubmitted", {"stage_id": stage_id, "num_tasks": 2})
        progress.on_event("TaskStart", {"stage_id": stage_id})
        progress.on_event("TaskEnd", {"stage_id": stage_id, "reason": "success"})
        clock.now += 0.01
        progress.tick()
        progress.on_event("StageCompleted", {"stage_id": stage_id})
    assert out.getvalue() == "" and progress.stages == {}


def test_no_bar_when_not_a_terminal():
    out, clock = io.StringIO(), Clock()
    progress = ConsoleProgress(None, out, clock)
    progress.on_event("StageSubmitted", {"stage_id": 1, "num_tasks": 8})
    clock.now += 10
    progress.tick()
    assert out.getvalue() == "" and progress.stages == {}
