"""Configuration keys - each declared once, with its type, default and meaning - and how they reach a Context.

Precedence (as spark-submit): arguments given to ``Context(...)`` in code, then
``zpark submit --conf`` / ``ZPARK_CONF`` (JSON), then the defaults below.
"""
import difflib
import re
import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Optional

log = logging.getLogger("zpark")

@dataclass(frozen=True)
class Key:
    """One configuration key: its default (whose type is the key's type), what it does, and, for the
    keys executors need, the command-line flag that hands it to them."""
    default: Any
    doc: str
    executor_flag: Optional[str] = None


SPARK_VERSION = "3.5.0"   # the PySpark API zpark follows: sc.version, pyspark.__version__, the REST API

KEYS = {
    "zpark.master": Key("local[*]", "local, local[N], local[*] or tcp://HOST:PORT (a zpark master)"),
    "zpark.app.name": Key("zpark", "the application's name"),
    "zpark.task.maxFailures": Key(4, "attempts of a task before its job fails"),
    "zpark.stage.maxConsecutiveAttempts": Key(4, "attempts of a stage failing on fetches before its job fails"),
    "zpark.speculation": Key(False, "launch copies of stragglers"),
    "zpark.speculation.interval": Key(0.1, "seconds between checks for stragglers"),
    "zpark.speculation.quantile": Key(0.75, "share of a stage done before stragglers are looked for"),
    "zpark.speculation.multiplier": Key(1.5, "how many times the median duration makes a straggler"),
    "zpark.speculation.minTaskRuntime": Key(0.1, "seconds a task runs at least before it can be copied"),
    "zpark.scheduler.shortTaskSeconds": Key(0.05, "median task time under which tasks queue on busy executors"),
    "zpark.scheduler.noExecutorsWarning": Key(15.0, "seconds between warnings while jobs wait with no executors"),
    "zpark.task.killTimeout": Key(30.0, "seconds a killed task may take to stop before its executor is replaced"),
    "zpark.barrier.slotWaitTimeout": Key(60.0, "seconds a barrier stage waits for as many free task slots as it has "
                                         "tasks before its job fails"),
    "zpark.job.stallTimeout": Key(0.0, "fail a job that made no progress for this many seconds (0: never)"),
    "zpark.executor.heartbeatInterval": Key(0.5, "seconds between an executor's heartbeats",
                                            "--heartbeat-interval"),
    "zpark.executor.heartbeatTimeout": Key(5.0, "seconds of silence after which an executor is lost"),
    "zpark.executor.memory": Key("512m", "an executor's memory budget (sorts, groupings, combines spill past it)",
                                 "--memory"),
    "zpark.executor.memoryLimit": Key("", "an executor's hard memory limit: past it the executor ends, "
                                      "reported as killed for memory (default: 3x zpark.executor.memory, "
                                      "at least the budget plus 512m for the interpreter itself)",
                                      "--memory-limit"),
    "zpark.executor.startTimeout": Key(60.0, "seconds to wait for the executors at start"),
    "zpark.local.maxExecutorRestarts": Key(20, "local mode: lost executors replaced at most this often"),
    "zpark.local.dir": Key("", "local mode: folder for executors' work directories (default: the temp dir)"),
    "zpark.shuffle.fetchRetryWait": Key(0.2, "seconds between a fetch failure and the resubmission"),
    "zpark.shuffle.fetchTimeout": Key(60.0, "seconds a shuffle fetch may take", "--fetch-timeout"),
    "zpark.shuffle.readHostLocalDisk": Key(True, "read the shuffle files of executors on the same machine (their "
                                           "work folders beside this one's) from disk instead of asking their "
                                           "block servers", "--read-host-local"),
    "zpark.eventLog.enabled": Key(True, "write the JSON-lines event log"),
    "zpark.eventLog.dir": Key("", "event log folder (default: <temp dir>/zpark-events)"),
    "zpark.ui.showConsoleProgress": Key(True, "draw the console progress bar"),
    "zpark.ui.enabled": Key(True, "serve the live web UI while the application runs"),
    "zpark.ui.port": Key(4040, "the live web UI's port (the next free one if taken; 0: any free port)"),
    "zpark.ui.host": Key("127.0.0.1", "the interface the live web UI binds (loopback unless widened)"),
    "zpark.driver.host": Key("", "address executors dial the driver at (cluster mode)"),
    "zpark.driver.bindAddress": Key("", "interface the driver binds (cluster mode)"),
    "zpark.driver.port": Key(0, "the driver's port (0: any free one)"),
    "zpark.executor.instances": Key(0, "cluster mode: executors to ask the master for (0: all free)"),
    "zpark.default.parallelism": Key(0, "partitions of shuffles and parallelize by default (0: the cores)"),
    "zpark.files.dir": Key("", "where SparkContext.addFile copies files (default: the temp dir; in a cluster, a "
                                "folder every executor sees)"),
    "zpark.files": Key("", "comma-separated files a SparkContext adds with addFile when it starts (--files)"),
    "zpark.archives": Key("", "comma-separated archives a SparkContext adds with addArchive when it starts "
                              "(--archives)"),
    "zpark.network.crypto.enabled": Key(True, "encrypt and authenticate connections with CURVE keys (off: "
                                        "HMAC-signed messages only, in clear text)", "--crypto"),
    "zpark.network.maxMessageSize": Key("2g", "the largest message (all its frames) a driver or executor "
                                        "accepts; larger ones are refused", "--max-message-size"),
}
DEFAULTS = {name: key.default for name, key in KEYS.items()}


