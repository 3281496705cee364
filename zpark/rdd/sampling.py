"""Per-partition samplers; seeded by partition so a retried task draws the same sample."""
import math
import random


class Sampler:
    def __init__(self, with_replacement, fraction, seed):
        self.with_replacement = with_replacement
        self.fraction = fraction
        self.seed = seed

    def __call__(self, split, iterator):
        rng = random.Random(self.seed ^ (split * 0x9E3779B1))
        if self.with_replacement:
            for item in iterator:
                for _ in range(_poisson(rng, self.fraction)):
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
        rng = random.Random(self.seed ^ (split * 0x9E3779B1))
        for item in iterator:
            if self.lower <= rng.random() < self.upper:
                yield item


def _poisson(rng, mean):
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def fraction_for_sample_size(sample_size, total, with_replacement):
    """Oversampling fraction that yields at least sample_size items with high probability."""
    fraction = float(sample_size) / total
    if with_replacement:
        num_std = 9 if sample_size < 12 else 5
        return fraction + num_std * math.sqrt(fraction / total)
    delta = 0.00005
    gamma = -math.log(delta) / total
    return min(1, fraction + gamma + math.sqrt(gamma * gamma + 2 * gamma * fraction))


class KeySampler:
    """sampleByKey: each (key, value) kept with its key's fraction (or drawn Poisson times)."""

    def __init__(self, with_replacement, fractions, seed):
        self.with_replacement = with_replacement
        self.fractions = dict(fractions)
        self.seed = seed

    def __call__(self, split, iterator):
        rng = random.Random(self.seed ^ (split * 0x9E3779B1))
        fractions = self.fractions
        for item in iterator:
            fraction = fractions[item[0]]
            if self.with_replacement:
                for _ in range(_poisson(rng, fraction)):
                    yield item
            elif rng.random() < fraction:
                yield item
