"""The driver's I/O edge: one loop owns the executors' ROUTER socket and runs the DAG scheduler.

Socket messages become scheduler events; scheduler actions become messages.
One thread at a time runs the loop: a user thread while it waits for its own
job (``wait_for``), else the scheduler thread (loop_lead.py says why). Other
threads talk to the loop only through ``submit()`` (a queue plus an inproc
wake-up). Stage binaries and broadcasts are sent at most once per executor.

The loop is never re-entrant: events wait in one queue and are handled one
after another, each one's actions carried out before the next event; an
action that learns something (an executor is unreachable) queues an event.
So the event log sees a task's start before its end, and an error while
carrying out an action fails the running jobs visibly instead of
dropping the actions after it.
"""
import collections
import logging
import queue
import threading
import time

import zmq

from ..common import messages as wire
from ..common import protocol, serialization
from ..common.errors import SchedulerError
from ..common.handlers import Handlers
from ..scheduler import events as m
from ..scheduler.dag_scheduler import DAGScheduler
from .loop_lead import LoopLead
from .stage_serialization import serialize_stage

log = logging.getLogger("zpark.driver")

TICK_SECONDS = 0.05
FROM_EXECUTORS = (wire.Register, wire.Heartbeat, wire.TaskDone, wire.TaskFailedReport, wire.ExecutorFatal,
                  wire.BarrierSync)


METRICS_SECONDS = 2.0   # how often the event stream gets each executor's memory and heartbeat age


class JobHandle:
    def __init__(self, job_id):
        self.job_id = job_id
        self.done = threading.Event()
        self.results = None
        self.error = None
        self.accepted = queue.SimpleQueue()   # (partition, pickled result) as they count, then None


class ExecutorConnection:
    def __init__(self, executor_id, address, cores, pid, host):
        self.executor_id = executor_id
        self.address = address
        self.cores = cores
        self.pid = pid
        self.host = host
        self.stages_sent = set()
        self.broadcasts_sent = set()
        self.released = []                    # stages whose binary it may drop (told with the next launch)
        self.rss = 0                          # resident memory at its last heartbeat
        self.last_heartbeat = time.time()


