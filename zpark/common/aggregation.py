"""Combining values by key, shared by the map-side combine and the reduce side.

These loops run once per record, so they are written for CPython's speed:
no function call where the aggregator is one of the engine's own (the
identity of ``reduceByKey``, the lists of ``groupByKey``), and ``key in d``
then ``d[key]`` rather than a ``d.get`` call (two lookups in C beat one
method call).
"""


def identity(value):
    return value


def single_list(value):
    return [value]


def append(values, value):
    values.append(value)
    return values


def extend(values, more):
    values.extend(more)
    return values


def is_grouping(aggregator):
    """True for groupByKey's aggregator (values gathered into lists)."""
    return aggregator.createCombiner is single_list and aggregator.mergeValue is append


def combine_values(records, aggregator):
    """(k, v) records -> {k: combiner} with createCombiner/mergeValue."""
    create, merge = aggregator.createCombiner, aggregator.mergeValue
    if is_grouping(aggregator):
        return group_into({}, records)
    if create is identity:
        return _merged(records, merge)
    combiners = {}
    for key, value in records:
        if key in combiners:
            combiners[key] = merge(combiners[key], value)
        else:
            combiners[key] = create(value)
    return combiners


def merge_combiners(records, aggregator):
    """(k, combiner) records -> {k: combiner} with mergeCombiners."""
    merge = aggregator.mergeCombiners
    if merge is not extend:
        return _merged(records, merge)
    combiners = {}
    for key, values in records:
        if key in combiners:
            combiners[key].extend(values)
        else:
            combiners[key] = values
    return combiners


def _merged(records, merge):
    """{k: v merged with ``merge``} where a key's first value is its start (reduceByKey, merging combiners)."""
    combiners = {}
    for key, value in records:
        if key in combiners:
            combiners[key] = merge(combiners[key], value)
        else:
            combiners[key] = value
    return combiners


def group_into(groups, records):
    """Appends each (key, value) record's value to ``groups[key]`` (a new list for a new key)."""
    get = groups.get
    for key, value in records:
        values = get(key)
        if values is None:
            groups[key] = [value]
        else:
            values.append(value)
    return groups
