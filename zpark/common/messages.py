"""Every kind of message zpark processes send each other, in one place.

A message is a small dataclass; on the wire it is its header, a msgpack map
``{"t": kind, field: value, ...}`` (see protocol.py for the signature and
the payload frames that travel beside it). ``decode`` turns a header back
into its message and checks every field's type and range at the edge, so a
malformed header - from a buggy peer that holds the secret, or a replayed
one - is refused with a ``BadMessage`` that names the field, before any
loop acts on it.

Payload frames are not fields: where a message has them, its docstring says
which (pickled task inputs, a stage binary, shuffle blocks...).
"""
import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Dict, Optional

KINDS = {}


class BadMessage(ValueError):
    """A header that is not a message this process understands; the text says what is wrong."""


def _kind(name):
    def register(cls):
        cls.KIND = name
        cls._checks = [(f.name, _checker(f.type), f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING)
                       for f in dataclasses.fields(cls)]
        KINDS[name] = cls
        return cls
    return register


def _checker(annotation):
    """A predicate for a field's declared type (ints that name things are never negative)."""
    if typing.get_origin(annotation) is typing.Union:
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        check = _checker(inner[0])
        return lambda v: v is None or check(v)
    if annotation is int:
        return lambda v: type(v) is int and v >= 0
    if annotation is float:
        return lambda v: type(v) in (int, float) and v >= 0
    if annotation is bool:
        return lambda v: type(v) is bool
    if annotation is str:
        return lambda v: type(v) is str
    if annotation in (list, dict):
        return lambda v: type(v) is annotation
    if typing.get_origin(annotation) is dict:
        check_key, check_value = (_checker(a) for a in typing.get_args(annotation))
        return lambda v: type(v) is dict and all(check_key(k) and check_value(x) for k, x in v.items())
    raise TypeError("unsupported field type %r" % (annotation,))


def encode(message):
    """The header of a message: ``{"t": kind, field: value, ...}``."""
    header = {"t": message.KIND}
    for name, _, _ in message._checks:
        header[name] = getattr(message, name)
    return header


def decode(header, expected=None):
    """The message a header holds; raises BadMessage when it is no message of ``expected`` kinds (or of any)."""
    if type(header) is not dict:
        raise BadMessage("a header must be a map, not %s" % type(header).__name__)
    kind = header.get("t")
    cls = KINDS.get(kind) if type(kind) is str else None
    if cls is None or (expected is not None and cls not in expected):
        raise BadMessage("unexpected message kind %.40r" % (kind,))
    values = {}
    for name, check, required in cls._checks:
        if name in header:
            value = header[name]
            if not check(value):
                raise BadMessage("%s: bad %s %.60r" % (kind, name, value))
            values[name] = value
        elif required:
            raise BadMessage("%s: missing %s" % (kind, name))
    return cls(**values)


# ---------------------------------------------------------------- driver <-> executor

@_kind("register")
@dataclass
class Register:
    """An executor introduces itself to its driver."""
    executor_id: str
    cores: int
    block_address: str
    pid: Optional[int] = None
    host: str = ""


@_kind("hb")
@dataclass
class Heartbeat:
    executor_id: str
    rss: int = 0                          # the executor process's resident memory, bytes (for the UI)


@_kind("fatal")
@dataclass
class ExecutorFatal:
    """The executor is about to end itself (its memory limit): why, and whether its task caused it."""
    reason: str
    caused_by_task: bool = True


@_kind("task")
@dataclass
class LaunchTask:
    """Run attempt ``attempt`` of a partition. Payload: the pickled task inputs (split, block locations)."""
    task_id: int
    stage_id: int
    stage_attempt: int
    partition: int
    attempt: int
    is_map: bool
    barrier: bool = False                 # a task of a barrier stage (BarrierTaskContext)


@_kind("binary")
@dataclass
class StageBinary:
    """Payload: the stage's pickled RDD chain and function (sent once per executor)."""
    stage_id: int


@_kind("broadcast")
@dataclass
class BroadcastValue:
    """Payload: the broadcast's pickled value (sent once per executor)."""
    broadcast_id: int


@_kind("done")
@dataclass
class TaskDone:
    """Payload: the pickled result (b"" for a map task) and the pickled accumulator updates (or b"")."""
    task_id: int
    sizes: Optional[Dict[int, int]] = None  # a map task's {reduce partition: block size}, non-empty blocks only
    cached: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


@_kind("failed")
@dataclass
class TaskFailedReport:
    task_id: int
    reason: str                           # "exception" | "fetch_failed" | "killed"
    message: str = ""
    shuffle_id: Optional[int] = None
    map_index: Optional[int] = None
    map_executor: Optional[str] = None
    map_executor_unreachable: bool = False
    metrics: dict = field(default_factory=dict)


@_kind("barrier_sync")
@dataclass
class BarrierSync:
    """A barrier task reached its ``sequence``-th barrier()/allGather() call (``kind`` says which)."""
    task_id: int
    sequence: int
    kind: str
    message: str = ""


# A task thread of an executor dials the driver with the routing id <executor id>#<n> and sends only its tasks'
# reports on it (executor/main.py); the driver counts them as the executor's.
TASK_THREAD_MARK = "#"
FROM_TASK_THREADS = (TaskDone, TaskFailedReport, BarrierSync)


@_kind("barrier_reply")
@dataclass
class BarrierReply:
    """Every task of the barrier stage attempt reached that call: their messages by partition, or why not."""
    task_id: int
    sequence: int
    messages: Optional[list] = None
    error: Optional[str] = None


@_kind("kill")
@dataclass
class KillTask:
    task_id: int


