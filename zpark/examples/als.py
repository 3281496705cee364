"""Alternating least squares on a random low-rank matrix: ``zpark run-example als [M] [U] [F] [ITERATIONS]``.

Each iteration solves every movie's factors with the users' fixed (a
broadcast), then every user's with the movies'. An ordinary PySpark program
using numpy; it prints the RMSE after each iteration.
"""
import sys

import numpy as np
from pyspark.sql import SparkSession

LAMBDA = 0.01
np.random.seed(42)


def rmse(ratings, movies, users):
    diff = ratings - movies * users.T
    return np.sqrt(np.sum(np.power(diff, 2)) / (diff.shape[0] * diff.shape[1]))


def solve(i, fixed, ratings):
    f = fixed.shape[1]
    xtx = fixed.T * fixed + LAMBDA * fixed.shape[0] * np.eye(f)
    xty = fixed.T * ratings[i, :].T
    return np.linalg.solve(xtx, xty)


def main():
    m = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    u = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    f = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    iterations = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    spark = SparkSession.builder.appName("als").getOrCreate()
    sc = spark.sparkContext
    ratings = np.matrix(np.random.rand(m, f)) * np.matrix(np.random.rand(u, f).T)
    movies = np.matrix(np.random.rand(m, f))
    users = np.matrix(np.random.rand(u, f))
    r_b = sc.broadcast(ratings)
    for i in range(iterations):
        u_b = sc.broadcast(users)
        solved = sc.parallelize(range(m), 4).map(lambda x: solve(x, u_b.value, r_b.value)).collect()
        movies = np.matrix(np.array(solved)[:, :, 0])
        m_b = sc.broadcast(movies)
        solved = sc.parallelize(range(u), 4).map(lambda x: solve(x, m_b.value, r_b.value.T)).collect()
        users = np.matrix(np.array(solved)[:, :, 0])
        print("Iteration %d: RMSE %.4f" % (i, rmse(ratings, movies, users)))
    spark.stop()


if __name__ == "__main__":
    main()
