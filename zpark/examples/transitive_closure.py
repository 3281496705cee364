"""Transitive closure of a random directed graph: ``zpark run-example transitive_closure [EDGES] [VERTICES]``.

Joins the known paths with the edges until no new path appears. An ordinary
PySpark program.
"""
import random
import sys

from pyspark.sql import SparkSession


def random_graph(edges, vertices, seed=42):
    rng = random.Random(seed)
    graph = set()
    while len(graph) < edges:
        a, b = rng.randrange(vertices), rng.randrange(vertices)
        if a != b:
            graph.add((a, b))
    return sorted(graph)


def main():
    edges = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    vertices = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    spark = SparkSession.builder.appName("transitive_closure").getOrCreate()
    sc = spark.sparkContext
    edges = sc.parallelize(random_graph(edges, vertices), 4).cache()    # (a, b), keyed by its start
    paths = edges
    count = paths.count()
    while True:
        # a path (a, b) and an edge (b, c) make the path (a, c): key the paths by their end
        longer = paths.map(lambda ab: (ab[1], ab[0])).join(edges).map(lambda item: item[1])
        paths = paths.union(longer).distinct().cache()
        new_count = paths.count()
        if new_count == count:
            break
        count = new_count
    print("TC has %i edges" % count)
    spark.stop()


if __name__ == "__main__":
    main()
