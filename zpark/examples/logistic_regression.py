"""Logistic regression by gradient descent (``label f1 f2 ...`` per line, labels -1/1):
``zpark run-example logistic_regression [FILE] [ITERATIONS]``.

Without a file it learns a generated, linearly separable set. An ordinary
PySpark program; the gradient of each partition is summed with reduce.
"""
import os
import random
import sys
import tempfile

import numpy as np
from pyspark.sql import SparkSession

FEATURES = 3


def sample_points():
    rng = random.Random(9)
    fd, path = tempfile.mkstemp(prefix="zpark-lr-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        for _ in range(400):
            x = [rng.gauss(0, 1) for _ in range(FEATURES)]
            label = 1 if x[0] + 2 * x[1] - x[2] > 0 else -1
            f.write("%d %s\n" % (label, " ".join("%.5f" % v for v in x)))
    return path


def parse_partition(lines):
    rows = [[float(v) for v in line.split()] for line in lines if line.strip()]
    return [np.array(rows)] if rows else []


def gradient(matrix, w):
    y, x = matrix[:, 0], matrix[:, 1:]
    return ((1.0 / (1.0 + np.exp(-y * x.dot(w))) - 1.0) * y * x.T).sum(1)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else sample_points()
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    spark = SparkSession.builder.appName("logistic_regression").getOrCreate()
    points = spark.read.text(path).rdd.map(lambda row: row[0]).mapPartitions(parse_partition).cache()
    w = np.zeros(FEATURES)
    for _ in range(iterations):
        w -= points.map(lambda m: gradient(m, w)).reduce(lambda a, b: a + b)
    matrix = np.vstack(points.collect())
    accuracy = float(np.mean(np.sign(matrix[:, 1:].dot(w)) == matrix[:, 0]))
    print("Final w: " + str(w))
    print("Training accuracy: %.3f" % accuracy)
    spark.stop()


if __name__ == "__main__":
    main()
