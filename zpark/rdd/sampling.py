"""Per-partition samplers, drawing exactly as PySpark's do: the same seed gives the same sample.

Each partition seeds its generator with ``seed ^ partition`` and stirs it
(the seeds of neighbouring partitions are close), so a retried task draws
the same sample and a seeded program samples what it samples on PySpark.
"""
import math
import random


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
