"""PageRank over a link file (``page neighbour`` per line): ``zpark run-example pagerank [FILE] [ITERATIONS]``.

Without a file it ranks a small generated web. An ordinary PySpark program;
for real work use a graph library - this shows the iterative join pattern.
"""
import os
import random
import re
import sys
import tempfile
from operator import add

from pyspark.sql import SparkSession


def sample_links():
    rng = random.Random(5)
    fd, path = tempfile.mkstemp(prefix="zpark-pagerank-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        for page in range(30):
            for target in rng.sample(range(30), rng.randint(1, 4)):
                f.write("p%d p%d\n" % (page, target))
    return path


def contributions(neighbours, rank):
    neighbours = list(neighbours)
    for neighbour in neighbours:
        yield neighbour, rank / len(neighbours)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else sample_links()
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    spark = SparkSession.builder.appName("pagerank").getOrCreate()
    lines = spark.read.text(path).rdd.map(lambda row: row[0]).filter(lambda line: line.strip())
    links = lines.map(lambda line: tuple(re.split(r"\s+", line.strip())[:2])).distinct().groupByKey().cache()
    ranks = links.map(lambda page_links: (page_links[0], 1.0))
    for _ in range(iterations):
        contribs = links.join(ranks).flatMap(lambda item: contributions(item[1][0], item[1][1]))
        ranks = contribs.reduceByKey(add).mapValues(lambda rank: rank * 0.85 + 0.15)
    for page, rank in sorted(ranks.collect(), key=lambda kv: (-kv[1], kv[0]))[:10]:
        print("%s has rank: %.6f." % (page, rank))
    spark.stop()


if __name__ == "__main__":
    main()
