"""Numeric actions beyond stats(): histograms, with PySpark's bucket edges and semantics."""
import bisect
import math


def _is_missing(x):
    return x is None or (isinstance(x, float) and math.isnan(x))


def _counter(edges):
    """Counts per bucket of one partition: each bucket holds its lower edge, the last also its upper."""
    last = len(edges) - 2
    low, high = edges[0], edges[-1]

    def count(iterator):
        counts = [0] * (last + 1)
        for x in iterator:
            if _is_missing(x) or x < low or x > high:
                continue
            counts[min(bisect.bisect_right(edges, x) - 1, last)] += 1
        return [counts]
    return count


class NumericActions:
    """Mixed into RDD."""

    def histogram(self, buckets):
        """``buckets``: how many even buckets between the minimum and the maximum, or the sorted
        edges themselves (any sortable values). Returns (edges, counts)."""
        if isinstance(buckets, int) and not isinstance(buckets, bool):
            if buckets < 1:
                raise ValueError("number of buckets must be >= 1")
            present = self.filter(lambda x: not _is_missing(x))
            if present.isEmpty():
                raise ValueError("can not generate buckets from empty RDD")
            low, high = present.map(lambda x: (x, x)).reduce(lambda a, b: (min(a[0], b[0]), max(a[1], b[1])))
            if any(math.isinf(v) for v in (low, high)):
                raise ValueError("Can not generate buckets with infinite value")
            if low == high:
                edges = [low, high]
            else:
                step = (high - low) / buckets
                edges = [low + i * step for i in range(buckets)] + [high]
                if all(float(e).is_integer() for e in edges) and isinstance(low, int):
                    edges = [int(e) for e in edges]
            result_edges = edges
        elif isinstance(buckets, (list, tuple)):
            if len(buckets) < 2:
                raise ValueError("buckets should have more than one value")
            if any(_is_missing(b) for b in buckets):
                raise ValueError("can not have None or NaN in buckets")
            if list(buckets) != sorted(buckets):
                raise ValueError("buckets should be sorted")
            if len(set(buckets)) != len(buckets):
                raise ValueError("buckets should not contain duplicated values")
            edges, result_edges = list(buckets), buckets
        else:
            raise TypeError("buckets should be a list or tuple or number(int or long)")
        totals = self.mapPartitions(_counter(edges)).reduce(lambda a, b: [x + y for x, y in zip(a, b)])
        return result_edges, totals
