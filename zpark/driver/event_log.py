"""The application's JSON-lines event log: what ran, where, how long, and what was recomputed.

It is also where the event stream fans out: every event is stamped once and
handed to the listeners (the web UI) with the same fields the file gets.
"""
import json
import logging
import os
import time

import orjson

log = logging.getLogger("zpark")


def _stamp():
    """Now, to the microsecond (round() costs four times as much)."""
    return int(time.time() * 1e6) / 1e6


class Listeners:
    """Readers of the event stream above the driver (the web UI). A listener that raises is dropped,
    with its traceback in the log: what it showed stops updating, the application goes on."""

    def __init__(self):
        self.listeners = []

    def add(self, listener):
        self.listeners.append(listener)

    def publish(self, kind, fields, stamp):
        for listener in list(self.listeners):
            try:
                listener.on_event(kind, fields, stamp)
            except Exception:  # noqa: BLE001 - see the class docstring
                log.exception("event listener %r failed on %s and was removed", listener, kind)
                self.listeners.remove(listener)


# One JSON object per line; keys that are not strings (a partition number) are written as strings, as
# json.dumps writes them. orjson encodes a record about ten times faster than json: a small job writes
# eight and a task two.
_LINE = orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS


class EventLog(Listeners):
    def __init__(self, directory, app_id):
        super().__init__()
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self.path = os.path.join(directory, app_id + ".jsonl")
        # Owner-only: the log holds configuration and failure tracebacks of the application.
        self._file = open(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")

    def write(self, kind, fields):
        stamp = _stamp()
        record = {"event": kind, "time": stamp, **fields}
        try:
            line = orjson.dumps(record, default=str, option=_LINE)
        except TypeError:   # what only json writes: an int past 64 bits (a user's accumulator), tuple keys
            line = (json.dumps(record, default=str) + "\n").encode()
        self._file.write(line)
        if self.listeners:
            self.publish(kind, fields, stamp)

    def flush(self):
        if not self._file.closed:
            self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()


class NullEventLog(Listeners):
    path = None

    def write(self, kind, fields):
        if self.listeners:
            self.publish(kind, fields, _stamp())

    def flush(self):
        pass

    def close(self):
        pass


def read_events(path):
    """All events of a log file, in order (for tests and tools)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
