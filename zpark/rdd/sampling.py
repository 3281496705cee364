"""Per-partition samplers, drawing exactly as PySpark's do: the same seed gives the same sample.

Each partition seeds its generator with ``seed ^ partition`` and stirs it
(the seeds of neighbouring partitions are close), so a retried task draws
the same sample and a seeded program samples what it samples on PySpark.
"""
import collections
import itertools
import math
import operator
import random
import sys


def partition_random(seed, split):
    rng = random.Random(seed ^ split)
    for _ in range(10):            # stir: neighbouring partitions' seeds differ in a bit or two
        rng.randint(0, 1)
    return rng


def poisson(rng, mean):
    """A Poisson draw: Knuth's product of uniforms for small means, sums of exponentials for large."""
    k = 0
    if mean < 20.0:
        limit = math.exp(-mean)
        p = rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
    else:
        p = rng.expovariate(mean)
        while p < 1.0:
            k += 1
            p += rng.expovariate(mean)
    return k


class Sampler:
    """sample(): each element kept with probability ``fraction`` (or drawn a Poisson number of times)."""

    def __init__(self, with_replacement, fraction, seed):
        self.with_replacement = with_replacement
        self.fraction = fraction
        self.seed = seed

    def __call__(self, split, iterator):
        rng = partition_random(self.seed, split)
        if self.with_replacement:
            for item in iterator:
                for _ in range(poisson(rng, self.fraction)):
                    yield item
        else:
            for item in iterator:
                if rng.random() < self.fraction:
                    yield item


class SplitSampler:
    """Keeps items whose uniform draw falls in [lower, upper): randomSplit's disjoint slices."""

    def __init__(self, lower, upper, seed):
        self.lower, self.upper, self.seed = lower, upper, seed

    def __call__(self, split, iterator):
        rng = partition_random(self.seed, split)
        for item in iterator:
            if self.lower <= rng.random() < self.upper:
                yield item


class KeySampler:
    """sampleByKey: each (key, value) kept with its key's fraction (or drawn Poisson times)."""

    def __init__(self, with_replacement, fractions, seed):
        self.with_replacement = with_replacement
        self.fractions = dict(fractions)
        self.seed = seed

    def __call__(self, split, iterator):
        rng = partition_random(self.seed, split)
        fractions = self.fractions
        for item in iterator:
            fraction = fractions[item[0]]
            if self.with_replacement:
                for _ in range(poisson(rng, fraction)):
                    yield item
            elif rng.random() < fraction:
                yield item


def fraction_for_sample_size(sample_size, total, with_replacement):
    """Oversampling fraction that yields at least sample_size items with high probability."""
    fraction = float(sample_size) / total
    if with_replacement:
        num_std = 9 if sample_size < 12 else 5
        return fraction + num_std * math.sqrt(fraction / total)
    delta = 0.00005
    gamma = -math.log(delta) / total
    return min(1, fraction + gamma + math.sqrt(gamma * gamma + 2 * gamma * fraction))


class KeySketch:
    """sortByKey's one pass over its input: per partition, ``(record count, a uniform sample of its keys)``.

    Counting and then sampling by fraction would compute the input twice
    (three times with the sort itself); a reservoir of a fixed size with an
    exact count needs one pass, and the counts weight each partition's
    sample when the bounds are chosen (range_bounds). ``key`` gives a
    sampled record's key: the records are drawn first, so only the sample
    pays for it (sortBy's key function runs on the sample, not on every record).
    """

    def __init__(self, size, seed, key=operator.itemgetter(0)):
        self.size, self.seed, self.key = size, seed, key

    def __call__(self, split, iterator):
        sample, count = reservoir_sample_and_count(iterator, self.size, partition_random(self.seed, split))
        yield count, list(map(self.key, sample))


_TINY = 5e-324   # random() can return 0.0, whose log is undefined


def reservoir_sample_and_count(iterator, size, rng):
    """(up to ``size`` items drawn uniformly without replacement, the number of items), in one pass.

    Li's algorithm L: once the reservoir is full, the gap to the next
    replaced item is drawn directly, so the items in between cost one
    C-level step each (counted by zipping them with a counter), not a
    random draw per item.
    """
    it = iter(iterator)
    reservoir = list(itertools.islice(it, size))
    count = len(reservoir)
    if count < size:
        return reservoir, count
    if size == 0:
        return reservoir, sum(1 for _ in it)
    consume = collections.deque(maxlen=0).extend
    w = math.exp(math.log(rng.random() or _TINY) / size)
    while True:
        gap = min(int(math.log(rng.random() or _TINY) / math.log1p(-w)), sys.maxsize)
        counter = itertools.count()
        consume(zip(itertools.islice(it, gap), counter))
        skipped = next(counter)
        count += skipped
        item = next(it, _END) if skipped == gap else _END
        if item is _END:
            return reservoir, count
        count += 1
        reservoir[rng.randrange(size)] = item
        w *= math.exp(math.log(rng.random() or _TINY) / size)


_END = object()


def range_bounds(sketches, partitions, sort_key=None):
    """``partitions - 1`` ascending bounds that split the sketched keys into equal shares (none for no keys).

    ``sketches`` are KeySketch's (count, sample) per input partition; a
    sample key stands for count / len(sample) keys of its partition, so a
    large partition's keys are not under-represented. ``sort_key`` maps a
    key to what is compared (the bounds are such values).
    """
    weighted = sorted(((sort_key(key) if sort_key else key, count / len(sample))
                       for count, sample in sketches if sample for key in sample), key=operator.itemgetter(0))
    if not weighted:
        return []
    step = sum(weight for _, weight in weighted) / partitions
    bounds, target, seen = [], step, 0.0
    for value, weight in weighted:
        seen += weight
        while seen >= target and len(bounds) < partitions - 1:
            bounds.append(value)
            target += step
    while len(bounds) < partitions - 1:   # rounding left the last share short
        bounds.append(weighted[-1][0])
    return bounds

