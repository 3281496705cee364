"""The workloads on dask.bag (a distributed.LocalCluster of 2 single-threaded worker processes)."""
import glob
import os
from operator import add

import dask.bag as db

import workloads as w


def _generated(p, generator):
    parts = p["partitions"]
    return db.from_sequence(range(parts), npartitions=parts).map(lambda i: generator(i, p)).flatten()


def startup(client, p, data):
    return db.from_sequence(range(1000), npartitions=2).count().compute()


def tasks(client, p, data):
    return db.from_sequence(range(p["tasks"]), npartitions=p["tasks"]).map(lambda x: x + 1).count().compute()


def wordcount(client, p, data):
    files = sorted(glob.glob(os.path.join(data, "*.txt")))
    words = db.read_text(files, blocksize=data_blocksize(files)).map(str.split).flatten()
    counts = words.foldby(lambda word: word, lambda total, _: total + 1, 0, add, 0)
    return w.digest_counts(counts.compute())


def data_blocksize(files):
    return max(1 << 20, sum(os.path.getsize(f) for f in files) // 8)


def shuffle(client, p, data):
    pairs = _generated(p, w.pairs)
    totals = pairs.foldby(lambda kv: kv[0], lambda total, kv: total + kv[1], 0, add, 0)
    return w.digest_counts(totals.compute())


def groupby(client, p, data):
    groups = _generated(p, w.pairs).groupby(lambda kv: kv[0], shuffle="tasks")
    return w.digest_counts(groups.map(lambda kv: (kv[0], len(kv[1]))).compute())


def sort(client, p, data):
    """dask.bag has no sort: range-partition by key with a shuffle, then sort each range."""
    buckets = p["partitions"]
    ranged = _generated(p, w.float_keys).groupby(lambda kv: int(kv[0] * buckets), shuffle="tasks",
                                                 npartitions=buckets)
    summaries = ranged.map(lambda kv: (kv[0], sorted(r[0] for r in kv[1]))).map(
        lambda b: (b[0], b[1][0], b[1][-1], len(b[1]), sum(b[1]))).compute()
    summaries.sort()
    ordered = all(a[2] <= b[1] for a, b in zip(summaries, summaries[1:]))
    return {"count": sum(s[3] for s in summaries), "sum": round(sum(s[4] for s in summaries), 3),
            "sorted": ordered}


def join(client, p, data):
    """dask.bag joins a bag with an in-memory collection: the 200,000-record side is materialised."""
    right = [r for part in range(p["partitions"]) for r in w.join_right(part, p)]
    joined = _generated(p, w.join_left).join(right, on_self=lambda kv: kv[0], on_other=lambda kv: kv[0])
    totals = joined.map(lambda pair: (1, pair[0][1] + pair[1][1])).fold(
        lambda a, b: (a[0] + b[0], a[1] + b[1]), initial=(0, 0)).compute()
    return {"count": totals[0], "sum": totals[1]}


pagerank = None  # dask.bag has no join of two large bags; PageRank is not expressible without delayed
