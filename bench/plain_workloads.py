"""The same answers in the simplest fast single-process Python: the one-core bound."""
from collections import Counter, defaultdict
import glob
import os

import workloads as w


def startup(p, data):
    return len(list(range(1000)))


def tasks(p, data):
    return len([x + 1 for x in range(p["tasks"])])


def wordcount(p, data):
    counts = Counter()
    for path in sorted(glob.glob(os.path.join(data, "*.txt"))):
        with open(path) as f:
            for line in f:
                counts.update(line.split())
    return w.digest_counts(counts.items())


def shuffle(p, data):
    totals = defaultdict(int)
    for part in range(p["partitions"]):
        for k, v in w.pairs(part, p):
            totals[k] += v
    return w.digest_counts(totals.items())


def groupby(p, data):
    groups = defaultdict(list)
    for part in range(p["partitions"]):
        for k, v in w.pairs(part, p):
            groups[k].append(v)
    return w.digest_counts((k, len(v)) for k, v in groups.items())


def sort(p, data):
    records = [r for part in range(p["partitions"]) for r in w.float_keys(part, p)]
    records.sort(key=lambda kv: kv[0])
    ordered = all(a[0] <= b[0] for a, b in zip(records, records[1:]))
    return {"count": len(records), "sum": round(sum(k for k, _ in records), 3), "sorted": ordered}


def join(p, data):
    right = defaultdict(list)
    for part in range(p["partitions"]):
        for k, v in w.join_right(part, p):
            right[k].append(v)
    count = total = 0
    for part in range(p["partitions"]):
        for k, a in w.join_left(part, p):
            for b in right.get(k, ()):
                count += 1
                total += a + b
    return {"count": count, "sum": total}


def pagerank(p, data):
    links = defaultdict(list)
    for part in range(p["partitions"]):
        for src, dst in w.edges(part, p):
            links[src].append(dst)
    ranks = {node: 1.0 for node in links}
    for _ in range(p["iterations"]):
        contributions = defaultdict(float)
        for src, dsts in links.items():
            rank = ranks.get(src)
            if rank is None:
                continue
            share = rank / len(dsts)
            for dst in dsts:
                contributions[dst] += share
        ranks = {node: 0.15 + 0.85 * c for node, c in contributions.items()}
    top = sorted(ranks.items(), key=lambda kv: -kv[1])[:3]
    return {"nodes": len(ranks), "sum": round(sum(ranks.values()), 3), "top": [k for k, _ in top]}


def pickling_bound(p):
    """Seconds to pickle and unpickle the shuffle workload's records in batches, on one core.

    The shuffle cannot move records for less than this (it must serialize
    what it writes and deserialize what it reads); generating them is not timed.
    """
    import pickle
    import time
    elapsed = 0.0
    for part in range(p["partitions"]):
        records = w.pairs(part, p)
        started = time.perf_counter()
        blobs = [pickle.dumps(records[i:i + 4096], 5) for i in range(0, len(records), 4096)]
        for blob in blobs:
            pickle.loads(blob)
        elapsed += time.perf_counter() - started
    return elapsed
