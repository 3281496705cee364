"""Exceptions a user can catch, and the failure reasons executors send back."""


class ZparkError(Exception):
    """Base class of every error zpark raises on purpose."""


class JobFailedError(ZparkError):
    """A job was aborted; the message names the stage, the partition and the remote traceback."""


class SchedulerError(JobFailedError):
    """A bug inside the scheduler failed the jobs that were running; the message has its traceback."""


class JobCancelledError(ZparkError):
    """The job was cancelled (Ctrl-C, cancelAllJobs or Context.stop)."""


class SerializationError(ZparkError):
    """Something the job needs cannot be pickled; the message names the object."""


class FetchFailedError(ZparkError):
    """A reduce task could not read a map output block.

    Raised inside a task; the executor reports it as a fetch failure so the
    driver recomputes the lost map output instead of counting a task failure.
    """

    def __init__(self, shuffle_id, map_index, executor_id, reason, unreachable=False):
        super().__init__(
            f"FetchFailed(shuffle={shuffle_id}, map={map_index}, executor={executor_id}): {reason}")
        self.shuffle_id = shuffle_id
        self.map_index = map_index
        self.executor_id = executor_id
        self.reason = reason
        self.unreachable = unreachable     # the executor did not answer (not: one block was bad)

    def __reduce__(self):
        return (FetchFailedError, (self.shuffle_id, self.map_index, self.executor_id, self.reason,
                                   self.unreachable))


class TaskKilledError(ZparkError):
    """Raised inside a task between records once the driver has asked to kill it."""


class BarrierSyncError(ZparkError, RuntimeError):
    """A barrier()/allGather() call could not complete (its stage attempt ended, or the tasks disagreed)."""
