"""``pyspark.rddsampler``: PySpark's sampler names for zpark's samplers (same arguments, same
``sampler(split, iterator)`` call)."""
from ..rdd.sampling import KeySampler as RDDStratifiedSampler
from ..rdd.sampling import Sampler as RDDSampler
from ..rdd.sampling import SplitSampler as RDDRangeSampler

__all__ = ["RDDSampler", "RDDRangeSampler", "RDDStratifiedSampler"]
