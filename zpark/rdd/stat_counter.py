"""Running count, mean and variance (Welford), mergeable across partitions: RDD.stats().

Values may be numbers or numpy arrays (element-wise statistics, as PySpark's).
"""
import math


def _is_array(x):
    return type(x).__module__ == "numpy"


def _elementwise(name, builtin):
    def op(*args):
        if any(_is_array(a) for a in args):
            import numpy      # only when the data are numpy values, so a driver without them never loads it
            return getattr(numpy, name)(*args)
        return builtin(*args)
    return op


_maximum = _elementwise("maximum", max)
_minimum = _elementwise("minimum", min)
_sqrt = _elementwise("sqrt", math.sqrt)


class StatCounter:
    def __init__(self, values=None):
        self.n = 0
        self.mu = 0.0
        self.m2 = 0.0
        self.maxValue = float("-inf")
        self.minValue = float("inf")
        for v in values or ():
            self.merge(v)

    def merge(self, value):
        delta = value - self.mu
        self.n += 1
        self.mu += delta / self.n
        self.m2 += delta * (value - self.mu)
        self.maxValue = _maximum(self.maxValue, value)
        self.minValue = _minimum(self.minValue, value)
        return self

    def mergeStats(self, other):
        if other.n == 0:
            return self
        if self.n == 0:
            self.n, self.mu, self.m2 = other.n, other.mu, other.m2
            self.maxValue, self.minValue = other.maxValue, other.minValue
            return self
        delta = other.mu - self.mu
        total = self.n + other.n
        if other.n * 10 < self.n:
            self.mu += delta * other.n / total
        elif self.n * 10 < other.n:
            self.mu = other.mu - delta * self.n / total
        else:
            self.mu = (self.mu * self.n + other.mu * other.n) / total
        self.m2 += other.m2 + delta * delta * self.n * other.n / total
        self.n = total
        self.maxValue = _maximum(self.maxValue, other.maxValue)
        self.minValue = _minimum(self.minValue, other.minValue)
        return self

    def copy(self):
        return StatCounter().mergeStats(self)

    def count(self):
        return int(self.n)

    def mean(self):
        return self.mu

    def sum(self):
        return self.n * self.mu

    def min(self):
        return self.minValue

    def max(self):
        return self.maxValue

    def variance(self):
        return float("nan") if self.n == 0 else self.m2 / self.n

    def sampleVariance(self):
        return float("nan") if self.n <= 1 else self.m2 / (self.n - 1)

    def stdev(self):
        return _sqrt(self.variance())

    def sampleStdev(self):
        return _sqrt(self.sampleVariance())

    def asDict(self, sample=False):
        """PySpark's quirk, kept: by default (``sample=False``) stdev and variance are the sample ones."""
        return {"count": self.count(), "mean": self.mean(), "sum": self.sum(), "min": self.min(),
                "max": self.max(), "stdev": self.stdev() if sample else self.sampleStdev(),
                "variance": self.variance() if sample else self.sampleVariance()}

    def __repr__(self):
        return "(count: %s, mean: %s, stdev: %s, max: %s, min: %s)" % (
            self.count(), self.mean(), self.stdev(), self.max(), self.min())
