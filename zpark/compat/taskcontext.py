"""``pyspark.taskcontext``."""
from ..common.task_context import BarrierTaskContext, BarrierTaskInfo, TaskContext

__all__ = ["TaskContext", "BarrierTaskContext", "BarrierTaskInfo"]
