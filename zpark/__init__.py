"""zpark: a Spark-style distributed engine with a PySpark-compatible RDD API."""
from .common.errors import (FetchFailedError, JobCancelledError, JobFailedError, SerializationError,
                            ZparkError)
from .common.partitioner import HashPartitioner, Partitioner, RangePartitioner
from .common.hashing import portable_hash
from .common.storage import StorageLevel
from .common.task_context import TaskContext
from .common.config import Conf
from .rdd.accumulators import Accumulator, AccumulatorParam
from .rdd.broadcast import Broadcast
from .driver.context import Context
from .rdd.base import RDD
from .rdd.stat_counter import StatCounter
from .compat.install import install_pyspark
from . import ui     # registers the live web UI with every Context (zpark/ui/__init__.py)

__version__ = "0.1.0"

__all__ = ["Context", "RDD", "TaskContext", "StorageLevel", "Partitioner", "HashPartitioner",
           "RangePartitioner", "AccumulatorParam", "Accumulator", "Broadcast", "StatCounter", "Conf",
           "portable_hash", "ZparkError", "JobFailedError", "JobCancelledError", "SerializationError",
           "FetchFailedError", "install_pyspark"]
