"""``pyspark.broadcast``."""
from ..rdd.broadcast import Broadcast

__all__ = ["Broadcast"]
