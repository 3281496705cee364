"""The history server's applications: every event log in a folder, folded as it grows.

Each ``APP_ID.jsonl`` file is read from where the last read stopped, up to
its last complete line, so an application that is still running (or was
killed mid-write, leaving half a line) shows what it has written so far. An
application with no ApplicationEnd whose log has not changed for
``ABANDONED_SECONDS`` is shown as incomplete (its driver was killed).
"""
import glob
import json
import logging
import os
import threading
import time

from ..driver.app_model import AppModel

log = logging.getLogger("zpark.ui")

ABANDONED_SECONDS = 60.0


class LogFile:
    """One application's event log and the model folded from it so far."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.model = AppModel()
        self.model.app_id = os.path.basename(path)[:-len(".jsonl")]
        self.model.abandoned = False

    def catch_up(self):
        try:
            size = os.path.getsize(self.path)
            modified = os.path.getmtime(self.path)
        except OSError:
            return
        if size > self.offset:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(size - self.offset)
            complete = data.rfind(b"\n") + 1          # a half-written last line waits for its end
            for line in data[:complete].splitlines():
                self._fold(line)
            self.offset += complete
        self.model.abandoned = self.model.ended is None and time.time() - modified > ABANDONED_SECONDS

    def _fold(self, line):
        if not line.strip():
            return
        try:
            record = json.loads(line)
            kind = record.pop("event")
            stamp = record.pop("time")
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("%s: skipped an unreadable event-log line (%s)", self.path, exc)
            return
        self.model.on_event(kind, record, stamp)


class EventLogFolder:
    """``Apps`` over a folder of event logs (see server.Apps)."""

    single = False

    def __init__(self, directory):
        self.directory = directory
        self.files = {}
        self.lock = threading.Lock()

    def _refresh(self):
        with self.lock:
            for path in glob.glob(os.path.join(self.directory, "*.jsonl")):
                if path not in self.files:
                    self.files[path] = LogFile(path)
            for log_file in self.files.values():
                log_file.catch_up()

    def list(self):
        self._refresh()
        models = [f.model for f in self.files.values()]
        return sorted(models, key=lambda m: m.started or 0, reverse=True)

    def get(self, app_id):
        if app_id is None:
            return None
        self._refresh()
        return next((f.model for f in self.files.values() if f.model.app_id == app_id), None)
