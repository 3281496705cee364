"""Sort the integers of a text file, one per line: ``zpark run-example sort [FILE]``.

Without a file it sorts a generated one. An ordinary PySpark program.
"""
import os
import random
import sys
import tempfile

from pyspark.sql import SparkSession


def sample_file():
    rng = random.Random(11)
    fd, path = tempfile.mkstemp(prefix="zpark-sort-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(str(rng.randint(-1000, 1000)) for _ in range(200)) + "\n")
    return path


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else sample_file()
    spark = SparkSession.builder.appName("sort").getOrCreate()
    lines = spark.read.text(path).rdd.map(lambda row: row[0])
    ordered = lines.filter(lambda line: line.strip()).map(lambda line: (int(line), 1)).sortByKey()
    for number, _ in ordered.collect():
        print(number)
    spark.stop()


if __name__ == "__main__":
    main()
