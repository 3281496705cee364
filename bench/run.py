"""Run every workload on every engine, one engine at a time, and print the side-by-side table.

    bash bench/run.sh [--scale 1.0] [--runs 3] [--engines zpark,pyspark,dask,plain] [--workloads ...]

Each run is a fresh process (bench/run_one.py), engines taking turns run by run
within a workload; this process samples the whole
process tree's resident memory (the engine's executors, JVM or workers
included) and keeps the peak. Figures are medians; answers must agree across
engines or the run is flagged.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading

import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ["startup", "tasks", "wordcount", "shuffle", "groupby", "sort", "join", "pagerank"]
EVERYDAY = ["logs", "distinct", "groupdicts", "joinstrings", "aggregate", "sortby", "kmeans", "wide", "smalljobs"]
ENGINES = ["zpark", "pyspark", "dask", "plain"]
UNITS = {"tasks": ("tasks/s", "tasks"), "wordcount": ("MB/s", "mib"), "shuffle": ("records/s", "records"),
         "groupby": ("records/s", "records"), "sort": ("records/s", "records"), "join": ("records/s", "left")}


def tree_rss(process):
    total = 0
    for p in [process] + process.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


CLUSTER_ENV = {}  # ZPARK_MASTER and ZPARK_SECRET_FILE of the compose cluster, with --cluster


def run_once(engine, workload, scale, data, timeout):
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if engine == "zpark-cluster":
        env.update(CLUSTER_ENV)
    child = subprocess.Popen([sys.executable, os.path.join(HERE, "run_one.py"), engine, workload, str(scale), data],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=HERE)
    peak = [0]
    done = threading.Event()

    def sample():
        proc = psutil.Process(child.pid)
        while not done.wait(0.05):
            try:
                peak[0] = max(peak[0], tree_rss(proc))
            except psutil.Error:
                return
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        return {"error": "timed out after %ds" % timeout}
    finally:
        done.set()
        sampler.join()
    lines = [l for l in out.splitlines() if l.startswith("{")]
    if child.returncode != 0 or not lines:
        return {"error": (err.strip().splitlines() or ["exit %s" % child.returncode])[-1]}
    result = json.loads(lines[-1])
    result["peak_rss"] = peak[0]
    return result


def same_answer(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_answer(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_answer(x, y) for x, y in zip(a, b))
    return a == b


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="multiply data sizes (1.0 = the issue's sizes)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, default=None,
                        help="runs for pyspark and dask (default: --runs; they are 2-100x slower)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--workloads", default=",".join(WORKLOADS),
                        help="comma-separated, or 'everyday' (%s), or 'all'" % ",".join(EVERYDAY))
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--output", default=os.path.join(HERE, "results", "latest.json"))
    parser.add_argument("--cluster", action="store_true",
                        help="also run zpark on a compose cluster of 2 executor containers (needs Docker)")
    args = parser.parse_args()
    if args.cluster:
        from cluster import compose_cluster
        if "zpark-cluster" not in args.engines.split(","):
            args.engines = args.engines.replace("zpark", "zpark,zpark-cluster", 1)
        with compose_cluster(os.path.join(HERE, "data", "words")) as env:
            CLUSTER_ENV.update(env)
            run_all(args)
    else:
        run_all(args)


def run_all(args):
    data = os.path.join(HERE, "data", "words")
    named = {"everyday": ",".join(EVERYDAY), "all": ",".join(WORKLOADS + EVERYDAY)}
    engines, workloads = args.engines.split(","), named.get(args.workloads, args.workloads).split(",")
    results = {}
    counts = {e: args.runs if e in ("zpark", "zpark-noui", "zpark-cluster", "plain") or args.peer_runs is None
              else args.peer_runs
              for e in engines}
    for workload in workloads:
        # One engine at a time (the machine has 2 cores), their runs interleaved so that a slow
        # spell of the machine hits every engine alike rather than one engine's whole series.
        runs = {e: [] for e in engines}
        for i in range(max(counts.values())):
            for engine in engines:
                if i < counts[engine]:
                    runs[engine].append(run_once(engine, workload, args.scale, data, args.timeout))
        for engine in engines:
            good = [r for r in runs[engine] if r.get("seconds") is not None and "error" not in r]
            entry = {"runs": [r.get("seconds") for r in runs[engine]]}
            if good:
                entry.update(seconds=statistics.median(r["seconds"] for r in good),
                             peak_rss=max(r["peak_rss"] for r in good), answer=good[0]["answer"])
            else:
                entry["error"] = runs[engine][0].get("error") or runs[engine][0].get("note")
            results.setdefault(workload, {})[engine] = entry
            print("%-9s %-8s %s" % (workload, engine, "%.3f s" % entry["seconds"] if "seconds" in entry
                                    else entry.get("error")), flush=True)
    table = render(results, engines, workloads, args)
    bound = pickling_bound_line(results, args.scale) if "shuffle" in workloads else ""
    if bound:
        table += "\n\n" + bound
    print()
    print(table)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump({"args": vars(args), "versions": versions(), "results": results}, f, indent=1)
    with open(os.path.splitext(args.output)[0] + ".md", "w") as f:
        f.write(table + "\n")


def render(results, engines, workloads, args):
    from workloads import FULL, scaled
    sizes = scaled(FULL, args.scale)
    head = ["workload"] + ["%s s" % e for e in engines] + ["zpark / plain", "zpark vs pyspark", "zpark vs dask",
                                                            "zpark throughput", "peak RSS MiB (%s)" % "/".join(engines)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for workload in workloads:
        row = results.get(workload, {})
        secs = {e: row.get(e, {}).get("seconds") for e in engines}
        reference = next((row[e]["answer"] for e in engines if "answer" in row.get(e, {})), None)
        cells = [workload]
        for e in engines:
            entry = row.get(e, {})
            if "seconds" not in entry:
                cells.append("n/a")
                continue
            flag = "" if same_answer(entry["answer"], reference) else " (ANSWER DIFFERS)"
            cells.append("%.2f%s" % (entry["seconds"], flag))
        z = secs.get("zpark")

        def ratio(other):
            o = secs.get(other)
            return "%.2fx faster" % (o / z) if z and o else "n/a"
        cells.append("%.2fx" % (z / secs["plain"]) if z and secs.get("plain") and workload not in ("startup", "tasks")
                     else "n/a")
        cells += [ratio("pyspark"), ratio("dask")]
        unit = UNITS.get(workload)
        if z and unit:
            amount = sizes[workload][unit[1]]
            cells.append("%s %s" % (format(int(amount / z), ","), unit[0]))
        else:
            cells.append("%.2f s" % z if z else "n/a")
        cells.append(" / ".join("%d" % (row.get(e, {}).get("peak_rss", 0) / 2 ** 20) if "peak_rss" in row.get(e, {})
                                else "-" for e in engines))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


BOUND_PASSES = 3


def pickling_bound_line(results, scale):
    """The shuffle's serialization floor (median of fresh-process passes), next to zpark's shuffle time."""
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code = ("import json, sys, plain_workloads as p, workloads as w; "
            "print(json.dumps(p.pickling_bound(w.scaled(w.FULL, float(sys.argv[1]))['shuffle'])))")
    passes = []
    for _ in range(BOUND_PASSES):
        out = subprocess.run([sys.executable, "-c", code, str(scale)], capture_output=True, text=True, env=env,
                             cwd=HERE)
        if out.returncode != 0:
            return "Pickling bound: could not be measured (%s)" % out.stderr.strip().splitlines()[-1:]
        passes.append(json.loads(out.stdout))
    bound = statistics.median(passes)
    zpark = results.get("shuffle", {}).get("zpark", {}).get("seconds")
    line = ("Pickling bound for `shuffle`: pickling and unpickling its records in 4,096-record batches "
            "takes %.2f s on one core (median of %d passes)" % (bound, BOUND_PASSES))
    if zpark:
        line += "; zpark's whole shuffle workload takes %.2f s, %.2fx that bound" % (zpark, zpark / bound)
    return line + "."


def versions():
    found = {"python": platform.python_version(), "machine": "%s, %d cores" % (platform.machine(), os.cpu_count())}
    for name in ("zpark", "pyspark", "dask", "distributed", "cloudpickle", "pyzmq", "numpy"):
        try:
            from importlib.metadata import version
            found[name] = version(name)
        except Exception:  # noqa: BLE001
            found[name] = "not installed"
    return found


if __name__ == "__main__":
    main()
