"""Time one workload's shuffle map tasks in this process: the shuffle writer alone, per task.

    bench/.venv/bin/python bench/map_task.py wide [--tasks 20]

Generates each map task's records as the workload does (wide: a 200-partition
reduceByKey with a lambda; joinstrings: the join's repeated str-keyed side, 8
partitions) and times ``write_map_output`` on them with an executor's garbage
collector settings, so a change to the writer can be measured without the
scheduler, the sockets or the other executor.

On a machine whose speed drifts (bench/README.md, session 18), count
instructions instead, which do not drift: run it under callgrind with two task
counts and divide the difference by the extra tasks -

    valgrind --tool=callgrind --callgrind-out-file=/dev/null bench/.venv/bin/python bench/map_task.py wide --tasks 5
    valgrind --tool=callgrind --callgrind-out-file=/dev/null bench/.venv/bin/python bench/map_task.py wide --tasks 25

("Collected" of the second minus the first, over 20: one task's instructions,
its records' generation included). Instructions miss cache misses: a change that
mostly saves memory traffic shows in wall time only.
"""
import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads as w  # noqa: E402
from zpark.common.partitioner import Partitioner  # noqa: E402
from zpark.data.aggregation import Aggregator  # noqa: E402
from zpark.executor.block_store import BlockStore  # noqa: E402
from zpark.executor.main import tune_garbage_collector  # noqa: E402
from zpark.executor.shuffle_writer import write_map_output  # noqa: E402


def shuffle_of(workload, params):
    """(what write_map_output reads of a ShuffleDependency, records of map task i)."""
    if workload == "wide":
        dep = SimpleNamespace(shuffle_id=1, partitioner=Partitioner(params["partitions"]), map_side_combine=True,
                              aggregator=Aggregator.reducing(lambda a, b: a + b), sums_in_columns=False,
                              keys_only=False)
        return dep, lambda i: w.wide_pairs_str(i % params["partitions"], params)
    if workload == "joinstrings":
        dep = SimpleNamespace(shuffle_id=1, partitioner=Partitioner(params["partitions"]), map_side_combine=False,
                              aggregator=None, sums_in_columns=False, keys_only=False)
        return dep, lambda i: w.string_left(i % params["partitions"], params)
    raise SystemExit("map_task.py knows wide and joinstrings, not %r" % workload)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["wide", "joinstrings"])
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    tune_garbage_collector()
    params = w.scaled(w.FULL, args.scale)[args.workload]
    dep, records_of = shuffle_of(args.workload, params)
    folder = tempfile.mkdtemp(prefix="zpark-map-task-")
    store = BlockStore(folder)
    # One executor's runtime: what the writer asks of it (the memory budget, the spill folder, and the
    # shuffle's remembered combine probe, shared by the tasks as on an executor).
    runtime = SimpleNamespace(combine_probes={}, task_memory_bytes=256 << 20, spill_dir=folder)
    seconds = []
    for task in range(args.tasks):
        records = records_of(task)
        metrics = {}
        tc = SimpleNamespace(metrics=metrics, runtime=runtime, check_killed=lambda: None,
                             add_metric=lambda name, value: metrics.__setitem__(name, metrics.get(name, 0) + value))
        started = time.perf_counter()
        write_map_output(iter(records), dep, store, task, task, 64 << 20, tc)
        seconds.append(time.perf_counter() - started)
        del records
    store.close()
    print("%s: %d map tasks, the writer %.2f ms a task (median; min %.2f ms)"
          % (args.workload, args.tasks, statistics.median(seconds) * 1e3, min(seconds) * 1e3))


if __name__ == "__main__":
    main()
