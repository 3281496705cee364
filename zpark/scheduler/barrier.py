"""Barrier stages (``rdd.barrier().mapPartitions(f)``): all tasks at once, or none (part of DAGScheduler).

A barrier stage's tasks may wait for each other (``BarrierTaskContext.barrier()``
and ``allGather()``), so they must all run at the same time: an attempt is
launched only when the cluster has a free slot for every task, and when one
task fails - an exception, a lost executor, a fetch failure - the others
are killed and the whole stage runs again, as a new stage attempt that
counts toward zpark.stage.maxConsecutiveAttempts. Its outputs count only
together: a result stage's values reach the job once every task succeeded;
a map stage's outputs are all forgotten when an attempt fails. No task is
speculated. Pure, like the rest of the scheduler.
"""
from . import events as m


class BarrierStages:
    """Mixed into DAGScheduler; uses its state (executors, tasks, tracker, running stages) and helpers."""

    def _launch_barrier(self, stage):
        """Launch every task of a fresh barrier attempt together, once there is a free slot for each."""
        task_set = stage.task_set
        if task_set.running or not task_set.pending:
            return
        needed = len(task_set.pending)
        total = sum(slots.cores for slots in self.executors.values())
        if total < needed:
            waited = self.now - stage.submitted_at
            if self.executors and waited >= self.barrier_slot_wait:
                self._abort_stage(stage, "barrier stage %d needs %d task slots at once but the cluster has "
                                         "only %d (waited %.0fs, zpark.barrier.slotWaitTimeout)"
                                  % (stage.id, needed, total, waited))
            return
        if sum(max(0, slots.free) for slots in self.executors.values()) < needed:
            return
        launched = []
        for executor_id, slots in self.executors.items():
            for _ in range(max(0, slots.free)):
                if task_set.pending:
                    launched.append((task_set.offer(executor_id, self.now, next(self._task_ids),
                                                    len(self.executors)), slots))
        by_partition = sorted((attempt.partition, slots.address.split("://")[-1]) for attempt, slots in launched)
        hosts = [host for _, host in by_partition]
        for attempt, slots in launched:
            self._launch(stage, attempt, slots, hosts)

    def _on_BarrierSyncRequested(self, event):
        """Hold each task's barrier()/allGather() until every task of the attempt made the same call."""
        entry = self.tasks.get(event.task_id)
        if entry is None or entry[2].executor_id != event.executor_id:
            self._emit(m.BarrierRelease(event.executor_id, event.task_id, event.sequence, None,
                                        "its task attempt is no longer running"))
            return
        stage, task_set, attempt = entry
        if not stage.is_barrier:
            self._emit(m.BarrierRelease(event.executor_id, event.task_id, event.sequence, None,
                                        "stage %d is not a barrier stage (use rdd.barrier())" % stage.id))
            return
        calls = task_set.barrier_calls.setdefault(event.sequence, {})
        calls[attempt.partition] = (attempt, event.kind, event.message)
        if len(calls) < len(task_set.partitions):
            return
        del task_set.barrier_calls[event.sequence]
        kinds = sorted({kind for _, kind, _ in calls.values()})
        error = None if len(kinds) == 1 else ("tasks of the barrier stage made different sync calls (%s) at "
                                              "the same point" % ", ".join(kinds))
        gathered = [calls[p][2] for p in sorted(calls)]
        for p in sorted(calls):
            waiting = calls[p][0]
            self._emit(m.BarrierRelease(waiting.executor_id, waiting.task_id, event.sequence,
                                        None if error else gathered, error))

    def _hold_barrier_result(self, stage, task_set, partition, event):
        """A result task of a barrier stage succeeded: its value waits until all tasks of the attempt did."""
        task_set.barrier_results[partition] = event
        if not task_set.is_done():
            return False
        for p in sorted(task_set.barrier_results):
            held = task_set.barrier_results[p]
            stage.job.results[p] = held.output.data
            self._emit(m.ResultAccepted(stage.job.id, p, held.output.data))
            self._apply_accumulators(held)
        task_set.barrier_results.clear()
        return True

    def _end_barrier_attempt(self, stage, task_set):
        """No task of this attempt goes on and nothing it produced counts."""
        self._retire(task_set)
        task_set.barrier_results.clear()
        task_set.barrier_calls.clear()
        if stage.is_map:
            for p in range(stage.num_partitions):
                self.tracker.unregister(stage.shuffle_dep.shuffle_id, p)

    def _restart_barrier_stage(self, stage, task_set, why):
        """One task of the attempt failed: end the attempt and run the whole stage again, unless it
        failed too often."""
        if stage.task_set is not task_set or stage not in self.running:
            return
        self.running.discard(stage)
        self._end_barrier_attempt(stage, task_set)
        self._log("StageCompleted", stage_id=stage.id, stage_attempt=stage.attempt, name=stage.name,
                  failure="barrier task failed: %s" % why)
        stage.failed_attempts.add(task_set.stage_attempt)
        if len(stage.failed_attempts) >= self.max_stage_attempts:
            self._abort_stage(stage, "barrier stage %d failed %d times (zpark.stage.maxConsecutiveAttempts); "
                                     "most recent failure: %s" % (stage.id, len(stage.failed_attempts), why))
            return
        self._submit_stage(stage)
