"""``pyspark.storagelevel``."""
from ..common.storage import StorageLevel

__all__ = ["StorageLevel"]