@_kind("remove_broadcast")
@dataclass
class RemoveBroadcast:
    broadcast_id: int


@_kind("remove_rdd")
@dataclass
class RemoveRDD:
    rdd_id: int


@_kind("remove_shuffle")
@dataclass
class RemoveShuffle:
    shuffle_id: int


@_kind("remove_stage")
@dataclass
class RemoveStage:
    """No task of this stage will come again: its binary can go."""
    stage_id: int


@_kind("peer_lost")
@dataclass
class PeerLost:
    """Another executor's block server is gone: fetches from it fail at once instead of timing out."""
    address: str


@_kind("shutdown")
@dataclass
class Shutdown:
    reason: str


@_kind("lost")
@dataclass
class DeclaredLost:
    """The driver no longer counts on this executor (it missed heartbeats or was unreachable)."""
    reason: str


# ---------------------------------------------------------------- block server

@_kind("fetch")
@dataclass
class FetchBlocks:
    """Shuffle blocks wanted: [shuffle id, map index, attempt tag, reduce id] each."""
    request_id: int
    blocks: list


@_kind("blocks")
@dataclass
class Blocks:
    """Per block [found, crc or reason, length]. Payload: the found blocks' bytes in order, several blocks
    joined per frame (a block never spans frames); the lengths cut them apart."""
    request_id: int
    status: list


@_kind("fetch_cached")
@dataclass
class FetchCached:
    request_id: int
    rdd_id: int
    partition: int


@_kind("cached")
@dataclass
class Cached:
    """Payload: the pickled partition (b"" when not found)."""
    request_id: int
    found: bool


@_kind("error")
@dataclass
class Error:
    """A request could not be answered (block server, master)."""
    error: str
    request_id: Optional[int] = None


# ---------------------------------------------------------------- master

@_kind("w_register")
@dataclass
class WorkerRegister:
    """A worker introduces itself; after a master restart it also says which executor it runs for whom."""
    worker_id: str
    host: str
    ip: str
    cores: int
    memory: int
    app_id: Optional[str] = None
    executor_id: Optional[str] = None
    request_id: Optional[int] = None


@_kind("w_registered")
@dataclass
class WorkerRegistered:
    request_id: Optional[int] = None


@_kind("w_hb")
@dataclass
class WorkerHeartbeat:
    """``executor_id``: the executor process the worker runs now ("" for none), so the master notices
    when one it counts on is gone though its exit report was lost (see Membership.worker_heartbeat)."""
    worker_id: str
    request_id: Optional[int] = None
    executor_id: Optional[str] = None


@_kind("w_hb_ok")
@dataclass
class WorkerHeartbeatOk:
    request_id: Optional[int] = None


@_kind("w_reregister")
@dataclass
class WorkerReregister:
    """The master does not know this worker (it restarted, or the worker was cut off)."""
    request_id: Optional[int] = None


@_kind("w_exited")
@dataclass
class WorkerExecutorExited:
    """The worker's executor process ended: how (the shell's exit status: 128 + signal for a signal)
    and why in words (for instance the kernel's OOM killer at the container's memory limit)."""
    worker_id: str
    app_id: str
    executor_id: str = ""
    exit_status: Optional[int] = None
    reason: str = ""
    caused_by_task: bool = False
    request_id: Optional[int] = None


@_kind("launch")
@dataclass
class LaunchExecutor:
    """``app_secret``: the application's secret wrapped with the cluster secret (security.wrap)."""
    app_id: str
    executor_id: str
    driver_url: str
    conf: dict
    app_secret: str = ""


@_kind("kill_app")
@dataclass
class KillApp:
    app_id: str


@_kind("hello")
@dataclass
class Hello:
    name: str = ""
    request_id: Optional[int] = None


@_kind("welcome")
@dataclass
class Welcome:
    app_id: str
    peer_host: str
    request_id: Optional[int] = None


@_kind("app_register")
@dataclass
class AppRegister:
    """Where the driver listens (again, after a master restart: the master then adopts the id).

    ``app_secret``: the application's secret wrapped with the cluster secret (security.wrap), for
    its executors; ``proof``: security.control_proof, required on every later message about the app.
    """
    app_id: str
    driver_url: str
    max_executors: int = 0
    executor_conf: dict = field(default_factory=dict)
    name: str = ""
    app_secret: str = ""
    proof: str = ""
    request_id: Optional[int] = None
    ui_url: str = ""                      # the driver's web UI, linked from the master's page


@_kind("app_registered")
@dataclass
class AppRegistered:
    executors: int
    waiting: Optional[str] = None
    request_id: Optional[int] = None


@_kind("app_hb")
@dataclass
class AppHeartbeat:
    app_id: str
    proof: str = ""
    request_id: Optional[int] = None


@_kind("app_hb_ok")
@dataclass
class AppHeartbeatOk:
    """``exits``: the application's executors whose process ended since the last heartbeat, each a
    map with ``executor_id``, ``reason`` and ``caused_by_task`` (checked where they are read)."""
    waiting: Optional[str] = None
    exits: list = field(default_factory=list)
    request_id: Optional[int] = None


@_kind("unknown_app")
@dataclass
class UnknownApp:
    waiting: Optional[str] = None
    request_id: Optional[int] = None


@_kind("app_end")
@dataclass
class AppEnd:
    app_id: str
    proof: str = ""
    request_id: Optional[int] = None


@_kind("app_ended")
@dataclass
class AppEnded:
    request_id: Optional[int] = None


@_kind("status")
@dataclass
class StatusRequest:
    request_id: Optional[int] = None


@_kind("status_report")
@dataclass
class StatusReport:
    status: dict
    request_id: Optional[int] = None
