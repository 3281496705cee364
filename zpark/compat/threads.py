"""``pyspark.InheritableThread``: a thread whose jobs carry the local properties (job group,
description...) of the thread that created it, as PySpark's does."""
import threading

from .context import SparkContext


def _inherit(target):
    sc = SparkContext._active_spark_context
    properties = dict(sc._local_properties()) if sc is not None else {}

    def run(*args, **kwargs):
        active = SparkContext._active_spark_context
        if active is not None:
            active._local_properties().update(properties)
        return target(*args, **kwargs)
    return run


def inheritable_thread_target(f):
    """Wrap ``f`` so that, run in another thread, it sees the calling thread's local properties."""
    return _inherit(f)


class InheritableThread(threading.Thread):
    def __init__(self, target, *args, **kwargs):
        super().__init__(target=_inherit(target), *args, **kwargs)
