"""The scheduler's vocabulary: events it is given and actions it returns (no I/O anywhere)."""
from dataclasses import dataclass, field
from typing import Any, Optional


# ---------------------------------------------------------------- events in

@dataclass
class JobSubmitted:
    job_id: int
    rdd: Any
    func: Any                   # func(iterator) -> value, run on each result partition
    partitions: list
    description: str = ""


@dataclass
class JobCancelled:
    job_id: int
    reason: str = "cancelled"


@dataclass
class ExecutorAdded:
    executor_id: str
    address: str                # block server
    cores: int
    host: str = ""


@dataclass
class ExecutorLost:
    executor_id: str
    reason: str


@dataclass
class TaskSucceeded:
    task_id: int
    result: Any = None          # result stage: pickled value; map stage: list of sizes
    accumulators: Optional[bytes] = None
    cached_blocks: list = field(default_factory=list)   # [(rdd id, partition)]
    metrics: dict = field(default_factory=dict)


@dataclass
class TaskFailed:
    task_id: int
    kind: str                   # "exception" | "fetch_failed" | "killed"
    message: str = ""
    shuffle_id: Optional[int] = None
    map_index: Optional[int] = None
    map_executor: Optional[str] = None
    metrics: dict = field(default_factory=dict)


@dataclass
class RDDUnpersisted:
    rdd_id: int


@dataclass
class Tick:
    pass


# ---------------------------------------------------------------- actions out

@dataclass
class LaunchTask:
    executor_id: str
    task_id: int
    stage_id: int
    stage_attempt: int
    partition: int
    attempt: int
    is_map: bool
    binary: bytes
    broadcast_ids: list
    split: Any                  # the Partition object the task computes
    shuffle_locations: dict     # shuffle id -> [(executor id, address, tag) | None per map]
    cache_locations: dict       # (rdd id, partition) -> [block server addresses]
    speculative: bool = False


@dataclass
class KillTask:
    executor_id: str
    task_id: int


@dataclass
class ApplyAccumulators:
    data: bytes


@dataclass
class ResultAccepted:
    """A result partition's value that counts (its first successful attempt), before the job ends:
    the driver can decode it while the other partitions still run."""
    job_id: int
    partition: int
    result: bytes


@dataclass
class JobSucceeded:
    job_id: int
    results: list               # pickled value per requested partition, in order


@dataclass
class JobFailed:
    job_id: int
    error: Exception


@dataclass
class RemoveExecutor:
    """The executor is no longer trusted: stop talking to it and, if we own it, stop it."""
    executor_id: str
    reason: str


@dataclass
class LogEvent:
    """For the event log and the progress bar."""
    kind: str
    fields: dict
