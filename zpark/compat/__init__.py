"""What ``import pyspark`` gives once zpark serves it (zpark.install_pyspark(), zpark submit).

PySpark's RDD-level names, backed by zpark: SparkContext and SparkConf, the
RDD, StorageLevel, TaskContext, Broadcast and the accumulators; ``pyspark.sql``
as far as RDD programs use it. See install.py for how the names are served.
"""
from ..common.storage import StorageLevel
from ..common.task_context import BarrierTaskContext, BarrierTaskInfo, TaskContext
from ..rdd.accumulators import Accumulator, AccumulatorParam
from ..rdd.barrier import RDDBarrier
from ..rdd.base import RDD
from ..rdd.broadcast import Broadcast
from .conf import SparkConf
from .context import SPARK_VERSION, SparkContext
from .files import SparkFiles
from .threads import InheritableThread, inheritable_thread_target

__zpark__ = True
__version__ = SPARK_VERSION

__all__ = ["SparkContext", "SparkConf", "SparkFiles", "InheritableThread", "inheritable_thread_target", "RDD", "StorageLevel", "TaskContext", "Broadcast", "Accumulator",
           "AccumulatorParam", "BarrierTaskContext", "BarrierTaskInfo", "RDDBarrier"]
