"""The executor's task table: every task attempt's lifecycle, as a pure state machine.

States: QUEUED (received, waiting for a task thread), LOADING (its inputs
and stage binary are being unpickled), RUNNING (user code runs), and then
it leaves the table (done). A kill is handled here and only here: before
the task runs it is marked KILLED and the task thread reports it killed
instead of starting it; while it runs, the table hands back the task's
context so the leader can flag it (tasks check the flag every few hundred
records). The table does no I/O and takes no locks: the executor calls it
under one lock from whichever of its threads leads or runs tasks (crew.py).
"""
from dataclasses import dataclass
from typing import Any, Optional

QUEUED, LOADING, RUNNING, KILLED = "queued", "loading", "running", "killed"


@dataclass
class Entry:
    state: str
    context: Optional[Any] = None     # the TaskContext once the task runs


class TaskTable:
    def __init__(self):
        self._entries = {}

    def __len__(self):
        return len(self._entries)

    def state(self, task_id):
        entry = self._entries.get(task_id)
        return entry.state if entry is not None else None

    def launched(self, task_id):
        """A task message arrived. A repeated id (a duplicate message) is refused: returns False."""
        if task_id in self._entries:
            return False
        self._entries[task_id] = Entry(QUEUED)
        return True

    def kill(self, task_id):
        """The driver killed the attempt: returns the running task's context to flag, else None."""
        entry = self._entries.get(task_id)
        if entry is None:
            return None                  # finished already, or never here
        if entry.state == RUNNING:
            return entry.context
        entry.state = KILLED
        return None

    def start_loading(self, task_id):
        """A task thread took the task: True to go on, False if it was killed meanwhile."""
        entry = self._entries[task_id]
        if entry.state == KILLED:
            return False
        entry.state = LOADING
        return True

    def start_running(self, task_id, context):
        """Inputs and binary are loaded: True to run user code, False if it was killed while loading."""
        entry = self._entries[task_id]
        if entry.state == KILLED:
            return False
        entry.state = RUNNING
        entry.context = context
        return True

    def finished(self, task_id):
        """The task thread is done with it (whatever the outcome); it leaves the table."""
        self._entries.pop(task_id, None)
