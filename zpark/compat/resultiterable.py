"""``pyspark.resultiterable``."""
from ..rdd.result_iterable import ResultIterable

__all__ = ["ResultIterable"]
