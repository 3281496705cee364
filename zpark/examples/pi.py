"""Estimate pi by throwing darts at a square: ``zpark run-example pi [PARTITIONS]``.

An ordinary PySpark program: zpark serves its ``import pyspark``.
"""
import sys
from operator import add
from random import random

from pyspark.sql import SparkSession


def main():
    spark = SparkSession.builder.appName("pi").getOrCreate()
    partitions = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    darts = 100000 * partitions

    def lands_inside(_):
        x, y = random() * 2 - 1, random() * 2 - 1
        return 1 if x * x + y * y <= 1 else 0

    inside = spark.sparkContext.parallelize(range(darts), partitions).map(lands_inside).reduce(add)
    print("Pi is roughly %f" % (4.0 * inside / darts))
    spark.stop()


if __name__ == "__main__":
    main()
