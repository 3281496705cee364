"""A stage's task binary: its RDD chain and function, pickled once, with the broadcasts it refers to.

The user's functions must not capture what cannot work on an executor: a
Context or RDD exists only on the driver, and cloudpickle would otherwise ship
a useless copy or fail deep inside. The pickle itself shows whether the
stage's graph holds a Context or an RDD outside the chain the task computes;
only then are the functions walked, to name the one that captured it.
"""
import types

from ..common import serialization
from ..common.errors import SerializationError
from ..rdd.base import RDD
from ..rdd.broadcast import collect_broadcast_ids
from ..rdd.lineage import narrow_lineage


class DriverOnly:
    """Marks objects (the Context) that only exist on the driver and may not be captured by tasks."""


def serialize_stage(stage):
    """``(bytes, broadcast ids)`` of a stage: its RDD and the shuffle dependency it writes or the action."""
    work = stage.shuffle_dep if stage.is_map else stage.func
    chain = {id(rdd) for rdd in narrow_lineage(stage.rdd)}
    walked = False

    def on_driver_only(obj):
        nonlocal walked
        if id(obj) not in chain and not walked:
            walked = True          # once names the culprit, if a function holds one
            check_functions(stage)

    with collect_broadcast_ids() as collected:
        data = serialization.dumps_code((stage.rdd, work), "task closure of stage %d (%s)" % (stage.id, stage.name),
                                        (RDD, DriverOnly), on_driver_only)
    return data, sorted(collected.ids)


def check_functions(stage):
    """Raise SerializationError if a function of the stage captures the Context or an RDD."""
    for rdd in narrow_lineage(stage.rdd):
        for func in rdd.user_functions():
            _check_captures(func, "a function given to %r" % rdd)
    if stage.func is not None:
        _check_captures(stage.func, "the action's function")


def _check_captures(func, where, depth=0, seen=None):
    """Refuse closures that capture an RDD or the Context: they only exist on the driver."""
    seen = set() if seen is None else seen
    if depth > 4 or id(func) in seen or not serialization.is_function(func) or _is_zparks_own(func):
        return
    seen.add(id(func))
    label = serialization.function_label(func)
    for name, value in serialization.function_captures(func):
        if isinstance(value, DriverOnly):
            raise SerializationError(
                "%s (%s) captures the Context as %r. The Context only exists on the driver and "
                "cannot be used inside transformations or actions." % (where, label, name))
        if isinstance(value, RDD):
            raise SerializationError(
                "%s (%s) captures the RDD %r as %r. RDD transformations and actions can only be "
                "invoked by the driver, not inside other transformations; collect or broadcast "
                "the data instead." % (where, label, value, name))
        _check_captures(value, where, depth + 1, seen)


def _is_zparks_own(func):
    """A module-level function of zpark's (a partial or closure may carry the user's functions: not these)."""
    return (type(func) is types.FunctionType and func.__closure__ is None and func.__defaults__ is None
            and (func.__module__ or "").startswith("zpark.") and "<locals>" not in func.__qualname__)
