"""Instructions a small job costs each zpark process, counted by callgrind: a figure that does not drift.

    bench/.venv/bin/python bench/job_instructions.py [--jobs 100,300]

Seconds per small job move with this VM's load and neighbours (bench/README.md);
instructions do not. The loop of small jobs (the smalljobs workload) runs
twice under ``valgrind --tool=callgrind --trace-children=yes`` - the driver and
its executor subprocesses - with two job counts; the difference over the
difference in jobs is what one more job costs, per process and per thread,
without start-up and shutdown. Takes a few minutes (callgrind runs code
about 50 times slower - so work done on a timer, such as heartbeats and
the memory watchdog, is counted about 50 times too often per job).
"""
import argparse
import collections
import glob
import os
import re
import subprocess
import sys
import tempfile

LOOP = """
import sys, zpark
sc = zpark.Context("local[2]", app_name="job-instructions", conf={"zpark.ui.showConsoleProgress": False,
                                                                   "zpark.eventLog.enabled": False})
small = sc.parallelize(range(100), 2)
for i in range(int(sys.argv[1])):
    small.map(lambda x, i=i: x + i).sum()
sc.stop()
"""


def counted(jobs, folder):
    """{(process role, thread): instructions} of one run of ``jobs`` small jobs."""
    out = os.path.join(folder, "run-%d" % jobs)
    os.makedirs(out)
    script = os.path.join(folder, "loop.py")
    with open(script, "w") as f:
        f.write(LOOP)
    subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes", "--separate-threads=yes",
                    "--callgrind-out-file=%s/cg.%%p" % out, sys.executable, script, str(jobs)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    totals, roles = collections.Counter(), {}
    for path in glob.glob(os.path.join(out, "cg.*")):
        pid, thread = re.search(r"cg\.(\d+)(?:-(\d+))?$", path).groups()
        with open(path) as f:
            for line in f:
                if line.startswith("cmd:"):
                    roles[pid] = "executor" if "zpark.executor" in line else "driver" if script in line else "other"
                elif line.startswith(("summary:", "totals:")):
                    totals[(pid, int(thread or 0))] += int(line.split()[1])
                    break
    by_role = collections.Counter()
    executors = sorted(p for p, r in roles.items() if r == "executor")
    for (pid, thread), count in totals.items():
        role = roles.get(pid, "other")
        if role == "executor":
            role = "executor %d" % (executors.index(pid) + 1)
        if role != "other":
            by_role[(role, thread)] += count
    return by_role


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", default="100,300", help="two job counts")
    args = parser.parse_args()
    few, many = (int(n) for n in args.jobs.split(","))
    with tempfile.TemporaryDirectory(prefix="zpark-job-instructions-") as folder:
        low, high = counted(few, folder), counted(many, folder)
    per_job = {key: (high[key] - low.get(key, 0)) / (many - few) for key in high}
    total = 0
    for (role, thread), count in sorted(per_job.items()):
        if abs(count) >= 1000:
            print("%-12s thread %2d: %7.0f K instructions a job" % (role, thread, count / 1000))
        total += count
    print("all processes: %.0f K instructions a job" % (total / 1000))


if __name__ == "__main__":
    main()
