"""The benchmark workloads' data: deterministic generators every engine calls, and the sizes.

Data is generated inside tasks (one generator call per partition) so no engine
pays for shipping it from the driver; wordcount reads files written once.
"""
import heapq
import os
import random
from operator import itemgetter

FULL = {
    "startup": {},
    "tasks": {"tasks": 2000},
    "wordcount": {"mib": 100, "files": 8},
    "shuffle": {"records": 5_000_000, "keys": 500_000, "partitions": 8},
    "groupby": {"records": 2_000_000, "keys": 200_000, "partitions": 8},
    "sort": {"records": 2_000_000, "partitions": 8},
    "join": {"left": 1_000_000, "right": 200_000, "partitions": 8},
    "pagerank": {"nodes": 100_000, "edges": 1_000_000, "iterations": 10, "partitions": 8},
}

# Everyday workloads: string keys, tuple and dict values, user lambdas, many partitions, many small jobs
# (bench/README.md, "Everyday workloads"). Sizes make plain Python take about 1-5 s at scale 1.
EVERYDAY = {
    "logs": {"records": 2_000_000, "urls": 20_000, "partitions": 8},
    "distinct": {"records": 3_000_000, "keys": 1_000_000, "partitions": 8},
    "groupdicts": {"records": 1_000_000, "keys": 100_000, "partitions": 8},
    "joinstrings": {"left": 2_000_000, "right": 400_000, "partitions": 8},
    "aggregate": {"records": 2_000_000, "keys": 100_000, "partitions": 8},
    "sortby": {"records": 1_000_000, "partitions": 8},
    "kmeans": {"records": 40_000, "dims": 8, "k": 8, "iterations": 10, "partitions": 8},
    "wide": {"records": 4_000_000, "keys": 100_000, "partitions": 200},
    "smalljobs": {"jobs": 200},
}
FULL.update(EVERYDAY)
SCALED_KEYS = ("records", "keys", "left", "right", "nodes", "edges", "mib", "urls")


def scaled(sizes, factor):
    out = {}
    for name, params in sizes.items():
        out[name] = {k: (max(1, int(v * factor)) if k in SCALED_KEYS else v) for k, v in params.items()}
    return out


def pairs(part, params):
    """(key, value) int pairs of one partition: shuffle and groupby."""
    n, parts, keys = params["records"], params["partitions"], params["keys"]
    start, end = n * part // parts, n * (part + 1) // parts
    return [((x * 7919) % keys, x % 13) for x in range(start, end)]


def wide_pairs(part, params):
    """Like pairs, but every value a distinct int (grouped values then weigh what they do in real data)."""
    n, parts, keys = params["records"], params["partitions"], params["keys"]
    start, end = n * part // parts, n * (part + 1) // parts
    return [((x * 7919) % keys, x + 1_000_000) for x in range(start, end)]


def float_keys(part, params):
    n, parts = params["records"], params["partitions"]
    rng = random.Random(part)
    count = n * (part + 1) // parts - n * part // parts
    return [(rng.random(), part) for _ in range(count)]


def join_left(part, params):
    n, parts, right = params["left"], params["partitions"], params["right"]
    start, end = n * part // parts, n * (part + 1) // parts
    return [((x * 7919) % right, x) for x in range(start, end)]


