"""Combining values by key, shared by the map-side combine and the reduce side."""


def combine_values(records, aggregator):
    """(k, v) records -> {k: combiner} with createCombiner/mergeValue."""
    create, merge = aggregator.createCombiner, aggregator.mergeValue
    combiners = {}
    get = combiners.get
    missing = _MISSING
    for key, value in records:
        current = get(key, missing)
        combiners[key] = create(value) if current is missing else merge(current, value)
    return combiners


def merge_combiners(records, aggregator):
    """(k, combiner) records -> {k: combiner} with mergeCombiners."""
    merge = aggregator.mergeCombiners
    combiners = {}
    get = combiners.get
    missing = _MISSING
    for key, combiner in records:
        current = get(key, missing)
        combiners[key] = combiner if current is missing else merge(current, combiner)
    return combiners


class _Missing:
    __slots__ = ()


_MISSING = _Missing()
