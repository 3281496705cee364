"""The console progress bar, one line per running stage: ``[Stage 1:====>  (3 + 2) / 8]``.

Drawn with tqdm on stderr, only when stderr is a terminal, and - as
Spark's - only for a stage that has run for half a second, redrawn at most
every 0.2 s. A quick stage (every step of a loop of small jobs) draws
nothing and costs a few counters; a bar made, redrawn on each task start and
erased for each such stage cost a terminal user's small jobs several
percent. Events only count; the driver's loop calls ``tick`` on its timer
(every 50 ms) to draw what is due.
"""
import sys
import time

from tqdm import tqdm

FIRST_DELAY_SECONDS = 0.5     # a stage's bar appears once it has run this long
UPDATE_SECONDS = 0.2          # and is redrawn at most this often


class _StageBar(tqdm):
    def __init__(self, running, **options):
        self.running = running        # before tqdm's first draw
        super().__init__(**options)

    @property
    def format_dict(self):
        d = super().format_dict
        d["running"] = self.running
        return d


class _Stage:
    """What the events told of one running stage; ``bar`` once it is drawn."""

    __slots__ = ("total", "done", "running", "submitted", "bar", "drawn", "shown")

    def __init__(self, total, submitted):
        self.total, self.done, self.running = total, 0, 0
        self.submitted = submitted
        self.bar = None
        self.drawn = 0.0              # when the bar was last drawn
        self.shown = None             # and the (done, running) it showed


class ConsoleProgress:
    def __init__(self, enabled=None, stream=None, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.clock = clock
        self.stages = {}              # stage id -> _Stage, while it runs

    def on_event(self, kind, fields):
        if not self.enabled:
            return
        if kind == "StageSubmitted":
            self._close(fields["stage_id"])
            self.stages[fields["stage_id"]] = _Stage(fields["num_tasks"], self.clock())
        elif kind in ("TaskStart", "TaskEnd"):
            stage = self.stages.get(fields["stage_id"])
            if stage is None:
                return
            if kind == "TaskStart":
                stage.running += 1
            else:
                stage.running = max(0, stage.running - 1)
                stage.done += 1 if fields.get("reason") == "success" else 0
        elif kind == "StageCompleted":
            self._close(fields["stage_id"])

    def tick(self):
        """Draw the bars of stages running for FIRST_DELAY_SECONDS, redraw those due (the driver's timer)."""
        if not self.stages:
            return
        now = self.clock()
        for stage_id, stage in self.stages.items():
            if stage.bar is None:
                if now - stage.submitted < FIRST_DELAY_SECONDS:
                    continue
                stage.bar = _StageBar(
                    stage.running, total=stage.total, initial=stage.done, desc="Stage %d" % stage_id,
                    file=self.stream, leave=False, ascii=" =", dynamic_ncols=True,
                    bar_format="[{desc}:{bar} ({n_fmt} + {running}) / {total_fmt}]")
            elif now - stage.drawn < UPDATE_SECONDS or stage.shown == (stage.done, stage.running):
                continue
            else:
                stage.bar.n, stage.bar.running = stage.done, stage.running
                stage.bar.refresh()
            stage.drawn, stage.shown = now, (stage.done, stage.running)

    def _close(self, stage_id):
        stage = self.stages.pop(stage_id, None)
        if stage is not None and stage.bar is not None:
            stage.bar.close()

    def close(self):
        for stage_id in list(self.stages):
            self._close(stage_id)