def join_right(part, params):
    n, parts = params["right"], params["partitions"]
    return [(k, 2 * k) for k in range(n * part // parts, n * (part + 1) // parts)]


def edges(part, params):
    """(src, dst) links of one partition; every node has at least one out-link."""
    nodes, count, parts = params["nodes"], params["edges"], params["partitions"]
    rng = random.Random(1000 + part)
    start, end = count * part // parts, count * (part + 1) // parts
    out = []
    for i in range(start, end):
        src = i % nodes
        dst = int(nodes * rng.random() ** 2)  # skewed popularity
        out.append((src, dst))
    return out


def write_words(directory, params):
    """~params['mib'] MiB of Zipf-distributed words in params['files'] files (written once)."""
    marker = os.path.join(directory, ".complete-%d" % params["mib"])
    if os.path.exists(marker):
        return directory
    os.makedirs(directory, exist_ok=True)
    for f in os.listdir(directory):
        os.unlink(os.path.join(directory, f))
    rng = random.Random(42)
    vocabulary = ["w%x" % i for i in range(50_000)]
    weights = [1.0 / (rank + 1) for rank in range(len(vocabulary))]
    per_file = params["mib"] * (1 << 20) // params["files"]
    for i in range(params["files"]):
        with open(os.path.join(directory, "part-%02d.txt" % i), "w") as out:
            written = 0
            while written < per_file:
                words = rng.choices(vocabulary, weights, k=12 * 1000)
                lines = [" ".join(words[j:j + 12]) for j in range(0, len(words), 12)]
                chunk = "\n".join(lines) + "\n"
                out.write(chunk)
                written += len(chunk)
    open(marker, "w").close()
    return directory


def digest_counts(items):
    """A compact answer of a (key, number) result all engines must agree on.

    Cheap next to the workloads (it is timed with every engine): the top
    three are picked among the items reaching the third largest count.
    """
    items = list(items)
    counts = list(map(itemgetter(1), items))
    largest = heapq.nlargest(3, counts)
    candidates = [kv for kv in items if kv[1] >= largest[-1]] if largest else []
    top = heapq.nsmallest(3, candidates, key=lambda kv: (-kv[1], str(kv[0])))
    return {"keys": len(items), "total": sum(counts), "top": [[str(k), v] for k, v in top]}


def _span(params, part, total_key="records"):
    n, parts = params[total_key], params["partitions"]
    return n * part // parts, n * (part + 1) // parts


_METHODS = ("GET", "GET", "GET", "POST", "PUT")
_STATUSES = (200, 200, 200, 200, 304, 404, 500)


def log_lines(part, params):
    """Access-log lines of one partition: ip, method, url, status, bytes (logs)."""
    start, end = _span(params, part)
    urls = params["urls"]
    return ['10.%d.%d.%d - - [02/Dec/2026:10:%02d:%02d] "%s /page/%d?ref=%d HTTP/1.1" %d %d'
            % (x % 251, x % 241, x % 239, x % 60, x % 59, _METHODS[x % 5], (x * 7919) % urls, x % 7,
               _STATUSES[x % 7], 200 + (x * 31) % 5000) for x in range(start, end)]


def parse_log(line):
    """(url, (1, bytes)) of an access-log line; the url without its query string."""
    fields = line.split()
    return fields[5].split("?", 1)[0], (1, int(fields[8]))


def words_of(part, params):
    """String records with repeats (distinct)."""
    start, end = _span(params, part)
    keys = params["keys"]
    return ["user-%07d@example.org" % ((x * 7919) % keys) for x in range(start, end)]


def dict_records(part, params):
    """(string key, dict value) records (groupdicts)."""
    start, end = _span(params, part)
    keys = params["keys"]
    return [("sku-%06d" % ((x * 7919) % keys), {"qty": x % 7 + 1, "price": (x % 1000) / 10.0, "store": x % 50})
            for x in range(start, end)]


def order_total(items):
    """What one key's grouped dicts add up to (groupdicts' per-key work)."""
    return round(sum(d["qty"] * d["price"] for d in items), 2)


def string_left(part, params):
    start, end = _span(params, part, "left")
    right = params["right"]
    return [("cust-%06d" % ((x * 7919) % right), x) for x in range(start, end)]


def string_right(part, params):
    start, end = _span(params, part, "right")
    return [("cust-%06d" % k, "name-%d" % k) for k in range(start, end)]


def tuple_records(part, params):
    """(string key, float) records (aggregate)."""
    start, end = _span(params, part)
    keys = params["keys"]
    return [("k%05d" % ((x * 7919) % keys), ((x * 37) % 1000) / 7.0) for x in range(start, end)]


def seq_op(acc, value):
    """aggregateByKey's tuple accumulator: (count, total, max)."""
    return acc[0] + 1, acc[1] + value, acc[2] if acc[2] >= value else value


def comb_op(a, b):
    return a[0] + b[0], a[1] + b[1], a[2] if a[2] >= b[2] else b[2]


def people(part, params):
    """(name, age, score) tuples (sortby)."""
    start, end = _span(params, part)
    return [("person-%d" % ((x * 7919) % 1_000_003), (x * 13) % 90, ((x * 7) % 1000) / 10.0)
            for x in range(start, end)]


def sort_key(person):
    return -person[1], person[2], person[0]


def points(part, params):
    """numpy vectors around k centres (kmeans)."""
    import numpy as np
    start, end = _span(params, part)
    rng = np.random.default_rng(part)
    dims, k = params["dims"], params["k"]
    centres = np.arange(k * dims, dtype=float).reshape(k, dims) * 3.0
    labels = np.arange(start, end) % k
    data = centres[labels] + rng.normal(0, 1.0, (end - start, dims))
    return list(data)


def initial_centres(params):
    import numpy as np
    dims, k = params["dims"], params["k"]
    return np.arange(k * dims, dtype=float).reshape(k, dims) * 3.0 + 0.5


def closest(point, centres):
    import numpy as np
    return int(np.argmin(((centres - point) ** 2).sum(axis=1)))


def wide_pairs_str(part, params):
    """(string key, int) records of a 200-partition shuffle (wide)."""
    start, end = _span(params, part)
    keys = params["keys"]
    return [("key-%d" % ((x * 7919) % keys), x % 13) for x in range(start, end)]


def round_centres(centres):
    return [[round(float(v), 3) for v in row] for row in centres]


def rounded_total(digest):
    """A digest whose float total is rounded (engines add the same floats in different orders)."""
    return dict(digest, total=round(digest["total"], 1))
