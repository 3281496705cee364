"""What the DAG scheduler keeps per stage, per job and per executor."""
from ..rdd.lineage import narrow_lineage


class Stage:
    def __init__(self, stage_id, rdd, parents, shuffle_dep=None, func=None, job=None):
        self.id = stage_id
        self.rdd = rdd
        self.parents = parents
        self.shuffle_dep = shuffle_dep        # set for a ShuffleMapStage
        self.func = func                      # set for a ResultStage
        self.job = job
        self.num_partitions = rdd.getNumPartitions()
        self.attempt = -1
        self.binary = None
        self.broadcast_ids = []
        self.task_set = None
        self.failed_attempts = set()          # consecutive attempts that ended in fetch failures
        self.unreachable_executors = set()    # executors that once did not answer this stage's fetches
        self.unreadable_maps = set()          # (shuffle id, map index) it once could not read
        self.job_ids = set()
        self.submitted_at = 0.0               # when its current attempt was submitted
        # Its tasks run together when any RDD they compute came from rdd.barrier() (see barrier.py).
        self.is_barrier = any(getattr(r.kind, "barrier", False) for r in narrow_lineage(rdd))

    def describe_rdds(self):
        """The RDDs one task of this stage computes, for the UI's DAG: id, name, call site, whether
        cached, and the ids of their parents within the stage."""
        return [rdd.description() for rdd in narrow_lineage(self.rdd)]

    @property
    def is_map(self):
        return self.shuffle_dep is not None

    @property
    def name(self):
        return "%s at %s" % ("ShuffleMapStage" if self.is_map else "ResultStage", self.rdd.creation_site)


class Job:
    def __init__(self, job_id, partitions, description, properties=None):
        self.id = job_id
        self.partitions = list(partitions)
        self.description = description
        self.properties = dict(properties or {})
        self.results = {}
        self.final_stage = None
        self.stages = set()
        self.last_progress = 0.0              # when a task of it last ended (or it was submitted)


class ExecutorSlots:
    def __init__(self, address, cores, now):
        self.address = address
        self.cores = cores
        self.free = cores
        self.last_seen = now