class Backend:
    def __init__(self, conf, codec, zmq_context, accumulators, broadcasts, event_log, progress,
                 bind_host="127.0.0.1", on_executor_removed=None, exit_poller=None, cleaner=None):
        self.conf = conf
        self.codec = codec
        self.zmq = zmq_context
        self.accumulators = accumulators      # id -> Accumulator (the Context's registry)
        self.broadcasts = broadcasts          # id -> Broadcast
        self.event_log = event_log
        self.progress = progress
        self.on_executor_removed = on_executor_removed
        self.exit_poller = exit_poller        # () -> [(executor id, reason)] of processes that died
        self.cleaner = cleaner                # notes of what the program no longer references
        self.router, self.port = protocol.bind_router(zmq_context, bind_host, int(conf.get("zpark.driver.port")),
                                                      codec.max_message_bytes, codec.keys)
        self.scheduler = DAGScheduler(conf, serialize_stage)
        self.executors = {}
        self.removed = set()
        self.jobs = {}
        self._commands = collections.deque()   # appended by user threads, taken by the loop (both atomic)
        self._launches = {}                   # executor id -> task messages to send as one bundle
        self._events = collections.deque()    # scheduler events waiting for their turn
        self._unlogged = collections.deque()  # LogEvent actions of this loop turn, written after its sends
        self._wake_in, self._wake_out = protocol.wake_pair(self.zmq, "driver-wake")
        self._wake_lock = threading.Lock()     # user threads share the PUSH
        self._stopped = threading.Event()
        self._poller = zmq.Poller()
        self._poller.register(self.router, zmq.POLLIN)
        self._poller.register(self._wake_in, zmq.POLLIN)
        self._next_tick = 0.0
        self.lead = LoopLead()
        self._in_turn = False
        self.interrupted = False               # Ctrl-C came while the main thread was in a turn: raised after it
        self._thread = threading.Thread(target=self._run, name="zpark-scheduler", daemon=True)
        self.executors_changed = threading.Condition()

    # ------------------------------------------------------------ user-thread side

    def start(self):
        self._thread.start()

    def submit(self, command):
        """Hand a command (a scheduler event, or a callable run on the loop) to whichever thread leads."""
        self._commands.append(command)
        self._wake()
        self.lead.end_lease()

    def _wake(self):
        with self._wake_lock:
            self._wake_out.send(b"", zmq.NOBLOCK)

    def run_job(self, job_id, rdd, func, partitions, description, properties=None):
        """Queue a job; the caller then runs the loop itself until it ends (``wait_for``)."""
        handle = JobHandle(job_id)
        self.jobs[job_id] = handle
        self._commands.append(m.JobSubmitted(job_id, rdd, func, partitions, description, dict(properties or {})))
        return handle

    def wait_for(self, handle, between_turns=None):
        """Run the loop on this thread until ``handle``'s job ends, or follow the thread that runs it.

        ``between_turns()`` is called after each turn this thread runs (the
        results that arrived are decoded there, while the job goes on)."""
        while not handle.done.is_set():
            if not self.lead.take_for_job(handle.done, self._wake):
                continue
            try:
                while not handle.done.is_set():
                    try:
                        self._turn()
                    except Exception as exc:  # noqa: BLE001 - the socket itself failed: fail the jobs, visibly
                        self._loop_failed(exc)
                    if between_turns is not None:
                        between_turns()
                    if self.interrupted:
                        self.interrupted = False
                        raise KeyboardInterrupt
            finally:
                self.lead.give(lease=True)

    def interrupt_now(self):
        """For a SIGINT handler on the main thread: False if it is inside a turn (``interrupted`` is set
        then, and KeyboardInterrupt raised after the turn, with the scheduler's state whole)."""
        if self._in_turn and self.lead.leads():
            self.interrupted = True
            return False
        return True

    def stop(self):
        if not self._thread.is_alive():
            return
        self.submit(self._shutdown_executors)
        self._stopped.set()
        self.submit(lambda: None)
        self._thread.join(timeout=5)
        self.router.close(linger=300)  # let the shutdown messages leave before the socket goes
        self._wake_in.close(0)
        self._wake_out.close(0)

    # ------------------------------------------------------------ the loop

    def _run(self):
        """The scheduler thread: leads whenever no user thread does, until stop."""
        while True:
            self.lead.take_for_scheduler(self._stopped)
            try:
                if self._stopped.is_set():
                    self._drain_commands()  # stop() may set the flag before the loop ran its shutdown command
                    self._flush_launches()
                    self._write_events()
                    self.event_log.flush()
                    return
                while not self._stopped.is_set() and not self.lead.wanted:
                    self._turn()
            except Exception as exc:  # noqa: BLE001 - the socket itself failed: fail the jobs, visibly
                self._loop_failed(exc)
                return
            finally:
                self.lead.give()

    def _turn(self):
        """Wait for a message or a command (until the next tick at most), then handle what came."""
        ready = dict(self._poller.poll(0 if self._commands else int(TICK_SECONDS * 1000)))
        self._in_turn = True
        try:
            if self._wake_in in ready:
                self._wake_in.recv(zmq.NOBLOCK)   # one token a turn: more make the next poll return at once
            self._drain_commands()
            if self.router in ready:
                self._drain_router()
            now = time.monotonic()
            if now >= self._next_tick:
                self._next_tick = now + TICK_SECONDS
                self._tick(now)
            self._flush_launches()
            self._write_events()
        except Exception as exc:  # noqa: BLE001 - a bug at the edge fails the jobs, visibly
            self._loop_failed(exc)
        finally:
            self._in_turn = False

    def _loop_failed(self, exc):
        log.error("scheduler loop error", exc_info=exc)
        self._fail_all_handles(SchedulerError("driver loop error: %s: %s" % (type(exc).__name__, exc)))

    def _drain_commands(self):
        while self._commands:
            command = self._commands.popleft()
            if callable(command) and not isinstance(command, type):
                command()
            else:
                self._feed(command)

    def _drain_router(self):
        for frames in protocol.waiting_frames(self.router):
            identity, frames = frames[0].decode(errors="replace"), frames[1:]
            executor_id, task_thread, _ = identity.partition(wire.TASK_THREAD_MARK)   # see messages.py
            try:
                items = protocol.unbundle(*self.codec.decode(frames),
                                          wire.FROM_TASK_THREADS if task_thread else FROM_EXECUTORS)
            except (protocol.AuthenticationError, wire.BadMessage) as exc:
                protocol.refusals.warn(log, identity, "dropped a message from %r: %s", identity, exc)
                continue
            for message, payload in items:
                self._on_message(executor_id, message, payload)

    def _tick(self, now):
        if self.cleaner is not None:
            self._clean(self.cleaner.pending())
        if self.exit_poller is not None:
            for eid, reason, caused_by_task in self.exit_poller():
                self.executor_lost(eid, reason, caused_by_task)
        self._feed(m.Tick())
        self._flush_launches()
        self._write_events()     # before the metrics and the flush: the log keeps the events' order
        self.progress.tick()
        if self.executors and now >= self._next_metrics:
            self._next_metrics = now + METRICS_SECONDS
            wall = time.time()
            self.event_log.write("ExecutorMetrics", {"executors": {
                eid: {"rss": conn.rss, "heartbeat_age": round(wall - conn.last_heartbeat, 3)}
                for eid, conn in self.executors.items() if eid not in self.removed}})
        self.event_log.flush()

    _next_metrics = 0.0

    def _feed(self, event):
        """Queue an event; handle the queue unless this call came from inside it."""
        self._events.append(event)
        if self._handling:
            return
        self._handling = True
        try:
            while self._events:
                self._handle(self._events.popleft())
        finally:
            self._handling = False

    _handling = False

    def _handle(self, event):
        try:
            actions = self.scheduler.handle(event, time.monotonic())
        except Exception as exc:  # noqa: BLE001 - the scheduler catches its own; this is the last line
            log.exception("the scheduler failed on %s", type(event).__name__)
            self._fail_all_handles(SchedulerError("the scheduler failed on %s: %s: %s"
                                                  % (type(event).__name__, type(exc).__name__, exc)))
            return
        for action in actions:
            kind = type(action)
            if kind is m.LogEvent:
                self._unlogged.append(action)   # most actions are events: no dispatch for them
                continue
            try:
                carry_out = _CARRY_OUT[kind.__name__]
                if carry_out is None:
                    raise SchedulerError("the driver has no way to carry out %s" % kind.__name__)
                carry_out(self, action)
            except Exception as exc:  # noqa: BLE001 - fail what depends on it, go on with the rest
                log.exception("could not carry out %s", type(action).__name__)
                self._fail_all_handles(SchedulerError("the driver could not carry out %s: %s: %s"
                                                      % (type(action).__name__, type(exc).__name__, exc)))

    def _fail_all_handles(self, error):
        """Every running job fails with ``error`` (the scheduler forgets them too)."""
        for job_id in list(self.jobs):
            self._do_JobFailed(m.JobFailed(job_id, error))
            self._feed(m.JobCancelled(job_id, str(error)))

    # ------------------------------------------------------------ messages in

    def _on_message(self, identity, message, payload):
        """A message from an executor becomes an event; whether an answer counts is the scheduler's call.

        An executor already declared lost is told so again (it may have been
        frozen and woken up); what it says still goes to the scheduler, which
        ignores answers from executors it does not count on.
        """
        if identity in self.removed:
            self._send(identity, wire.DeclaredLost("declared lost by the driver"))
        if isinstance(message, wire.Register):
            if identity not in self.executors and identity not in self.removed:
                conn = ExecutorConnection(identity, message.block_address, message.cores, message.pid,
                                          message.host)
                self.executors[identity] = conn
                self._feed(m.ExecutorAdded(identity, conn.address, conn.cores, conn.host))
                with self.executors_changed:
                    self.executors_changed.notify_all()
            return
        if isinstance(message, wire.Heartbeat):
            conn = self.executors.get(identity)
            if conn is not None:
                conn.rss, conn.last_heartbeat = message.rss, time.time()
            self._feed(m.ExecutorHeartbeat(identity))
        elif isinstance(message, wire.TaskDone):
            result = payload[0] if payload else b""
            output = m.MapOutput(message.sizes) if message.sizes is not None else m.ResultValue(result)
            self._feed(m.TaskSucceeded(message.task_id, identity, output,
                                       payload[1] if len(payload) > 1 and payload[1] else None,
                                       [tuple(k) for k in message.cached], message.metrics))
        elif isinstance(message, wire.TaskFailedReport):
            self._feed(m.TaskFailed(message.task_id, identity, _failure_of(message), message.metrics))
        elif isinstance(message, wire.BarrierSync):
            self._feed(m.BarrierSyncRequested(message.task_id, identity, message.sequence, message.kind,
                                              message.message))
        elif isinstance(message, wire.ExecutorFatal) and identity in self.executors:
            self._feed(m.ExecutorLost(identity, message.reason, message.caused_by_task))

    # ------------------------------------------------------------ actions out

    def _send(self, executor_id, message, payload=()):
        if executor_id in self._launches:
            self._flush_launches(executor_id)  # keep messages to one executor in order
        return self._send_header(executor_id, wire.encode(message), payload)

    def _send_header(self, executor_id, header, payload=()):
        try:
            protocol.send_frames(self.router, [executor_id.encode()] + self.codec.encode(header, payload))
            return True
        except zmq.ZMQError:  # unroutable: the executor is gone
            return False

    def _do_LaunchTask(self, a):
        conn = self.executors.get(a.executor_id)
        ok = conn is not None
        for bid in a.broadcast_ids:
            if ok and bid not in conn.broadcasts_sent and bid in self.broadcasts:
                ok = self._send(a.executor_id, wire.BroadcastValue(bid), [self.broadcasts[bid].data])
                conn.broadcasts_sent.add(bid)
        # Taken after the sends above: a send first flushes the executor's queued launches, in order.
        launches = self._launches.setdefault(a.executor_id, [])
        if ok and a.stage_id not in conn.stages_sent:
            launches.append((wire.StageBinary(a.stage_id), [a.binary]))   # in the launches' bundle: one message
            conn.stages_sent.add(a.stage_id)
        if ok:
            inputs = serialization.dumps({"split": a.split, "shuffle_locations": a.shuffle_locations,
                                          "cache_locations": a.cache_locations, "properties": a.properties,
                                          "barrier_hosts": a.barrier_hosts})
            launches.append((
                wire.LaunchTask(a.task_id, a.stage_id, a.stage_attempt, a.partition, a.attempt, a.is_map,
                                a.barrier_hosts is not None),
                [inputs]))
        else:
            self._feed(m.ExecutorLost(a.executor_id, "unreachable"))

    def _flush_launches(self, executor_id=None):
        """Send the task launches queued in this loop turn, one bundle per executor."""
        for eid in [executor_id] if executor_id is not None else list(self._launches):
            tasks = self._launches.pop(eid, None)
            if not tasks:
                continue
            conn = self.executors.get(eid)
            if conn is not None and conn.released:
                tasks[:0] = [(wire.RemoveStage(stage_id), []) for stage_id in conn.released]
                conn.released = []
            if len(tasks) == 1:
                sent = self._send_header(eid, wire.encode(tasks[0][0]), tasks[0][1])
            else:
                sent = self._send_header(eid, *protocol.bundle(tasks))
            if not sent:
                self._feed(m.ExecutorLost(eid, "unreachable"))

    def _do_KillTask(self, a):
        self._send(a.executor_id, wire.KillTask(a.task_id))

    def _do_BarrierRelease(self, a):
        self._send(a.executor_id, wire.BarrierReply(a.task_id, a.sequence, a.messages, a.error))

    def _do_ApplyAccumulators(self, a):
        deltas = serialization.loads(a.data)
        if type(deltas) is not dict or any(type(aid) is not int for aid in deltas):
            # Only a broken or hostile executor sends this: refuse it, the jobs go on.
            protocol.refusals.warn(log, "accumulators", "refused accumulator updates that are not a map of "
                                   "accumulator ids: %.80r", deltas)
            return
        for aid, delta in deltas.items():
            acc = self.accumulators.get(aid)
            if acc is not None:
                acc._merge(delta)

    def _do_ResultAccepted(self, a):
        handle = self.jobs.get(a.job_id)
        if handle is not None:
            handle.accepted.put((a.partition, a.result))

    def _do_JobSucceeded(self, a):
        self._write_events()
        self.event_log.flush()  # a finished job's events are readable (and in the UI's model) when the action returns
        handle = self.jobs.pop(a.job_id, None)
        if handle is not None:
            handle.results = a.results
            handle.done.set()
            handle.accepted.put(None)
            self.lead.job_ended()

    def _do_JobFailed(self, a):
        self._write_events()
        self.event_log.flush()
        handle = self.jobs.pop(a.job_id, None)
        if handle is not None:
            handle.error = a.error
            handle.done.set()
            handle.accepted.put(None)
            self.lead.job_ended()

    def _do_RemoveShuffle(self, a):
        for eid, conn in list(self.executors.items()):
            self._send(eid, wire.RemoveShuffle(a.shuffle_id))
            if a.stage_id in conn.stages_sent:
                conn.stages_sent.discard(a.stage_id)
                self._send(eid, wire.RemoveStage(a.stage_id))

    def _do_ReleaseStage(self, a):
        """Executors drop the binary with the next launch they get (no message of its own per job)."""
        for conn in self.executors.values():
            if a.stage_id in conn.stages_sent:
                conn.stages_sent.discard(a.stage_id)
                conn.released.append(a.stage_id)

    def _do_RemoveExecutor(self, a):
        conn = self.executors.pop(a.executor_id, None)
        self.removed.add(a.executor_id)
        self._send(a.executor_id, wire.DeclaredLost(a.reason))
        if a.running_tasks:
            log.warning("executor %s lost while running %s: %s", a.executor_id, ", ".join(a.running_tasks), a.reason)
        else:
            log.warning("executor %s lost: %s", a.executor_id, a.reason)
        if conn is not None:
            for other in self.executors:
                self._send(other, wire.PeerLost(conn.address))
        if self.on_executor_removed is not None:
            exhausted = self.on_executor_removed(a.executor_id, a.reason)
            if exhausted:
                log.error("no executors left: %s", exhausted)
                self._feed(m.ExecutorsExhausted(exhausted))
        with self.executors_changed:
            self.executors_changed.notify_all()

    def _do_Warn(self, a):
        log.warning("%s", a.message)

    def _do_LogEvent(self, a):
        self._unlogged.append(a)

    def _write_events(self):
        """Hand this turn's events to the log, its listeners and the progress bar - after the turn's task
        launches are sent, so the executors start while the driver writes (a small job's launch waited on
        four events), and before a job's end is signalled, so its events are there when its action returns."""
        while self._unlogged:
            a = self._unlogged.popleft()
            self.event_log.write(a.kind, a.fields)
            self.progress.on_event(a.kind, a.fields)

    # ------------------------------------------------------------ loop-thread commands

    def broadcast_to_executors(self, message):
        """Send one control message to every executor (unpersist, remove broadcast...)."""
        for eid in list(self.executors):
            self._send(eid, message)

    def forget_broadcast(self, bid):
        for conn in self.executors.values():
            conn.broadcasts_sent.discard(bid)
        self.broadcast_to_executors(wire.RemoveBroadcast(bid))

    def _clean(self, notes):
        """What the program no longer references goes away everywhere (see cleaner.py)."""
        for what, ident in notes:
            if what == self.cleaner.SHUFFLE:
                self.cleaner.shuffle_removed(ident)
                self._feed(m.ShuffleUnreachable(ident))
            elif what == self.cleaner.RDD:
                self.forget_rdd(ident)
            elif what == self.cleaner.BROADCAST:
                self.forget_broadcast(ident)

    def forget_rdd(self, rdd_id):
        """A cached RDD is gone (unpersisted or unreachable): no locality for it, no blocks anywhere."""
        self._feed(m.RDDUnpersisted(rdd_id))
        self.broadcast_to_executors(wire.RemoveRDD(rdd_id))

    def executor_lost(self, executor_id, reason, caused_by_task=False):
        """From the local supervisor: a process exited (registered or not: the scheduler decides)."""
        if executor_id not in self.removed:
            self._feed(m.ExecutorLost(executor_id, reason, caused_by_task))

    def _shutdown_executors(self):
        self.broadcast_to_executors(wire.Shutdown("application finished"))


_CARRY_OUT = Handlers(Backend, "_do_")    # action name -> the method carrying it out


def _failure_of(report):
    """The typed failure reason of a ``failed`` message."""
    if report.reason == "fetch_failed":
        return m.FetchFailure(report.message, report.shuffle_id, report.map_index, report.map_executor,
                              report.map_executor_unreachable)
    if report.reason == "killed":
        return m.Killed(report.message)
    return m.ExceptionFailure(report.message)
