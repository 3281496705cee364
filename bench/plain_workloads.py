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


def _joined(p, left_of, right_of):
    """(left value, right value) of every match of a hash join, the right side held in a dict."""
    right = defaultdict(list)
    for part in range(p["partitions"]):
        for k, v in right_of(part, p):
            right[k].append(v)
    for part in range(p["partitions"]):
        for k, a in left_of(part, p):
            for b in right.get(k, ()):
                yield a, b


def join(p, data):
    count = total = 0
    for a, b in _joined(p, w.join_left, w.join_right):
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


# ------------------------------------------------------------ everyday workloads

def logs(p, data):
    totals = {}
    for part in range(p["partitions"]):
        for line in w.log_lines(part, p):
            url, (hits, size) = w.parse_log(line)
            seen = totals.get(url)
            totals[url] = (hits, size) if seen is None else (seen[0] + hits, seen[1] + size)
    return w.digest_counts((url, hits_bytes[1]) for url, hits_bytes in totals.items())


def distinct(p, data):
    unique = set()
    for part in range(p["partitions"]):
        unique.update(w.words_of(part, p))
    return {"count": len(unique), "longest": max(map(len, unique))}


def groupdicts(p, data):
    groups = defaultdict(list)
    for part in range(p["partitions"]):
        for key, value in w.dict_records(part, p):
            groups[key].append(value)
    return w.rounded_total(w.digest_counts((k, w.order_total(v)) for k, v in groups.items()))


def joinstrings(p, data):
    count = total = 0
    for a, _ in _joined(p, w.string_left, w.string_right):
        count += 1
        total += a
    return {"count": count, "sum": total}


def aggregate(p, data):
    stats = {}
    for part in range(p["partitions"]):
        for k, v in w.tuple_records(part, p):
            stats[k] = w.seq_op(stats.get(k, (0, 0.0, float("-inf"))), v)
    rows = list(stats.values())
    return {"keys": len(rows), "count": sum(r[0] for r in rows), "total": round(sum(r[1] for r in rows), 2),
            "max": max(r[2] for r in rows)}


def sortby(p, data):
    records = [r for part in range(p["partitions"]) for r in w.people(part, p)]
    records.sort(key=w.sort_key)
    return {"count": len(records), "first": [list(t) for t in records[:3]]}


def kmeans(p, data):
    import numpy as np
    points = [v for part in range(p["partitions"]) for v in w.points(part, p)]
    centres = w.initial_centres(p)
    for _ in range(p["iterations"]):
        sums = {}
        for v in points:
            i = w.closest(v, centres)
            seen = sums.get(i)
            sums[i] = (v, 1) if seen is None else (seen[0] + v, seen[1] + 1)
        centres = np.array([sums[i][0] / sums[i][1] if i in sums else centres[i] for i in range(len(centres))])
    return {"centres": w.round_centres(centres)}


def wide(p, data):
    totals = defaultdict(int)
    for part in range(p["partitions"]):
        for k, v in w.wide_pairs_str(part, p):
            totals[k] += v
    return w.digest_counts(totals.items())


def smalljobs(p, data):
    return {"total": sum(sum(x + i for x in range(100)) for i in range(p["jobs"]))}
