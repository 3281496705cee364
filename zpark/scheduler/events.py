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
    properties: dict = field(default_factory=dict)   # the submitting thread's local properties


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
    caused_by_task: bool = False  # its process exited with a code of its own: the running task's fault


@dataclass
class ExecutorHeartbeat:
    """The executor said it is alive (any message from it counts the same)."""
    executor_id: str


# ------------------------------------------------------------- what an attempt produced

@dataclass
class MapOutput:
    """A map task's output: ``{reduce partition: block size}`` of its non-empty blocks."""
    sizes: dict


@dataclass
class ResultValue:
    """A result task's output: the action function's value, pickled."""
    data: bytes


@dataclass
class TaskSucceeded:
    task_id: int
    executor_id: str            # who reports it: it counts only from the executor the attempt ran on
    output: Any                 # MapOutput | ResultValue
    accumulators: Optional[bytes] = None
    cached_blocks: list = field(default_factory=list)   # [(rdd id, partition)]
    metrics: dict = field(default_factory=dict)


# ------------------------------------------------------------- why an attempt failed

class TaskFailure:
    """Why an attempt ended without output; ``counts`` says whether it counts toward maxFailures."""
    counts = True

    def describe(self):
        raise NotImplementedError


@dataclass
class ExceptionFailure(TaskFailure):
    """The task raised: the user's code (or a record it could not handle). Counts."""
    message: str
    counts = True

    def describe(self):
        lines = self.message.strip().splitlines()
        return "exception: %s" % (lines[-1] if lines else "")


@dataclass
class FetchFailure(TaskFailure):
    """A shuffle block could not be fetched: the map output is lost, not the task's fault."""
    message: str
    shuffle_id: Optional[int] = None
    map_index: Optional[int] = None
    map_executor: Optional[str] = None
    unreachable: bool = False      # the map executor did not answer: all its outputs are suspect
    counts = False

    def describe(self):
        return "fetch failed: %s" % self.message


@dataclass
class Killed(TaskFailure):
    """The driver killed the attempt (a losing copy, a cancelled job)."""
    message: str = "killed"
    counts = False

    def describe(self):
        return "killed"


@dataclass
class ExecutorLostFailure(TaskFailure):
    """The attempt's executor went away while it ran. Counts only when the task caused it
    (the process exited with a code of its own while this attempt was executing)."""
    reason: str
    caused_by_task: bool = False

    @property
    def counts(self):
        return self.caused_by_task

    @property
    def message(self):
        return "executor lost: %s" % self.reason

    def describe(self):
        return "executor lost: %s" % self.reason


@dataclass
class TaskFailed:
    task_id: int
    executor_id: str
    reason: TaskFailure
    metrics: dict = field(default_factory=dict)


@dataclass
class BarrierSyncRequested:
    """A barrier task called barrier()/allGather() (its ``sequence``-th such call)."""
    task_id: int
    executor_id: str
    sequence: int
    kind: str
    message: str


@dataclass
class RDDUnpersisted:
    rdd_id: int


@dataclass
class ShuffleUnreachable:
    """The driver no longer references this shuffle: its outputs can go everywhere."""
    shuffle_id: int


@dataclass
class ExecutorsExhausted:
    """No executor is left and none will come (local mode used up its restarts)."""
    reason: str


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
    shuffle_locations: dict     # shuffle id -> {reduce id: [(map index, executor id, address, tag)]}, non-empty blocks
    cache_locations: dict       # (rdd id, partition) -> [block server addresses]
    speculative: bool = False
    properties: dict = field(default_factory=dict)   # of the stage's first job (TaskContext.getLocalProperty)
    barrier_hosts: Optional[list] = None   # a barrier stage's task: every task's host, by partition


@dataclass
class BarrierRelease:
    """Answer a barrier task's sync: all tasks' messages by partition, or the error it raises."""
    executor_id: str
    task_id: int
    sequence: int
    messages: Optional[list]
    error: Optional[str] = None


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
class RemoveShuffle:
    """Delete a shuffle's files on every executor, and its map stage's binary where it was sent."""
    shuffle_id: int
    stage_id: Optional[int]


@dataclass
class ReleaseStage:
    """No job will run tasks of this stage again: executors may drop its binary."""
    stage_id: int


@dataclass
class RemoveExecutor:
    """The executor is no longer trusted: stop talking to it and, if we own it, stop it."""
    executor_id: str
    reason: str
    running_tasks: list = field(default_factory=list)   # what it was executing, in words, for the log


@dataclass
class Warn:
    """Something the user should read on the driver's log now (no executors, a stall)."""
    message: str


@dataclass
class LogEvent:
    """For the event log and the progress bar."""
    kind: str
    fields: dict
