"""``pyspark.taskcontext``."""
from ..common.task_context import TaskContext

__all__ = ["TaskContext"]
