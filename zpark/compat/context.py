"""``pyspark.context``: SparkContext, the PySpark face of zpark's Context.

Everything an RDD program calls on its SparkContext is zpark's Context; this
class adds PySpark's constructor, life cycle (``getOrCreate``, one active
context, ``_active_spark_context``) and the attributes PySpark programs read.
Arguments that only make sense with a JVM are refused by name rather than
silently taken for configuration.
"""
import getpass
import threading
import time

from ..driver.context import Context
from .conf import SparkConf

SPARK_VERSION = "3.5.0"


class SparkContext(Context):
    _active_spark_context = None
    _lock = threading.RLock()

    def __init__(self, master=None, appName=None, sparkHome=None, pyFiles=None, environment=None,
                 batchSize=0, serializer=None, conf=None, gateway=None, jsc=None, profiler_cls=None,
                 udf_profiler_cls=None, memory_profiler_cls=None):
        for name, value in (("gateway", gateway), ("jsc", jsc)):
            if value is not None:
                raise ValueError("SparkContext(%s=...) needs a JVM; zpark runs without one" % name)
        settings = dict((conf or SparkConf()).getAll())
        with SparkContext._lock:
            active = SparkContext._active_spark_context
            if active is not None:
                raise ValueError("Cannot run multiple SparkContexts at once; existing SparkContext(app=%s, "
                                 "master=%s)" % (active.appName, active.master))
            super().__init__(master or settings.get("spark.master"), appName or settings.get("spark.app.name"),
                             conf=settings)
            self.startTime = int(time.time() * 1000)
            self.environment = dict(environment or {})
            self.serializer = serializer
            self.pythonExec = None
            SparkContext._active_spark_context = self

    @classmethod
    def getOrCreate(cls, conf=None):
        with cls._lock:
            if cls._active_spark_context is None:
                cls(conf=conf or SparkConf())
            return cls._active_spark_context

    @property
    def version(self):
        return SPARK_VERSION

    @property
    def uiWebUrl(self):
        return None            # zpark has no web UI yet

    def sparkUser(self):
        return getpass.getuser()

    def getConf(self):
        conf = SparkConf()
        for key, value in self._conf.getAll():
            conf.set(key, value)
        return conf

    def stop(self):
        try:
            super().stop()
        finally:
            with SparkContext._lock:
                if SparkContext._active_spark_context is self:
                    SparkContext._active_spark_context = None
