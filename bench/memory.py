"""Memory-bounded sort, groupByKey and reduceByKey: data several times an executor's memory budget.

    bench/.venv/bin/python bench/memory.py [--budget 128m] [--records 8000000]

Runs zpark local[2] with ``zpark.executor.memory`` set to the budget on
``sortByKey``, ``groupByKey``, ``reduceByKey`` (4,000,000 distinct keys)
and ``join`` (each record with its key's one match) whose two reduce
partitions each hold far more than the budget as Python objects, samples every executor's resident
memory while it runs, checks the answers, and reports each executor's peak
RSS against the budget together with what was spilled (from the event log).
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time
import tracemalloc

import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import rdd_workloads  # noqa: E402
import workloads as w  # noqa: E402


def object_bytes(generator, params, sample_part=0):
    """Bytes per record as Python objects, measured on one partition."""
    tracemalloc.start()
    records = generator(sample_part, params)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size / len(records)


class PeakSampler(threading.Thread):
    """Peak RSS of each child process of this one (the executors), sampled every 20 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peaks = {}
        self.stop = threading.Event()

    def run(self):
        me = psutil.Process()
        while not self.stop.wait(0.02):
            for child in me.children():
                try:
                    rss = child.memory_info().rss
                except psutil.Error:
                    continue
                self.peaks[child.pid] = max(self.peaks.get(child.pid, 0), rss)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", default="128m")
    parser.add_argument("--records", type=int, default=8_000_000)
    parser.add_argument("--workloads", default="sort,groupby,reduce,join")
    args = parser.parse_args()
    import zpark
    from zpark.common.config import parse_size
    budget = parse_size(args.budget)
    rows = []
    for name in args.workloads.split(","):
        keys = args.records // 2 if name == "reduce" else args.records // 40
        params = {"records": args.records, "keys": keys, "partitions": 64, "reducers": 2}
        generator = w.float_keys if name == "sort" else w.wide_pairs
        per_record = object_bytes(generator, params)
        events = tempfile.mkdtemp(prefix="zpark-memory-events-")
        conf = {"zpark.executor.memory": args.budget, "zpark.ui.showConsoleProgress": False,
                "zpark.eventLog.dir": events}
        with zpark.Context("local[2]", app_name="memory-" + name, conf=conf) as sc:
            sampler = PeakSampler()
            sampler.start()
            started = time.perf_counter()
            answer = getattr(rdd_workloads, name + "_bounded")(sc, params, None)
            seconds = time.perf_counter() - started
            sampler.stop.set()
            sampler.join()
            log = sc.eventLogPath
        ends = [json.loads(line) for line in open(log)]
        ends = [e for e in ends if e["event"] == "TaskEnd"]
        spills = sum(e["metrics"].get("spill_count", 0) for e in ends)
        spilled = sum(e["metrics"].get("spill_bytes_written", 0) for e in ends)
        if name == "sort":
            ok = answer["count"] == args.records and answer["sorted"]
        elif name == "reduce":
            ok = answer == {"keys": keys, "total": sum(range(1_000_000, 1_000_000 + args.records))}
        elif name == "join":
            ok = answer == {"count": args.records, "sum": sum(
                x + 1_000_000 - (x * 7919) % keys for x in range(args.records))}
        else:
            ok = (answer["keys"] == params["keys"] and answer["values"] == args.records
                  and answer["smallest"] == answer["largest"] == 40)
        data_mib = per_record * args.records / 2 ** 20
        peaks = sorted(sampler.peaks.values(), reverse=True)[:2]
        rows.append("| %s | %s | %.0f | %.0f | %.0f | %s | %d runs, %.0f MiB | %.1f | %s |" % (
            name, args.budget, data_mib, data_mib / 2 / (budget / 2 ** 20),
            budget / 2 ** 20, " / ".join("%.0f" % (p / 2 ** 20) for p in peaks),
            spills, spilled / 2 ** 20, seconds, "yes" if ok else "NO: %r" % answer))
        print(rows[-1], flush=True)
    table = "\n".join(["| workload | budget | data as objects MiB | per-executor data / budget | budget MiB "
                       "| peak executor RSS MiB | spilled | seconds | answer exact |",
                       "|---|---|---|---|---|---|---|---|---|"] + rows)
    print()
    print(table)
    results = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "memory.md")
    os.makedirs(os.path.dirname(results), exist_ok=True)
    with open(results, "w") as f:
        f.write(table + "\n")


if __name__ == "__main__":
    main()
