"""What the DAG scheduler does when something fails (a part of DAGScheduler, kept apart to stay readable).

Executor loss (including heartbeat expiry and processes that exit by
themselves), fetch failures and how they count toward a stage's attempts,
running stages whose inputs went with an executor, jobs that cannot go on
(no executor can come, no progress for zpark.job.stallTimeout), and the
scheduler's own bugs. Pure, like the rest: state in, actions out.
"""
import traceback

from ..common.errors import JobFailedError, SchedulerError
from . import events as m


class Recovery:
    """Mixed into DAGScheduler; uses its state (executors, tasks, stages, tracker) and helpers."""

    def _fail_all_jobs(self, event, exc):
        """An error inside the scheduler: every running job fails with it, and nothing stays in flight."""
        error = SchedulerError("internal scheduler error while handling %s: %s: %s\n%s"
                               % (type(event).__name__, type(exc).__name__, exc,
                                  "".join(traceback.format_exception(exc))))
        jobs, self.jobs = list(self.jobs.values()), {}
        for job in jobs:
            self._emit(m.JobFailed(job.id, error))
        for stage, task_set, attempt in self.tasks.values():
            task_set.zombie = True
            self._kill(attempt)
        stages = set(self.running | self.waiting | self.failed)
        for job in jobs:
            stages |= job.stages
        for stage in stages:
            stage.job_ids.clear()
            stage.binary, stage.broadcast_ids, stage.task_set = None, [], None
        self.shuffle_stages = {}
        self.running, self.waiting, self.failed = set(), set(), set()
        self.resubmit_at = None
        self._log("SchedulerError", event=type(event).__name__, error="%s: %s" % (type(exc).__name__, exc))

    def _on_ExecutorLost(self, event):
        self._lose_executor(event.executor_id, event.reason, event.caused_by_task)

    def _lose_executor(self, eid, reason, caused_by_task=False):
        """An executor is gone. One that never registered (it died starting) is only replaced and logged.

        Its attempts are requeued. When its process exited by itself, the
        attempts that were executing (the first ``cores`` launched there;
        the others only waited in its queue) count as failures, so a task
        that kills its executor every time fails its job instead of using up
        every executor.
        """
        if eid in self.removed_executors:
            return
        self.removed_executors.add(eid)
        slots = self.executors.pop(eid, None)
        lost = sorted((task_id, entry) for task_id, entry in self.tasks.items() if entry[2].executor_id == eid)
        running = ["task %d (stage %d.%d, partition %d, attempt %d)"
                   % (task_id, stage.id, task_set.stage_attempt, attempt.partition, attempt.attempt)
                   for task_id, (stage, task_set, attempt) in lost[:slots.cores if slots else 0]]
        self._emit(m.RemoveExecutor(eid, reason, running))
        self._log("ExecutorRemoved", executor_id=eid, reason=reason, running_tasks=running)
        if slots is None:
            return
        barrier_failures = {}
        for position, (task_id, (stage, task_set, attempt)) in enumerate(lost):
            del self.tasks[task_id]
            self.killing.pop(task_id, None)
            failure = m.ExecutorLostFailure(reason, caused_by_task and position < slots.cores)
            _, abort = task_set.on_failure(task_id, counts=failure.counts)
            self._log_task_end(stage, attempt, failure.describe(), counted=None, error=failure.message)
            if stage.is_barrier:
                barrier_failures.setdefault(stage, (task_set, "partition %d: %s" % (attempt.partition,
                                                                                      failure.describe())))
            elif abort and stage.task_set is task_set and stage in self.running:
                self._abort_stage(stage, "%s; most recent failure (partition %d, attempt %d, executor %s): %s"
                                  % (abort, attempt.partition, attempt.attempt, eid, failure.message))
        for stage in self.running:
            if stage.task_set is not None:
                stage.task_set.forget_executor(eid)
        lost_outputs = self.tracker.unregister_executor(eid)
        for shuffle_id, maps in lost_outputs.items():
            stage = self.shuffle_stages.get(shuffle_id)
            if stage in self.running and stage.is_barrier:
                barrier_failures.setdefault(stage, (stage.task_set, "outputs lost with executor %s" % eid))
            elif stage in self.running:
                stage.task_set.reset_partitions(maps)
        for stage, (task_set, why) in sorted(barrier_failures.items(), key=lambda item: item[0].id):
            self._restart_barrier_stage(stage, task_set, why)
        self._resubmit_readers_of(set(lost_outputs))
        for key in list(self.cache_locs):
            self.cache_locs[key].discard(eid)
            if not self.cache_locs[key]:
                del self.cache_locs[key]

    def _on_ExecutorsExhausted(self, event):
        self.exhausted = event.reason
        if self.executors:
            return
        self._emit(m.Warn("no executors left and none can come: %s" % event.reason))
        for job in sorted(self.jobs.values(), key=lambda j: j.id):
            self._end_job(job, JobFailedError("Job %d cannot finish: %s" % (job.id, event.reason)))

    def _check_waiting(self):
        """Say so when jobs wait with no executor at all; fail jobs that nothing would move on, and
        jobs stalled past zpark.job.stallTimeout."""
        if self.jobs and not self.executors:
            if self._next_no_executors_warning is None or self.now >= self._next_no_executors_warning:
                self._next_no_executors_warning = self.now + self.no_executors_warning
                self._emit(m.Warn("no executors: job(s) %s wait until one registers"
                                  % ", ".join(str(j) for j in sorted(self.jobs))))
        else:
            self._next_no_executors_warning = None
        for job in sorted(self.jobs.values(), key=lambda j: j.id):
            if not self._scheduled(job):
                # Nothing would ever move it on: only a bug of the scheduler's gets here. Fail it
                # visibly rather than let its action wait forever.
                self._end_job(job, SchedulerError("Job %d cannot go on: no stage of it is running, waiting "
                                                  "for its parents or for a resubmission (an internal "
                                                  "scheduler error); %d of %d results in"
                                                  % (job.id, len(job.results), len(job.partitions))))
        if self.stall_timeout > 0:
            for job in sorted(self.jobs.values(), key=lambda j: j.id):
                if self.now - job.last_progress > self.stall_timeout:
                    self._end_job(job, JobFailedError("Job %d made no progress for %.0fs "
                                                      "(zpark.job.stallTimeout); it was waiting for: %s"
                                                      % (job.id, self.now - job.last_progress,
                                                         self._waiting_for(job))))

    def _waiting_for(self, job):
        parts = []
        for stage in sorted(job.stages, key=lambda s: s.id):
            if stage in self.running and stage.task_set is not None:
                ts = stage.task_set
                running = ["task %d (partition %d on %s, %.0fs)" % (a.task_id, a.partition, a.executor_id,
                                                                     self.now - a.launch_time)
                           for a in ts.running.values()]
                parts.append("stage %d: %d pending, running %s" % (stage.id, len(ts.pending),
                                                                   ", ".join(running) or "nothing"))
            elif stage in self.waiting:
                parts.append("stage %d: waiting for its parent stages" % stage.id)
            elif stage in self.failed:
                parts.append("stage %d: to be resubmitted after a fetch failure" % stage.id)
        parts.append("%d executor(s) registered" % len(self.executors))
        return "; ".join(parts)

    def _on_fetch_failed(self, stage, task_set, event):
        """A block could not be read: that output is lost. When its executor did not answer at all,
        every other output it holds is suspect too (Spark drops them all): one unreachable executor
        then costs one resubmission, not one per block that would fail the same way later."""
        map_stage = self.shuffle_stages.get(event.shuffle_id)
        if event.map_index is not None and map_stage is not None:
            self.tracker.unregister(event.shuffle_id, event.map_index, event.map_executor)
        if event.unreachable and event.map_executor is not None:
            for shuffle_id, maps in self.tracker.unregister_executor(event.map_executor).items():
                other = self.shuffle_stages.get(shuffle_id)
                if other in self.running and other is not stage:
                    other.task_set.reset_partitions(maps)
        if stage.task_set is not task_set or stage not in self.running:
            return  # this stage attempt already failed; one resubmission covers the burst
        self._retire_for_resubmit(stage)
        # What counts toward the stage's cap is a failure that repeats: the same map output unreadable
        # again after it was recomputed, or an executor that again does not answer. A first bad block,
        # outputs lost with an executor or already missing cost a resubmission, not an attempt.
        if event.unreachable:
            repeated = event.map_executor in stage.unreachable_executors
            stage.unreachable_executors.add(event.map_executor)
        else:
            repeated = (event.shuffle_id, event.map_index) in stage.unreadable_maps
            stage.unreadable_maps.add((event.shuffle_id, event.map_index))
        if repeated and event.map_executor is not None and event.map_executor in self.executors:
            stage.failed_attempts.add(task_set.stage_attempt)
        if len(stage.failed_attempts) >= self.max_stage_attempts:
            self._abort_stage(stage, "Stage %d has failed the maximum allowable number of times: %d. "
                                     "Most recent failure reason: %s" % (stage.id, self.max_stage_attempts,
                                                                         event.message))
            return
        self.failed.add(stage)
        if map_stage is not None:
            if map_stage in self.running:
                # keep it running; it will recompute what is now missing
                map_stage.task_set.reset_partitions([event.map_index])
            else:
                self.failed.add(map_stage)
        if self.resubmit_at is None:
            self.resubmit_at = self.now + self.fetch_retry_wait

    def _resubmit_readers_of(self, shuffle_ids):
        """Running stages that read outputs just lost would only launch tasks that fail to fetch:
        end their attempts now (not counted against the stage) and resubmit after the parents."""
        for stage in sorted(self.running, key=lambda s: s.id):
            lost_parents = [p for p in stage.parents if p.shuffle_dep.shuffle_id in shuffle_ids]
            if not lost_parents or stage.task_set is None:
                continue
            self._retire_for_resubmit(stage)
            self.failed.add(stage)
            for parent in lost_parents:
                if parent not in self.running:
                    self.failed.add(parent)
            if self.resubmit_at is None:
                self.resubmit_at = self.now + self.fetch_retry_wait

    def _retire_for_resubmit(self, stage):
        """A fetch failure ends this stage attempt: no new launches; running tasks may still finish."""
        self.running.discard(stage)
        stage.task_set.zombie = True
        self._log("StageCompleted", stage_id=stage.id, stage_attempt=stage.attempt, name=stage.name,
                  failure="fetch failed")

    def _abort_stage(self, stage, message):
        for job_id in sorted(stage.job_ids):
            job = self.jobs.get(job_id)
            if job is not None:
                self._end_job(job, JobFailedError("Job %d aborted: %s (stage %d: %s)"
                                                  % (job_id, message, stage.id, stage.name)))
