"""Configuration keys, their defaults, and how they reach a Context.

Precedence (as spark-submit): arguments given to ``Context(...)`` in code, then
``zpark submit --conf`` / ``ZPARK_CONF`` (JSON), then the defaults below.
"""
import json
import os

DEFAULTS = {
    "zpark.master": "local[*]",
    "zpark.app.name": "zpark",
    "zpark.task.maxFailures": 4,
    "zpark.stage.maxConsecutiveAttempts": 4,
    "zpark.speculation": False,
    "zpark.speculation.interval": 0.1,
    "zpark.speculation.quantile": 0.75,
    "zpark.speculation.multiplier": 1.5,
    "zpark.speculation.minTaskRuntime": 0.1,
    "zpark.scheduler.shortTaskSeconds": 0.05,
    "zpark.executor.heartbeatInterval": 0.5,
    "zpark.executor.heartbeatTimeout": 5.0,
    "zpark.executor.memory": "512m",
    "zpark.executor.startTimeout": 60.0,
    "zpark.local.maxExecutorRestarts": 20,
    "zpark.local.dir": "",
    "zpark.shuffle.fetchRetryWait": 0.2,
    "zpark.shuffle.fetchTimeout": 60.0,
    "zpark.eventLog.enabled": True,
    "zpark.eventLog.dir": "",
    "zpark.ui.showConsoleProgress": True,
    "zpark.driver.host": "",
    "zpark.driver.bindAddress": "",
    "zpark.driver.port": 0,
    "zpark.executor.instances": 0,
    "zpark.default.parallelism": 0,
}


def _coerce(key, value):
    default = DEFAULTS.get(key)
    if isinstance(value, str):
        if isinstance(default, bool):
            return value.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
    return value


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
