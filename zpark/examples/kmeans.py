"""K-means clustering of points (one ``x y ...`` per line): ``zpark run-example kmeans [FILE] [K] [CONVERGE]``.

Without a file it clusters generated points around three centres. An
ordinary PySpark program using numpy for the vectors.
"""
import os
import random
import sys
import tempfile

import numpy as np
from pyspark.sql import SparkSession


def sample_points():
    rng = random.Random(3)
    fd, path = tempfile.mkstemp(prefix="zpark-kmeans-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        for cx, cy in ((0, 0), (10, 10), (-10, 10)):
            for _ in range(100):
                f.write("%.4f %.4f\n" % (rng.gauss(cx, 1), rng.gauss(cy, 1)))
    return path


def closest(point, centres):
    return int(np.argmin([np.sum((point - c) ** 2) for c in centres]))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else sample_points()
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    converge = float(sys.argv[3]) if len(sys.argv) > 3 else 0.01
    spark = SparkSession.builder.appName("kmeans").getOrCreate()
    lines = spark.read.text(path).rdd.map(lambda row: row[0]).filter(lambda line: line.strip())
    points = lines.map(lambda line: np.array([float(x) for x in line.split()])).cache()
    centres = points.takeSample(False, k, 1)
    moved = float("inf")
    while moved > converge:
        assigned = points.map(lambda p: (closest(p, centres), (p, 1)))
        sums = assigned.reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]))
        new = {i: total / count for i, (total, count) in sums.collect()}
        moved = sum(np.sum((centres[i] - c) ** 2) for i, c in new.items())
        for i, c in new.items():
            centres[i] = c
    print("Final centers: " + str(sorted([[round(float(v), 1) for v in c] for c in centres])))
    spark.stop()


if __name__ == "__main__":
    main()
