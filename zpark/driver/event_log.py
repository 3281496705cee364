"""The application's JSON-lines event log: what ran, where, how long, and what was recomputed."""
import json
import os
import time


class EventLog:
    def __init__(self, directory, app_id):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self.path = os.path.join(directory, app_id + ".jsonl")
        # Owner-only: the log holds configuration and failure tracebacks of the application.
        self._file = open(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8")

    def write(self, kind, fields):
        record = {"event": kind, "time": round(time.time(), 6)}
        record.update(fields)
        self._file.write(json.dumps(record, default=str) + "\n")

    def flush(self):
        if not self._file.closed:
            self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()


class NullEventLog:
    path = None

    def write(self, kind, fields):
        pass

    def flush(self):
        pass

    def close(self):
        pass


def read_events(path):
    """All events of a log file, in order (for tests and tools)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
