"""The workloads on the RDD API: the very same code runs on zpark and on PySpark."""
from operator import add

import workloads as w


def startup(sc, p, data):
    return sc.parallelize(range(1000), 2).count()


def tasks(sc, p, data):
    return sc.parallelize(range(p["tasks"]), p["tasks"]).map(lambda x: x + 1).count()


def wordcount(sc, p, data):
    counts = sc.textFile(data, minPartitions=8).flatMap(str.split).map(lambda word: (word, 1)).reduceByKey(add)
    return w.digest_counts(counts.collect())


def _generated(sc, p, generator):
    parts = p["partitions"]
    return sc.parallelize(range(parts), parts).flatMap(lambda i: generator(i, p))


def shuffle(sc, p, data):
    return w.digest_counts(_generated(sc, p, w.pairs).reduceByKey(add).collect())


def groupby(sc, p, data):
    return w.digest_counts(_generated(sc, p, w.pairs).groupByKey().mapValues(len).collect())


def _summary(iterator):
    first = last = None
    count, total, ordered = 0, 0.0, True
    for key, _ in iterator:
        if last is not None and key < last:
            ordered = False
        if first is None:
            first = key
        last = key
        count += 1
        total += key
    return [(first, last, count, total, ordered)]


def sort(sc, p, data):
    parts = [s for s in _generated(sc, p, w.float_keys).sortByKey().mapPartitions(_summary).collect() if s[2]]
    ordered = all(s[4] for s in parts) and all(a[1] <= b[0] for a, b in zip(parts, parts[1:]))
    return {"count": sum(s[2] for s in parts), "sum": round(sum(s[3] for s in parts), 3), "sorted": ordered}


def join(sc, p, data):
    left = _generated(sc, p, w.join_left)
    parts = p["partitions"]
    right = sc.parallelize(range(parts), parts).flatMap(lambda i: w.join_right(i, p))
    sums = left.join(right).mapPartitions(_count_and_sum).collect()
    return {"count": sum(s[0] for s in sums), "sum": sum(s[1] for s in sums)}


def _count_and_sum(iterator):
    count = total = 0
    for _, (a, b) in iterator:
        count += 1
        total += a + b
    return [(count, total)]


def pagerank(sc, p, data):
    links = _generated(sc, p, w.edges).groupByKey().cache()
    ranks = links.mapValues(lambda _: 1.0)
    for _ in range(p["iterations"]):
        contributions = links.join(ranks).flatMap(
            lambda kv: [(dst, kv[1][1] / len(kv[1][0])) for dst in kv[1][0]])
        ranks = contributions.reduceByKey(add).mapValues(lambda r: 0.15 + 0.85 * r)
    final = ranks.collect()
    top = sorted(final, key=lambda kv: -kv[1])[:3]
    return {"nodes": len(final), "sum": round(sum(r for _, r in final), 3), "top": [k for k, _ in top]}


def sort_bounded(sc, p, data):
    """sort with few, large reduce partitions: each is several times the executors' memory budget."""
    parts = [s for s in _generated(sc, p, w.float_keys).sortByKey(numPartitions=p["reducers"])
             .mapPartitions(_summary).collect() if s[2]]
    ordered = all(s[4] for s in parts) and all(a[1] <= b[0] for a, b in zip(parts, parts[1:]))
    return {"count": sum(s[2] for s in parts), "sum": round(sum(s[3] for s in parts), 3), "sorted": ordered}


def groupby_bounded(sc, p, data):
    sizes = _generated(sc, p, w.wide_pairs).groupByKey(p["reducers"]).mapValues(len).values()
    return {"keys": sizes.count(), "values": sizes.sum(), "smallest": sizes.min(), "largest": sizes.max()}


def reduce_bounded(sc, p, data):
    """reduceByKey with more distinct keys per reduce partition than an executor's memory budget holds."""
    sums = _generated(sc, p, w.wide_pairs).reduceByKey(add, p["reducers"]).values()
    parts = sums.mapPartitions(lambda it: [_count_and_total(it)]).collect()
    return {"keys": sum(c for c, _ in parts), "total": sum(t for _, t in parts)}


def _count_and_total(iterator):
    count = total = 0
    for value in iterator:
        count += 1
        total += value
    return count, total


def join_bounded(sc, p, data):
    """A join whose reduce partitions hold several times an executor's memory budget (wide_pairs x one record per key)."""
    parts = p["partitions"]
    left = _generated(sc, p, w.wide_pairs)
    right = sc.parallelize(range(parts), parts).flatMap(
        lambda i: [(k, -k) for k in range(p["keys"] * i // parts, p["keys"] * (i + 1) // parts)])
    sums = left.join(right, p["reducers"]).mapPartitions(_count_and_sum).collect()
    return {"count": sum(s[0] for s in sums), "sum": sum(s[1] for s in sums)}


# ------------------------------------------------------------ everyday workloads (the same code on PySpark)

def logs(sc, p, data):
    lines = _generated(sc, p, w.log_lines)
    totals = lines.map(w.parse_log).reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]))
    return w.digest_counts((url, hits_bytes[1]) for url, hits_bytes in totals.collect())


def distinct(sc, p, data):
    unique = _generated(sc, p, w.words_of).distinct()
    return {"count": unique.count(), "longest": unique.map(len).max()}


def groupdicts(sc, p, data):
    grouped = _generated(sc, p, w.dict_records).groupByKey().mapValues(w.order_total)
    return w.rounded_total(w.digest_counts(grouped.collect()))


def joinstrings(sc, p, data):
    parts = p["partitions"]
    left = _generated(sc, p, w.string_left)
    right = sc.parallelize(range(parts), parts).flatMap(lambda i: w.string_right(i, p))
    joined = left.join(right).map(lambda kv: (kv[1][1], kv[1][0]))
    return {"count": joined.count(), "sum": joined.values().sum()}


def aggregate(sc, p, data):
    stats = _generated(sc, p, w.tuple_records).aggregateByKey((0, 0.0, float("-inf")), w.seq_op, w.comb_op)
    rows = stats.collect()
    return {"keys": len(rows), "count": sum(r[1][0] for r in rows), "total": round(sum(r[1][1] for r in rows), 2),
            "max": max(r[1][2] for r in rows)}


def sortby(sc, p, data):
    ordered = _generated(sc, p, w.people).sortBy(w.sort_key)
    first = ordered.take(3)
    return {"count": ordered.count(), "first": [list(t) for t in first]}


def kmeans(sc, p, data):
    import numpy as np
    points = _generated(sc, p, w.points).cache()
    centres = w.initial_centres(p)
    for _ in range(p["iterations"]):
        current = sc.broadcast(centres)
        sums = points.map(lambda v: (w.closest(v, current.value), (v, 1))) \
            .reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1])).collectAsMap()
        centres = np.array([sums[i][0] / sums[i][1] if i in sums else centres[i] for i in range(len(centres))])
    return {"centres": w.round_centres(centres)}


def wide(sc, p, data):
    parts = p["partitions"]
    records = sc.parallelize(range(parts), parts).flatMap(lambda i: w.wide_pairs_str(i, p))
    return w.digest_counts(records.reduceByKey(lambda a, b: a + b, parts).collect())


def smalljobs(sc, p, data):
    total = 0
    small = sc.parallelize(range(100), 2)
    for i in range(p["jobs"]):
        total += small.map(lambda x, i=i: x + i).sum()
    return {"total": total}
