"""The console progress bar, one line per running stage: ``[Stage 1:====>  (3 + 2) / 8]``.

Drawn with tqdm on stderr, only when stderr is a terminal.
"""
import sys

from tqdm import tqdm


class _StageBar(tqdm):
    running = 0

    @property
    def format_dict(self):
        d = super().format_dict
        d["running"] = self.running
        return d


class ConsoleProgress:
    def __init__(self, enabled=None, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.bars = {}

    def on_event(self, kind, fields):
        if not self.enabled:
            return
        if kind == "StageSubmitted":
            self._close(fields["stage_id"])
            self.bars[fields["stage_id"]] = _StageBar(
                total=fields["num_tasks"], desc="Stage %d" % fields["stage_id"], file=self.stream,
                leave=False, bar_format="[{desc}:{bar} ({n_fmt} + {running}) / {total_fmt}]",
                ascii=" =", dynamic_ncols=True, mininterval=0.1)
        elif kind in ("TaskStart", "TaskEnd"):
            bar = self.bars.get(fields["stage_id"])
            if bar is None:
                return
            if kind == "TaskStart":
                bar.running += 1
                bar.refresh()
            else:
                bar.running = max(0, bar.running - 1)
                bar.update(1 if fields.get("reason") == "success" else 0)
        elif kind == "StageCompleted":
            self._close(fields["stage_id"])

    def _close(self, stage_id):
        bar = self.bars.pop(stage_id, None)
        if bar is not None:
            bar.close()

    def close(self):
        for stage_id in list(self.bars):
            self._close(stage_id)
