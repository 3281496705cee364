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


def scaled(sizes, factor):
    out = {}
    for name, params in sizes.items():
        out[name] = {k: (max(1, int(v * factor)) if k in ("records", "keys", "left", "right", "nodes",
                                                            "edges", "mib") else v)
                     for k, v in params.items()}
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