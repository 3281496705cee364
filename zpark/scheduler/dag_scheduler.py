"""The DAG scheduler: jobs -> stages -> task attempts, and every recovery rule. Pure: events in, actions out.

It never touches a socket, a clock or a thread. The backend feeds it events
(stamped with the time) and carries out the actions it returns. Every rule
lives here: planning, launching, retries, speculation and which answers
count (only the one from the executor an attempt was launched on, while it
is alive); what happens when things fail - executor loss, heartbeat expiry,
fetch failures, stalls, its own bugs - is in recovery.py, part of this class.
"""
import itertools
from collections import defaultdict

from ..common.errors import JobCancelledError, JobFailedError, SerializationError
from ..rdd.dependencies import ShuffleDependency
from ..rdd.lineage import shuffles_below
from .map_output_tracker import MapOutputTracker, MapStatus
from .barrier import BarrierStages
from .recovery import Recovery
from . import events as m
from .stage import ExecutorSlots, Job, Stage
from .task_set import TaskSetManager


class DAGScheduler(Recovery, BarrierStages):
    def __init__(self, conf, serialize_stage):
        """``serialize_stage(stage) -> (bytes, broadcast ids)``; may raise SerializationError."""
        self.max_failures = int(conf.get("zpark.task.maxFailures"))
        self.max_stage_attempts = int(conf.get("zpark.stage.maxConsecutiveAttempts"))
        self.fetch_retry_wait = float(conf.get("zpark.shuffle.fetchRetryWait"))
        self.speculation = None
        self.speculation_interval = float(conf.get("zpark.speculation.interval"))
        self._next_speculation_check = 0.0
        if conf.get("zpark.speculation"):
            self.speculation = (float(conf.get("zpark.speculation.quantile")),
                                float(conf.get("zpark.speculation.multiplier")),
                                float(conf.get("zpark.speculation.minTaskRuntime")))
        self.serialize_stage = serialize_stage
        self.short_task_seconds = float(conf.get("zpark.scheduler.shortTaskSeconds"))
        self.heartbeat_timeout = float(conf.get("zpark.executor.heartbeatTimeout"))
        self.no_executors_warning = float(conf.get("zpark.scheduler.noExecutorsWarning"))
        self.stall_timeout = float(conf.get("zpark.job.stallTimeout"))
        self.barrier_slot_wait = float(conf.get("zpark.barrier.slotWaitTimeout"))
        self.exhausted = None                 # why no executor will come again, once that is so
        self.kill_timeout = float(conf.get("zpark.task.killTimeout"))
        self.killing = {}                     # task id -> when its kill must have been answered
        self._next_no_executors_warning = None
        self.tracker = MapOutputTracker()
        self.executors = {}
        self.removed_executors = set()        # ids never to count on again (ids are per process lifetime)
        self.jobs = {}
        self.shuffle_stages = {}              # shuffle id -> its map stage, while a job needs it
        self._shuffle_stage_ids = {}          # shuffle id -> (stage id, last attempt): kept when its stage goes
        self.merged_map_accumulators = set()  # (shuffle id, map partition) already counted
        self.waiting, self.running, self.failed = set(), set(), set()
        self.tasks = {}                       # task id -> (stage, task set)
        self.cache_locs = defaultdict(set)    # (rdd id, partition) -> executor ids
        self.resubmit_at = None
        self._task_ids = itertools.count()
        self._stage_ids = itertools.count()
        self.now = 0.0
        self._actions = []

    # ------------------------------------------------------------ entry point

    def handle(self, event, now):
        self.now = now
        self._actions = []
        try:
            getattr(self, "_on_" + type(event).__name__)(event)
            self._schedule()
        except Exception as exc:  # noqa: BLE001 - a bug here must fail the jobs, not strand them
            self._fail_all_jobs(event, exc)
        actions, self._actions = self._actions, []
        return actions

    def invariant_violations(self):
        """What should never be true between events (checked by the tests after every scenario)."""
        problems = []
        active = set(self.jobs)
        for stage in self.running | self.waiting | self.failed:
            if not stage.job_ids & active:
                problems.append("stage %d is scheduled for no active job" % stage.id)
        for task_id, (stage, task_set, attempt) in self.tasks.items():
            if attempt.executor_id not in self.executors:
                problems.append("task %d is registered on lost executor %s" % (task_id, attempt.executor_id))
            elif not stage.job_ids & active and not task_set.zombie:
                problems.append("task %d runs for no active job and was not killed" % task_id)
        for eid, slots in self.executors.items():
            used = sum(1 for _, _, a in self.tasks.values() if a.executor_id == eid)
            if slots.free != slots.cores - used:
                problems.append("executor %s has %d free slots, expected %d" % (eid, slots.free, slots.cores - used))
        for shuffle_id, stage in self.shuffle_stages.items():
            if not stage.job_ids & active:
                problems.append("stage %d of shuffle %d is kept for no active job" % (stage.id, shuffle_id))
        for job in self.jobs.values():
            if job.partitions and len(job.results) == len(job.partitions):
                problems.append("job %d has every result and has not finished" % job.id)
            if not self._scheduled(job):
                problems.append("job %d has no stage running, waiting or to be resubmitted" % job.id)
        if self.failed and self.resubmit_at is None:
            problems.append("stages %s wait for a resubmission that is not due" % sorted(s.id for s in self.failed))
        return problems

    def _emit(self, action):
        self._actions.append(action)

    def _log(self, kind, **fields):
        self._actions.append(m.LogEvent(kind, fields))

    # ------------------------------------------------------------ stages

    def _parent_stages(self, rdd, job):
        parents = []
        for dep in shuffles_below(rdd):
            stage = self._shuffle_stage(dep, job)
            if stage not in parents:
                parents.append(stage)
        return parents

    def _shuffle_stage(self, dep, job):
        stage = self.shuffle_stages.get(dep.shuffle_id)
        if stage is None:
            parents = self._parent_stages(dep.rdd, job)
            stage_id, attempt = self._shuffle_stage_ids.get(dep.shuffle_id) or (next(self._stage_ids), -1)
            stage = Stage(stage_id, dep.rdd, parents, shuffle_dep=dep)
            stage.attempt = attempt          # a reused shuffle's stage goes on counting its attempts
            self.shuffle_stages[dep.shuffle_id] = stage
            self.tracker.register_shuffle(dep.shuffle_id, stage.num_partitions)
        self._attach(stage, job)
        return stage

    def _attach(self, stage, job):
        stage.job_ids.add(job.id)
        job.stages.add(stage)
        for parent in stage.parents:
            if job.id not in parent.job_ids:
                self._attach(parent, job)

    def _ensure_binaries(self, stage):
        for parent in stage.parents:
            self._ensure_binaries(parent)
        if stage.binary is None:
            stage.binary, stage.broadcast_ids = self.serialize_stage(stage)

    def _scheduled(self, job):
        """Whether anything will move the job on: one of its stages runs, waits for its parents or
        for a resubmission."""
        return any(s in self.running or s in self.waiting or s in self.failed for s in job.stages)

    def _active(self, stage):
        return any(j in self.jobs for j in stage.job_ids)

    def _submit_stage(self, stage):
        if stage in self.waiting or stage in self.running or not self._active(stage):
            return
        missing = [p for p in stage.parents if not self.tracker.is_available(p.shuffle_dep.shuffle_id)]
        if missing:
            for parent in missing:
                self._submit_stage(parent)
            self.waiting.add(stage)
        else:
            self._submit_missing_tasks(stage)

    def _submit_missing_tasks(self, stage):
        if stage.is_map:
            partitions = self.tracker.missing(stage.shuffle_dep.shuffle_id)
        else:
            partitions = [p for p in stage.job.partitions if p not in stage.job.results]
        if not partitions:
            if stage.is_map:
                self._stage_completed(stage)
            else:
                self._finish_result_stage(stage)
            return
        if stage.is_barrier and stage.is_map and len(partitions) < stage.num_partitions:
            # Some outputs of a finished barrier stage were lost: its tasks only run together.
            for p in range(stage.num_partitions):
                self.tracker.unregister(stage.shuffle_dep.shuffle_id, p)
            partitions = list(range(stage.num_partitions))
        stage.attempt += 1
        stage.submitted_at = self.now
        preferred = {}
        for p in partitions:
            prefs = self._preferred_executors(stage.rdd, p)
            if prefs:
                preferred[p] = prefs
        stage.task_set = TaskSetManager(stage.id, stage.attempt, partitions, self.max_failures,
                                        preferred, None if stage.is_barrier else self.speculation)
        self.running.add(stage)
        self._log("StageSubmitted", stage_id=stage.id, stage_attempt=stage.attempt,
                  num_tasks=len(partitions), name=stage.name,
                  job_ids=sorted(stage.job_ids), partitions=partitions,
                  parent_ids=[p.id for p in stage.parents], rdds=stage.describe_rdds(),
                  barrier=stage.is_barrier, num_partitions=stage.num_partitions)

    def _stage_completed(self, stage):
        self.running.discard(stage)
        stage.failed_attempts.clear()
        stage.unreachable_executors.clear()
        stage.unreadable_maps.clear()
        if stage.task_set is not None:
            self._retire(stage.task_set)
        self._log("StageCompleted", stage_id=stage.id, stage_attempt=stage.attempt, name=stage.name)
        for waiting in sorted(self.waiting, key=lambda s: s.id):
            if stage in waiting.parents:
                # Submit it if its parents are all there; else resubmit the ones missing again. A parent
                # that finished earlier may have lost outputs with an executor since, and nothing else
                # would run it: the waiting stage would wait forever.
                self.waiting.discard(waiting)
                self._submit_stage(waiting)

    def _retire(self, task_set):
        """No new launches from this task set; cancel what still runs (losing copies)."""
        task_set.zombie = True
        for attempt in list(task_set.running.values()):
            self._kill(attempt)

    # ------------------------------------------------------------ locality

    def _cached_copies(self, rdd, partition):
        """Cached copies a task of ``rdd``'s partition may read: {(rdd id, partition): executor ids}. Nothing
        to look for (and no lineage to walk, twice for every task) while no executor holds a cached block."""
        found = {}
        if self.cache_locs:
            self._narrow_walk(rdd, partition, found)
        return found

    def _narrow_walk(self, rdd, partition, found):
        if rdd.is_cached and self.cache_locs.get((rdd.id(), partition)):
            found[(rdd.id(), partition)] = set(self.cache_locs[(rdd.id(), partition)])
            return
        for dep in rdd.deps:
            if not isinstance(dep, ShuffleDependency):
                for parent_partition in dep.get_parents(partition):
                    self._narrow_walk(dep.rdd, parent_partition, found)

    def _shuffle_reads(self, rdd, partition):
        """{shuffle id: reduce ids} a task of ``rdd``'s partition reads: an RDD reading a shuffle reads the
        reduce partition of its own index (rdd/shuffled.py), found through the narrow dependencies."""
        reads, stack, seen = {}, [(rdd, partition)], set()
        while stack:
            current, index = stack.pop()
            if (id(current), index) in seen:
                continue
            seen.add((id(current), index))
            for dep in current.deps:
                if isinstance(dep, ShuffleDependency):
                    reads.setdefault(dep.shuffle_id, set()).add(index)
                else:
                    stack.extend((dep.rdd, parent) for parent in dep.get_parents(index))
        return reads

    def _preferred_executors(self, rdd, partition):
        found = self._cached_copies(rdd, partition)
        return set().union(*found.values()) if found else set()

    # ------------------------------------------------------------ scheduling

    def _schedule(self):
        ready = [s for s in sorted(self.running, key=lambda s: (min(s.job_ids, default=0), s.id))
                 if s.task_set is not None and s.task_set.wants_slots()]
        for stage in [s for s in ready if s.is_barrier]:
            ready.remove(stage)
            self._launch_barrier(stage)
        progress = bool(ready)
        while progress:
            progress = False
            for executor_id, slots in self.executors.items():
                for stage in ready:
                    if slots.free <= -stage.task_set.queue_depth(self.short_task_seconds):
                        continue  # busy: only short tasks may queue behind the running ones
                    attempt = stage.task_set.offer(executor_id, self.now, next(self._task_ids),
                                                   len(self.executors))
                    if attempt is not None:
                        self._launch(stage, attempt, slots)
                        progress = True
                        break

    def _launch(self, stage, attempt, slots, barrier_hosts=None):
        task_set = stage.task_set
        slots.free -= 1
        self.tasks[attempt.task_id] = (stage, task_set, attempt)
        shuffle_locations = {} if not stage.parents else {   # a stage reading no shuffle skips the walk
            shuffle_id: {r: self.tracker.blocks_for(shuffle_id, r) for r in reduce_ids}
            for shuffle_id, reduce_ids in self._shuffle_reads(stage.rdd, attempt.partition).items()}
        found = self._cached_copies(stage.rdd, attempt.partition)
        cache_locations = {key: [self.executors[e].address for e in eids if e in self.executors]
                           for key, eids in found.items()}
        self._emit(m.LaunchTask(attempt.executor_id, attempt.task_id, stage.id, task_set.stage_attempt,
                                attempt.partition, attempt.attempt, stage.is_map, stage.binary,
                                stage.broadcast_ids, stage.rdd.partitions()[attempt.partition],
                                shuffle_locations, cache_locations, attempt.speculative,
                                self._properties_of(stage), barrier_hosts))
        self._log("TaskStart", task_id=attempt.task_id, stage_id=stage.id,
                  stage_attempt=task_set.stage_attempt, partition=attempt.partition,
                  attempt=attempt.attempt, executor_id=attempt.executor_id,
                  speculative=attempt.speculative)

    def _properties_of(self, stage):
        """A stage shared by jobs runs with the local properties of the first of them (as in Spark)."""
        first = min((j for j in stage.job_ids if j in self.jobs), default=None)   # runs once per task launch
        return self.jobs[first].properties if first is not None else {}

    def _kill(self, attempt):
        """Ask the attempt's executor to stop it; one that has not answered by the kill timeout is
        replaced (Tick), since a task that ignores its kill would hold the slot forever."""
        if attempt.task_id not in self.killing:
            self.killing[attempt.task_id] = self.now + self.kill_timeout
            self._emit(m.KillTask(attempt.executor_id, attempt.task_id))

    def _finish_attempt(self, task_id):
        """Forget a task attempt and free its slot; returns (stage, task set, attempt) or None."""
        self.killing.pop(task_id, None)
        entry = self.tasks.pop(task_id, None)
        if entry is None:
            return None
        slots = self.executors.get(entry[2].executor_id)
        if slots is not None:
            slots.free += 1
        return entry

    def _log_task_end(self, stage, attempt, reason, metrics=None, counted=None, error=None, cached=()):
        """``reason``: "success" or a one-line summary; ``error``: a failure's whole text (the remote
        traceback, capped), which the event log keeps so a failure can be read after the fact."""
        self._log("TaskEnd", task_id=attempt.task_id, stage_id=stage.id, stage_attempt=attempt.stage_attempt,
                  partition=attempt.partition,
                  attempt=attempt.attempt, executor_id=attempt.executor_id,
                  speculative=attempt.speculative, reason=reason,
                  duration=round(self.now - attempt.launch_time, 6), counted=counted,
                  metrics=metrics or {}, **({"error": error[-20000:]} if error else {}),
                  **({"cached": [list(key) for key in cached]} if cached else {}))

    # ------------------------------------------------------------ events

    def _on_JobSubmitted(self, event):
        job = Job(event.job_id, event.partitions, event.description, event.properties)
        job.last_progress = self.now
        if self.exhausted is not None and not self.executors and job.partitions:
            self._emit(m.JobFailed(job.id, JobFailedError("Job %d cannot run: %s" % (job.id, self.exhausted))))
            return
        try:
            stage = Stage(next(self._stage_ids), event.rdd, [], func=event.func, job=job)
            self.jobs[job.id] = job
            stage.parents = self._parent_stages(event.rdd, job)
            self._attach(stage, job)
            job.final_stage = stage
            self._ensure_binaries(stage)
        except Exception as exc:  # noqa: BLE001 - any failure to plan the job fails the job
            self.jobs.pop(job.id, None)
            error = exc if isinstance(exc, SerializationError) else JobFailedError(
                "Job %d could not be planned: %s: %s" % (job.id, type(exc).__name__, exc))
            self._emit(m.JobFailed(job.id, error))
            return
        self._log("JobStart", job_id=job.id, description=job.description, group=job.properties.get("spark.jobGroup.id"),
                  stage_ids=sorted(s.id for s in job.stages), partitions=len(job.partitions))
        if not job.partitions:
            self._finish_job(job)
            return
        self._submit_stage(stage)

    def _on_JobCancelled(self, event):
        job = self.jobs.get(event.job_id)
        if job is not None:
            self._end_job(job, JobCancelledError("Job %d cancelled: %s" % (job.id, event.reason)))

    def _on_ExecutorAdded(self, event):
        if event.executor_id in self.executors or event.executor_id in self.removed_executors:
            return
        self.exhausted = None
        self.executors[event.executor_id] = ExecutorSlots(event.address, event.cores, self.now)
        self._log("ExecutorAdded", executor_id=event.executor_id, address=event.address,
                  cores=event.cores, host=event.host)

    def _on_ExecutorHeartbeat(self, event):
        self._seen(event.executor_id)

    def _seen(self, executor_id):
        slots = self.executors.get(executor_id)
        if slots is not None:
            slots.last_seen = self.now

    def _progress(self, stage):
        for job_id in stage.job_ids:
            job = self.jobs.get(job_id)
            if job is not None:
                job.last_progress = self.now

    def _on_ShuffleUnreachable(self, event):
        shuffle_id = event.shuffle_id
        if shuffle_id in self.shuffle_stages:
            return  # a running job still uses it (it cannot be unreachable then; be safe anyway)
        self.tracker.remove_shuffle(shuffle_id)
        stage = self._shuffle_stage_ids.pop(shuffle_id, None)
        self.merged_map_accumulators = {k for k in self.merged_map_accumulators if k[0] != shuffle_id}
        self._emit(m.RemoveShuffle(shuffle_id, stage[0] if stage else None))
        self._log("ShuffleRemoved", shuffle_id=shuffle_id)

    def _on_RDDUnpersisted(self, event):
        for key in [k for k in self.cache_locs if k[0] == event.rdd_id]:
            del self.cache_locs[key]
        self._log("RDDUnpersisted", rdd_id=event.rdd_id)

    def _answer_of(self, event):
        """The attempt an answer is about, taken off the running list, if this answer counts at all.

        It counts only from the executor the attempt was launched on, and
        only while that executor is alive: an attempt of a lost executor was
        already requeued (its late answer finds no entry), and another
        executor cannot answer for it.
        """
        self._seen(event.executor_id)
        entry = self.tasks.get(event.task_id)
        if entry is None or entry[2].executor_id != event.executor_id:
            return None
        return self._finish_attempt(event.task_id)

    def _on_TaskSucceeded(self, event):
        entry = self._answer_of(event)
        if entry is None:
            return
        stage, task_set, attempt = entry
        self._progress(stage)
        if stage.is_barrier and task_set.zombie:
            # A task of a barrier attempt that already failed: what it produced does not count.
            task_set.on_success(event.task_id, self.now)
            self._log_task_end(stage, attempt, "success", event.metrics, False)
            return
        _, first, others = task_set.on_success(event.task_id, self.now)
        for other in others:
            self._kill(other)
        for rdd_id, partition in event.cached_blocks:
            self.cache_locs[(rdd_id, partition)].add(attempt.executor_id)
        p = attempt.partition
        counted = False
        if stage.is_map:
            shuffle_id = stage.shuffle_dep.shuffle_id
            if self.tracker.get(shuffle_id, p) is None:
                address = self.executors[attempt.executor_id].address
                self.tracker.register(shuffle_id, p, MapStatus(attempt.executor_id, address,
                                                               event.task_id, event.output.sizes))
                counted = True
                if (shuffle_id, p) not in self.merged_map_accumulators:
                    self.merged_map_accumulators.add((shuffle_id, p))
                    self._apply_accumulators(event)
        elif stage.is_barrier and stage.job is not None and stage.job.id in self.jobs:
            counted = self._hold_barrier_result(stage, task_set, p, event)
        elif stage.job is not None and stage.job.id in self.jobs and p not in stage.job.results:
            stage.job.results[p] = event.output.data
            self._emit(m.ResultAccepted(stage.job.id, p, event.output.data))
            counted = True
            self._apply_accumulators(event)
        self._log_task_end(stage, attempt, "success", event.metrics, counted, cached=event.cached_blocks)
        if stage.task_set is not task_set and stage.task_set is not None:
            stage.task_set.mark_done(p)
        self._check_stage_done(stage)

    def _apply_accumulators(self, event):
        if event.accumulators:
            self._emit(m.ApplyAccumulators(event.accumulators))

    def _check_stage_done(self, stage):
        if not stage.is_map:
            job = stage.job
            if job is not None and job.id in self.jobs and len(job.results) == len(job.partitions):
                self._finish_result_stage(stage)
            return
        if stage not in self.running:
            return
        if not self.tracker.missing(stage.shuffle_dep.shuffle_id):
            self._stage_completed(stage)
        elif stage.task_set.is_done():
            # Outputs finished by this attempt were lost since: run another attempt.
            self.running.discard(stage)
            self._retire(stage.task_set)
            self._submit_stage(stage)

    def _finish_result_stage(self, stage):
        """Every partition has its result: the job is done, whichever attempt of the stage brought them.

        A task of an attempt retired by a fetch failure (or an executor loss)
        goes on running and its result counts; when it brings the last one,
        the stage may be waiting for its resubmission, and nothing would run
        again to finish the job.
        """
        if stage in self.running:
            self._stage_completed(stage)
        elif stage.task_set is not None:
            self._retire(stage.task_set)
        self._finish_job(stage.job)

    def _finish_job(self, job):
        self._log("JobEnd", job_id=job.id, result="success")
        self._emit(m.JobSucceeded(job.id, [job.results[p] for p in job.partitions]))
        self._forget_job(job)

    def _end_job(self, job, error):
        self._log("JobEnd", job_id=job.id, result="failed", reason=str(error))
        self._emit(m.JobFailed(job.id, error))
        self._forget_job(job)

    def _forget_job(self, job):
        """Drop what only this job needed: a stage no other job uses keeps no binary or task set."""
        self.jobs.pop(job.id, None)
        if job.final_stage is not None:
            self._emit(m.ReleaseStage(job.final_stage.id))   # result stages are never reused
        for stage in job.stages:
            stage.job_ids.discard(job.id)
            if not stage.job_ids:
                if stage in self.running and stage.task_set is not None:
                    self._retire(stage.task_set)
                self.running.discard(stage)
                self.waiting.discard(stage)
                self.failed.discard(stage)
                stage.binary, stage.broadcast_ids, stage.task_set = None, [], None
                if stage.is_map:
                    # Its outputs stay in the tracker (a later job reuses them); the stage and its RDDs go.
                    shuffle_id = stage.shuffle_dep.shuffle_id
                    self.shuffle_stages.pop(shuffle_id, None)
                    self._shuffle_stage_ids[shuffle_id] = (stage.id, stage.attempt)
        job.stages, job.final_stage = set(), None

    def _on_TaskFailed(self, event):
        entry = self._answer_of(event)
        if entry is None:
            return
        stage, task_set, attempt = entry
        self._progress(stage)
        reason = event.reason
        _, abort = task_set.on_failure(event.task_id, counts=reason.counts)
        self._log_task_end(stage, attempt, reason.describe(), event.metrics, error=reason.message)
        if stage.is_barrier and not isinstance(reason, m.Killed):
            if isinstance(reason, m.FetchFailure):
                self._on_fetch_failed(stage, task_set, reason)   # resubmitted once its input is back
                self._end_barrier_attempt(stage, task_set)
            else:
                self._restart_barrier_stage(stage, task_set, "partition %d: %s"
                                            % (attempt.partition, reason.describe()))
        elif isinstance(reason, m.FetchFailure):
            self._on_fetch_failed(stage, task_set, reason)
        elif abort and stage.task_set is task_set and stage in self.running:
            self._abort_stage(stage, "%s; most recent failure (partition %d, attempt %d, "
                                     "executor %s):\n%s" % (abort, attempt.partition, attempt.attempt,
                                                             attempt.executor_id, reason.message))

    def _on_Tick(self, event):
        for eid, slots in list(self.executors.items()):
            if self.now - slots.last_seen > self.heartbeat_timeout:
                self._lose_executor(eid, "no heartbeat for %.1fs" % (self.now - slots.last_seen))
        self._check_waiting()
        for task_id, deadline in sorted(self.killing.items()):
            entry = self.tasks.get(task_id)
            if entry is None:
                del self.killing[task_id]
            elif self.now > deadline:
                attempt = entry[2]
                self._lose_executor(attempt.executor_id, "task %d did not stop within %.0fs of being killed "
                                    "(zpark.task.killTimeout)" % (task_id, self.kill_timeout))
        if self.resubmit_at is not None and self.now >= self.resubmit_at:
            self.resubmit_at = None
            for stage in sorted(self.failed, key=lambda s: s.id):
                self.failed.discard(stage)
                self._submit_stage(stage)
        if self.speculation is None or self.now < self._next_speculation_check:
            return
        self._next_speculation_check = self.now + self.speculation_interval
        for stage in self.running:
            if stage.task_set is not None:
                for p in stage.task_set.check_speculation(self.now):
                    self._log("SpeculativeTask", stage_id=stage.id, partition=p)
