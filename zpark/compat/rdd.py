"""``pyspark.rdd``."""
from ..common.hashing import portable_hash
from ..common.storage import StorageLevel
from ..rdd.barrier import RDDBarrier
from ..rdd.base import RDD
from ..rdd.result_iterable import ResultIterable

__all__ = ["RDD", "portable_hash", "StorageLevel", "ResultIterable", "RDDBarrier"]
