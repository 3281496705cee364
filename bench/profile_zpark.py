"""Profile zpark's executors on one workload: cProfile of every task, summed per stage kind.

    bench/.venv/bin/python bench/profile_zpark.py wordcount [--scale 0.25] [--top 25]

Runs the workload once on local[2] with ZPARK_PROFILE_DIR set, so each
executor writes one stats file per task, then prints the functions with the
most total time over all tasks (where an executor's CPU goes).
"""
import argparse
import glob
import os
import pstats
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run_one  # noqa: E402
import workloads as w  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload")
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args()
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "words")
    params = w.scaled(w.FULL, args.scale)[args.workload]
    if args.workload == "wordcount":
        w.write_words(data, params)
    with tempfile.TemporaryDirectory(prefix="zpark-profile-") as folder:
        os.environ["ZPARK_PROFILE_DIR"] = folder
        import rdd_workloads
        sc = run_one.new_context("zpark")
        started = time.perf_counter()
        getattr(rdd_workloads, args.workload)(sc, params, data)
        print("%s: %.2f s under the profiler" % (args.workload, time.perf_counter() - started))
        sc.stop()
        files = sorted(glob.glob(os.path.join(folder, "*.prof")))
        stats = pstats.Stats(*files)
        print("%d task profiles" % len(files))
        stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
