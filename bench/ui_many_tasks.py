"""The live UI under a job of many tasks: elapsed time and the driver's memory, UI on and off.

    PYTHONPATH=. .venv/bin/python bench/ui_many_tasks.py [TASKS]

Each setting runs in a fresh process: one job of TASKS empty tasks (default
100,000), then the driver's resident memory and the UI model's sizes.
"""
import json
import os
import subprocess
import sys
import time


def one(tasks, ui):
    import psutil
    import zpark
    conf = {"zpark.ui.showConsoleProgress": False, "zpark.eventLog.enabled": False, "zpark.ui.enabled": ui,
            "zpark.ui.port": 0}
    with zpark.Context("local[2]", conf=conf) as sc:
        before = psutil.Process().memory_info().rss
        started = time.perf_counter()
        assert sc.parallelize(range(tasks), tasks).count() == tasks
        elapsed = time.perf_counter() - started
        after = psutil.Process().memory_info().rss
        stage = next(iter(sc._model.stages.values()))
        return {"ui": ui, "seconds": round(elapsed, 2), "tasks_per_s": round(tasks / elapsed),
                "driver_rss_growth_mib": round((after - before) / 2 ** 20, 1),
                "task_rows_kept": len(stage.tasks), "duration_samples_kept": len(stage.metrics["duration"].values)}


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        print(json.dumps(one(int(sys.argv[2]), sys.argv[3] == "on")))
        return
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    for ui in ("on", "off"):
        out = subprocess.run([sys.executable, __file__, "--one", str(tasks), ui], capture_output=True, text=True,
                             env=dict(os.environ))
        print(out.stdout.strip() or out.stderr[-2000:])


if __name__ == "__main__":
    main()
