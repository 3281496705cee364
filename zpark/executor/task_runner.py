"""Runs one task attempt: compute the partition, then write shuffle output or pickle the result."""
import errno
import os
import sys
import time
import traceback

from ..common import messages, serialization
from ..common.errors import FetchFailedError, TaskKilledError
from ..data.record_batches import records_of
from ..common.task_context import PY_FILES_PROPERTY, BarrierTaskContext, TaskContext
from .shuffle_writer import write_map_output


class TaskRuntime:
    """What a running task may ask of its executor (reached through TaskContext)."""

    def __init__(self, executor_id, store, shuffle_reader, fetch_cached, task_memory_bytes, spill_dir,
                 barrier_waits):
        self.executor_id = executor_id
        self.barrier_waits = barrier_waits
        self.store = store
        self.shuffle_reader = shuffle_reader
        self.fetch_cached = fetch_cached
        self.task_memory_bytes = task_memory_bytes   # this executor's memory over its task threads
        self.spill_dir = spill_dir
        self.combine_probes = {}   # shuffle id -> whether its first map task here found combining merges little

    def read_shuffle(self, tc, shuffle_id, reduce_id):
        return self.shuffle_reader.read(shuffle_id, reduce_id, _blocks_to_read(tc, shuffle_id, reduce_id), tc)

    def read_shuffle_blocks(self, tc, shuffle_id, reduce_id):
        return self.shuffle_reader.read_blocks(shuffle_id, reduce_id, _blocks_to_read(tc, shuffle_id, reduce_id), tc)

    def barrier_sync(self, tc, kind, message):
        return self.barrier_waits.sync(tc, kind, message)

    def broadcast_value(self, bid):
        return self.store.broadcast_value(bid)

    def get_or_compute(self, tc, rdd, split):
        key = (rdd.id(), split.index)
        records = self.store.get_partition(key)
        if records is not None:
            return records_of([records], tc)
        for address in tc.cache_locations.get(key, ()):
            records = self.fetch_cached(address, key)
            if records is not None:
                return records_of([records], tc)
        records = list(rdd.compute(split, tc))
        tc.add_metric("cached_bytes", self.store.put_partition(key, records, rdd.getStorageLevel()))
        tc.cached_blocks.append(key)
        return records_of([records], tc)


def _blocks_to_read(tc, shuffle_id, reduce_id):
    """The non-empty blocks the driver listed for this reduce partition (it lists every one a task reads)."""
    try:
        return tc.shuffle_locations[shuffle_id][reduce_id]
    except KeyError:
        raise RuntimeError("task %d reads shuffle %d reduce partition %d, which the driver did not expect: a "
                           "scheduler bug" % (tc.taskAttemptId(), shuffle_id, reduce_id)) from None


class QueuedTask:
    """A task message waiting for (or held by) a task thread: the launch, its inputs pickled, then loaded."""

    def __init__(self, launch, inputs_bytes):
        self.launch = launch
        self.inputs_bytes = inputs_bytes
        self.inputs = None


def context_for(task, runtime):
    """The TaskContext of a task whose inputs are loaded (what user code sees as TaskContext.get())."""
    launch = task.launch
    context_class = BarrierTaskContext if launch.barrier else TaskContext
    tc = context_class(launch.stage_id, launch.stage_attempt, launch.partition, launch.attempt, launch.task_id,
                     runtime.executor_id, runtime)
    tc.shuffle_locations = task.inputs["shuffle_locations"]
    tc.cache_locations = task.inputs["cache_locations"]
    tc.local_properties = task.inputs.get("properties") or {}
    if launch.barrier:
        tc.task_hosts = task.inputs.get("barrier_hosts") or ()
    for entry in tc.local_properties.get(PY_FILES_PROPERTY, "").split(os.pathsep):
        if entry and entry not in sys.path:
            sys.path.insert(0, entry)
    return tc


def killed_report(task_id, message):
    return messages.TaskFailedReport(task_id, "killed", message), []


def run_task(task, binary, runtime, tc):
    """Returns (message, payload frames) for the driver."""
    started = time.monotonic()
    launch = task.launch
    TaskContext._set(tc)
    try:
        rdd, work = binary
        records = rdd.iterator(task.inputs["split"], tc)
        if launch.is_map:
            sizes, written = write_map_output(records, work, runtime.store, launch.partition, launch.task_id,
                                              runtime.task_memory_bytes // 4, tc)
            tc.check_killed()
            tc.metrics["shuffle_bytes_written"] = sum(sizes.values())
            tc.metrics["shuffle_records_written"] = written
            result = sizes
            payload = [b""]
        else:
            value = work(records)
            tc.check_killed()
            result = None
            pickling = time.monotonic()
            payload = [serialization.dumps(value)]
            tc.metrics["result_serialization_time"] = round(time.monotonic() - pickling, 6)
        accumulators = serialization.dumps(tc.accumulator_updates) if tc.accumulator_updates else b""
        tc.metrics["run_time"] = round(time.monotonic() - started, 6)
        done = messages.TaskDone(launch.task_id, result, [list(k) for k in tc.cached_blocks], tc.metrics)
        return done, payload + [accumulators]
    except FetchFailedError as exc:
        return messages.TaskFailedReport(launch.task_id, "fetch_failed", str(exc), exc.shuffle_id,
                                         exc.map_index, exc.executor_id,
                                         map_executor_unreachable=exc.unreachable), []
    except TaskKilledError as exc:
        return killed_report(launch.task_id, str(exc))
    except BaseException as exc:  # noqa: BLE001 - user code may raise anything (sys.exit too); report it
        return messages.TaskFailedReport(
            launch.task_id, "exception", "%sTraceback (most recent call last, on executor %s):\n%s"
            % (_disk_full_note(exc, runtime), runtime.executor_id,
               "".join(traceback.format_exception(exc)[1:]))), []
    finally:
        TaskContext._set(None)


def _disk_full_note(exc, runtime):
    """A full disk is named as such, with the folder, before the traceback (the usual cause: the
    executor's work directory - shuffle, spill and cache files - sits on a small filesystem)."""
    if not (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        return ""
    folder = os.path.dirname(exc.filename) if isinstance(exc.filename, str) else os.path.dirname(runtime.spill_dir)
    return ("no space left on device in %s (executor %s's work directory for shuffle, spill and cached "
            "files is full: give it more room - zpark.local.dir in local mode, `zpark executor --work-dir` in a cluster)\n"
            % (folder, runtime.executor_id))
