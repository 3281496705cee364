"""Walking an RDD's lineage: the RDDs one task pipelines, and the shuffles beneath them."""
from .dependencies import ShuffleDependency


def narrow_lineage(rdd):
    """``rdd`` and every RDD it reaches through narrow dependencies (what one task computes), once each."""
    seen, stack = set(), [rdd]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(dep.rdd for dep in current.deps if not isinstance(dep, ShuffleDependency))


def shuffles_below(rdd):
    """The shuffle dependencies that end ``rdd``'s narrow lineage (its stage's parent stages), in order."""
    found = []
    for current in narrow_lineage(rdd):
        for dep in current.deps:
            if isinstance(dep, ShuffleDependency) and dep not in found:
                found.append(dep)
    return found