def _seconds(text, bare_unit=0.001):
    """Spark's time strings ('100ms', '5s', '2min', '1h'); a bare number is in the key's unit (mostly ms)."""
    text = str(text).strip().lower()
    for suffix, factor in (("ms", 0.001), ("min", 60.0), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if text.endswith(suffix):
            return float(text[:-len(suffix)]) * factor
    return float(text) * bare_unit


# Spark's keys that mean something here, and how their values translate (PySpark programs set them).
SPARK_KEYS = {
    "spark.master": ("zpark.master", None),
    "spark.app.name": ("zpark.app.name", None),
    "spark.default.parallelism": ("zpark.default.parallelism", None),
    "spark.task.maxFailures": ("zpark.task.maxFailures", None),
    "spark.stage.maxConsecutiveAttempts": ("zpark.stage.maxConsecutiveAttempts", None),
    "spark.executor.memory": ("zpark.executor.memory", None),
    "spark.executor.instances": ("zpark.executor.instances", None),
    "spark.speculation": ("zpark.speculation", None),
    "spark.speculation.interval": ("zpark.speculation.interval", _seconds),
    "spark.speculation.quantile": ("zpark.speculation.quantile", None),
    "spark.speculation.multiplier": ("zpark.speculation.multiplier", None),
    "spark.speculation.minTaskRuntime": ("zpark.speculation.minTaskRuntime", _seconds),
    "spark.ui.showConsoleProgress": ("zpark.ui.showConsoleProgress", None),
    "spark.ui.enabled": ("zpark.ui.enabled", None),
    "spark.ui.port": ("zpark.ui.port", None),
    "spark.eventLog.enabled": ("zpark.eventLog.enabled", None),
    "spark.eventLog.dir": ("zpark.eventLog.dir", lambda v: str(v)[len("file://"):] if str(v).startswith("file://")
                           else v),
    "spark.driver.host": ("zpark.driver.host", None),
    "spark.driver.bindAddress": ("zpark.driver.bindAddress", None),
    "spark.driver.port": ("zpark.driver.port", None),
    "spark.executor.heartbeatInterval": ("zpark.executor.heartbeatInterval", _seconds),
    "spark.network.timeout": ("zpark.executor.heartbeatTimeout", lambda v: _seconds(v, bare_unit=1.0)),
    "spark.local.dir": ("zpark.local.dir", None),
    "spark.shuffle.readHostLocalDisk": ("zpark.shuffle.readHostLocalDisk", None),
    "spark.files": ("zpark.files", None),
    "spark.archives": ("zpark.archives", None),
    "spark.network.crypto.enabled": ("zpark.network.crypto.enabled", None),
    "spark.executor.pyspark.memory": ("zpark.executor.memoryLimit", None),   # a hard cap, as in Spark
}
EXECUTOR_KEYS = [name for name, key in KEYS.items() if key.executor_flag]

_warned = set()


def warn_if_unknown(name):
    """An unknown zpark.* key is accepted (it may be a typo): say so once, naming the closest known key;
    a spark.* key zpark has no use for is accepted and reported once as ignored, as Spark does."""
    if name in KEYS or name in SPARK_KEYS or name in _warned:
        return
    if name.startswith("spark."):
        _warned.add(name)
        log.warning("Spark configuration key %r has no meaning in zpark and is ignored", name)
        return
    if not name.startswith("zpark."):
        return
    _warned.add(name)
    close = difflib.get_close_matches(name, KEYS, n=1, cutoff=0.6)
    log.warning("unknown configuration key %r is ignored%s", name,
                " (did you mean %r?)" % close[0] if close else "")


def executor_settings(conf):
    """{key: value} of the settings every executor is started with (see executor.launch)."""
    return {name: conf.get(name) for name in EXECUTOR_KEYS}


def parse_bool(text):
    return str(text).strip().lower() in ("1", "true", "yes", "on")


def _coerce(key, value):
    default = DEFAULTS.get(key)
    if isinstance(value, str):
        if isinstance(default, bool):
            return parse_bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    return value


def default_memory_limit(budget_bytes):
    """3x the budget, and never less than the budget plus 512 MiB: the interpreter, numpy and the
    sockets take ~60 MiB before any data, so a small budget must not end every executor at once."""
    return max(3 * budget_bytes, budget_bytes + (512 << 20))


def parse_size(text):
    """'512m' -> bytes, as Spark's memory strings."""
    text = str(text).strip().lower()
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    if text and text[-1] == "b":
        text = text[:-1]
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


class Conf:
    """A flat key/value configuration with typed defaults (the SparkConf of zpark)."""

    def __init__(self, values=None, load_environment=True):
        self._values = {}
        if load_environment:
            env_conf = os.environ.get("ZPARK_CONF")
            if env_conf:
                self.update(json.loads(env_conf))
            if os.environ.get("ZPARK_MASTER"):
                self.set("zpark.master", os.environ["ZPARK_MASTER"])
        if values:
            self.update(values)

    def set(self, key, value):
        warn_if_unknown(key)
        if key in SPARK_KEYS:                   # kept under zpark's name, which is what is read
            key, translate = SPARK_KEYS[key]
            value = translate(value) if translate is not None else value
        self._values[key] = _coerce(key, value)
        return self

    def setIfMissing(self, key, value):
        if key not in self._values:
            self.set(key, value)
        return self

    def update(self, values):
        for key, value in dict(values).items():
            self.set(key, value)
        return self

    def get(self, key, default=None):
        if key in self._values:
            return self._values[key]
        if default is not None:
            return default
        return DEFAULTS.get(key)

    def getAll(self):
        merged = dict(DEFAULTS)
        merged.update(self._values)
        return sorted(merged.items())

    def contains(self, key):
        return key in self._values

    def __getitem__(self, key):
        return self.get(key)


SECRET_KEYS = re.compile(r"(?i)secret|password|token|access[.]key|credential")
REDACTED = "*********(redacted)"


def redact(key, value):
    """A setting's value as the UI and the event log show it: hidden when its key names a secret (as
    Spark's spark.redaction.regex does by default)."""
    return REDACTED if SECRET_KEYS.search(str(key)) else value
