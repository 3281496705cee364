"""What ``import pyspark`` gives once zpark serves it (zpark.install_pyspark(), zpark submit).

PySpark's RDD-level names, backed by zpark: SparkContext and SparkConf, the
RDD, StorageLevel, TaskContext, Broadcast and the accumulators; ``pyspark.sql``
as far as RDD programs use it. See install.py for how the names are served.
"""
from ..common.config import SPARK_VERSION
from ..common.lazy_names import lazy_names
from .install import SUBMODULES

__zpark__ = True
__version__ = SPARK_VERSION

# Each public name and the module it is defined in, imported on first use (common/lazy_names.py): any
# Python started with the PySpark switch imports this package, and SparkContext imports the driver.
_EXPORTS = {
    "SparkContext": "zpark.compat.context",
    "SparkConf": "zpark.compat.conf",
    "SparkFiles": "zpark.compat.files",
    "InheritableThread": "zpark.compat.threads",
    "inheritable_thread_target": "zpark.compat.threads",
    "RDD": "zpark.rdd.base",
    "StorageLevel": "zpark.common.storage",
    "TaskContext": "zpark.common.task_context",
    "Broadcast": "zpark.rdd.broadcast",
    "Accumulator": "zpark.rdd.accumulators",
    "AccumulatorParam": "zpark.rdd.accumulators",
    "BarrierTaskContext": "zpark.common.task_context",
    "BarrierTaskInfo": "zpark.common.task_context",
    "RDDBarrier": "zpark.rdd.barrier",
}
__all__ = list(_EXPORTS)
# PySpark's package imports its submodules at its start, so a program may reach them as attributes.
__getattr__, __dir__ = lazy_names(globals(), _EXPORTS, SUBMODULES)
