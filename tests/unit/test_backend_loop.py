"""The backend's loop: events handled one at a time, in order; errors fail jobs instead of stranding them.

The backend is built without its sockets here: only its event handling is
exercised, with a scripted scheduler.
"""
import collections

from zpark.common.errors import SchedulerError
from zpark.driver.backend import Backend, JobHandle
from zpark.driver.loop_lead import LoopLead
from zpark.scheduler import events as m


class RecordingLog:
    def __init__(self):
        self.kinds = []

    def write(self, kind, fields):
        self.kinds.append(kind)

    def flush(self):
        pass


class Quiet:
    def on_event(self, kind, fields):
        pass


class ScriptedScheduler:
    """Answers each event type with the actions it is given (a callable may raise)."""

    def __init__(self, script):
        self.script = script
        self.handled = []

    def handle(self, event, now):
        self.handled.append(type(event).__name__)
        answer = self.script.get(type(event).__name__, [])
        return answer() if callable(answer) else list(answer)


def backend_with(scheduler):
    backend = Backend.__new__(Backend)
    backend.scheduler = scheduler
    backend.executors = {}
    backend.removed = set()
    backend.jobs = {}
    backend.broadcasts = {}
    backend.accumulators = {}
    backend._events = collections.deque()
    backend._unlogged = collections.deque()
    backend._launches = {}
    backend.event_log = RecordingLog()
    backend.progress = Quiet()
    backend.on_executor_removed = None
    backend.lead = LoopLead()
    return backend


def launch_to(executor_id):
    return m.LaunchTask(executor_id, 7, 0, 0, 0, 0, False, b"bin", [], None, {}, {})


def test_an_event_raised_while_carrying_out_actions_waits_for_them():
    """A launch to an unknown executor queues its loss; the TaskStart logged after the launch comes first."""
    scheduler = ScriptedScheduler({
        "JobSubmitted": [launch_to("ghost"), m.LogEvent("TaskStart", {}), m.LogEvent("Later", {})],
        "ExecutorLost": [m.LogEvent("TaskEnd", {})],
    })
    backend = backend_with(scheduler)
    backend._feed(m.JobSubmitted(0, None, list, [0]))
    assert scheduler.handled == ["JobSubmitted", "ExecutorLost"]
    backend._write_events()   # the end of the loop turn
    assert backend.event_log.kinds == ["TaskStart", "Later", "TaskEnd"]


def test_an_error_in_the_scheduler_fails_every_running_job_at_once():
    def boom():
        raise RuntimeError("scheduler bug")
    backend = backend_with(ScriptedScheduler({"Tick": boom}))
    handle = backend.jobs[3] = JobHandle(3)
    backend._feed(m.Tick())
    assert handle.done.is_set() and isinstance(handle.error, SchedulerError)
    assert "scheduler bug" in str(handle.error) and 3 not in backend.jobs
    assert backend.scheduler.handled == ["Tick", "JobCancelled"]   # the scheduler is told to forget it


def test_an_action_that_fails_fails_the_jobs_and_the_actions_after_it_still_run():
    backend = backend_with(ScriptedScheduler({
        "TaskSucceeded": [m.ApplyAccumulators(b"not a pickle"), m.LogEvent("TaskEnd", {})]}))
    handle = backend.jobs[0] = JobHandle(0)
    backend._feed(m.TaskSucceeded(1, "e1", m.ResultValue(b"")))
    assert isinstance(handle.error, SchedulerError) and "ApplyAccumulators" in str(handle.error)
    backend._write_events()   # the end of the loop turn
    assert backend.event_log.kinds == ["TaskEnd"]


def test_accumulator_updates_that_are_not_a_map_are_refused_and_the_job_goes_on():
    import pickle
    backend = backend_with(ScriptedScheduler({
        "TaskSucceeded": [m.ApplyAccumulators(pickle.dumps([1, 2])), m.ApplyAccumulators(pickle.dumps({"x": 1})),
                          m.LogEvent("AfterTheRefusals", {})]}))
    handle = backend.jobs[0] = JobHandle(0)
    backend._feed(m.TaskSucceeded(1, "e1", m.ResultValue(b"")))
    assert handle.error is None and not handle.done.is_set()
    backend._write_events()   # the end of the loop turn
    assert backend.event_log.kinds == ["AfterTheRefusals"]


def test_a_turns_events_are_written_after_its_launches_and_before_its_jobs_end():
    """The executors get their tasks before the driver spends time logging; a finished job's events are
    all written when its action returns."""
    backend = backend_with(ScriptedScheduler({
        "JobSubmitted": [m.LogEvent("JobStart", {}), m.LogEvent("TaskStart", {})],
        "TaskSucceeded": [m.LogEvent("TaskEnd", {}), m.LogEvent("JobEnd", {}), m.JobSucceeded(0, [b""])]}))
    handle = backend.jobs[0] = JobHandle(0)
    backend._feed(m.JobSubmitted(0, None, list, [0]))
    assert backend.event_log.kinds == []            # not yet: the turn's launches go first
    backend._write_events()
    assert backend.event_log.kinds == ["JobStart", "TaskStart"]
    backend._feed(m.TaskSucceeded(1, "e1", m.ResultValue(b"")))
    assert handle.done.is_set()
    assert backend.event_log.kinds == ["JobStart", "TaskStart", "TaskEnd", "JobEnd"]


def test_a_launch_needing_a_broadcast_sends_it_first_and_loses_nothing():
    """The broadcast goes out at once; the stage binary and the launch follow in one bundle."""
    from types import SimpleNamespace
    from zpark.common import messages as wire
    from zpark.driver.backend import ExecutorConnection
    backend = backend_with(ScriptedScheduler({}))
    backend.executors["e1"] = ExecutorConnection("e1", "addr", 1, 1, "host")
    backend.broadcasts[5] = SimpleNamespace(data=b"value")
    sent = []
    backend._send_header = lambda eid, header, payload=(): sent.append((eid, header)) or True
    backend._do_LaunchTask(m.LaunchTask("e1", 7, 0, 0, 0, 0, False, b"bin", [5], None, {}, {}))
    backend._flush_launches()
    assert sent[0] == ("e1", wire.encode(wire.BroadcastValue(5)))
    assert len(sent) == 2 and sent[1][1]["t"] == "bundle"
    assert [item["t"] for item in sent[1][1]["items"]] == [wire.StageBinary.KIND, wire.LaunchTask.KIND]
