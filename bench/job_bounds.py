"""How fast a small job could get if the driver's events or its stage pickles cost nothing.

    bench/.venv/bin/python bench/job_bounds.py [--jobs 2000] [--rounds 3]

The smalljobs job (``small.map(lambda x, i=i: x + i).sum()`` over two
partitions, ``local[2]``, the web UI and event log on as by default) in four
variants, each in a fresh interpreter, taking turns round by round:

- ``as is``;
- ``no events``: the scheduler logs nothing (no event log line, no
  application-model update, no progress), an upper bound for any cheaper
  event path;
- ``stage pickled once``: every job's stage binary is the first job's bytes
  (the executors still unpickle one per job), an upper bound for any cheaper
  stage pickle;
- ``both``.

Not answers anyone may use: with its events gone the UI shows nothing, and
with the first binary reused every job computes the first job's closure.
bench/README.md ("Everyday workloads, session 23") has the figures and
bench/job_floor.py the job with no bookkeeping at all.
"""
import argparse
import subprocess
import sys
import time

VARIANTS = {"as is": (False, False), "no events": (True, False), "stage pickled once": (False, True),
            "both": (True, True)}


def loop(jobs, no_events, pickle_once):
    """Milliseconds a job in this process, after 50 jobs of warm-up."""
    import zpark
    from zpark.driver import backend
    from zpark.scheduler.dag_scheduler import DAGScheduler
    if no_events:
        DAGScheduler._log = lambda self, kind, **fields: None
    if pickle_once:
        serialize, first = backend.serialize_stage, []

        def serialize_once(stage):
            if not first:
                first.append(serialize(stage))
            return first[0]
        backend.serialize_stage = serialize_once
    sc = zpark.Context("local[2]", app_name="job-bounds", conf={"zpark.ui.showConsoleProgress": False})
    small = sc.parallelize(range(100), 2)
    for count in (50, jobs):
        started = time.perf_counter()
        for i in range(count):
            small.map(lambda x, i=i: x + i).sum()
        seconds = time.perf_counter() - started
    sc.stop()
    return seconds / jobs * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variant", choices=sorted(VARIANTS), help=argparse.SUPPRESS)   # one run, in a child
    args = parser.parse_args()
    if args.variant:
        print("%.3f" % loop(args.jobs, *VARIANTS[args.variant]))
        return
    for _ in range(args.rounds):
        for name in VARIANTS:
            out = subprocess.run([sys.executable, __file__, "--jobs", str(args.jobs), "--variant", name],
                                 capture_output=True, text=True, check=True)
            print("%-20s %s ms a job" % (name, out.stdout.strip()))


if __name__ == "__main__":
    main()
