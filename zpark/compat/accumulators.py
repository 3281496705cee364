"""``pyspark.accumulators``."""
from ..rdd.accumulators import Accumulator, AccumulatorParam

__all__ = ["Accumulator", "AccumulatorParam"]
