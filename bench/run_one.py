"""Run one workload on one engine in this process; print {"seconds", "answer"} as JSON.

Called by bench/run.py in a fresh process per run, which samples the process
tree's memory. "seconds" excludes starting and stopping the engine, except for
the startup workload, which is nothing else.
"""
import json
import os
import sys
import time

import workloads as w


def main(engine, workload, scale, data):
    params = w.scaled(w.FULL, scale)[workload]
    if workload == "wordcount":
        w.write_words(data, params)
    started = time.perf_counter()
    if engine == "plain":
        import plain_workloads as impl
        start_run = time.perf_counter()
        answer = getattr(impl, workload)(params, data)
        seconds = time.perf_counter() - start_run
    elif engine in ("zpark", "zpark-noui", "zpark-cluster", "pyspark"):
        import rdd_workloads as impl
        sc = new_context(engine)
        start_run = time.perf_counter()
        answer = getattr(impl, workload)(sc, params, data)
        seconds = time.perf_counter() - start_run
        sc.stop()
    elif engine == "dask":
        import dask_workloads as impl
        if getattr(impl, workload, None) is None:
            print(json.dumps({"seconds": None, "answer": None, "note": "not expressible in dask.bag"}))
            return
        from distributed import Client, LocalCluster
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        start_run = time.perf_counter()
        answer = getattr(impl, workload)(client, params, data)
        seconds = time.perf_counter() - start_run
        client.close()
        cluster.close()
    else:
        raise SystemExit("unknown engine %r" % engine)
    if workload == "startup":
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "answer": answer}))


def new_context(engine):
    if engine == "zpark-cluster":  # the master and secret come from ZPARK_MASTER / ZPARK_SECRET_FILE
        import zpark
        return zpark.Context(app_name="bench", conf={"zpark.ui.showConsoleProgress": False,
                                                     "zpark.eventLog.enabled": False})
    if engine in ("zpark", "zpark-noui"):   # zpark runs with its live web UI, as by default; -noui without
        import zpark
        return zpark.Context("local[2]", app_name="bench", conf={"zpark.ui.showConsoleProgress": False,
                                                                  "zpark.eventLog.enabled": False,
                                                                  "zpark.ui.enabled": engine == "zpark"})
    # PySpark's workers run this interpreter (the bench venv, with numpy), not whatever python3 is first
    # on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark import SparkConf, SparkContext
    conf = SparkConf().setMaster("local[2]").setAppName("bench").set("spark.ui.enabled", "false") \
        .set("spark.ui.showConsoleProgress", "false").set("spark.driver.memory", "4g")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    return sc


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4])
