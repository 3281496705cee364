"""``pyspark.conf``: SparkConf, a builder of key/value settings handed to a SparkContext.

Keys are kept as the program set them; zpark's configuration translates the
``spark.*`` keys it understands (config.SPARK_KEYS) and reports the others
once as ignored.
"""


class SparkConf:
    def __init__(self, loadDefaults=True, _jvm=None, _jconf=None):
        self._values = {}

    def set(self, key, value):
        self._values[key] = str(value)
        return self

    def setIfMissing(self, key, value):
        if key not in self._values:
            self.set(key, value)
        return self

    def setMaster(self, value):
        return self.set("spark.master", value)

    def setAppName(self, value):
        return self.set("spark.app.name", value)

    def setSparkHome(self, value):
        return self.set("spark.home", value)

    def setExecutorEnv(self, key=None, value=None, pairs=None):
        for k, v in ([(key, value)] if key is not None else []) + list(pairs or []):
            self.set("spark.executorEnv." + k, v)
        return self

    def setAll(self, pairs):
        for key, value in pairs:
            self.set(key, value)
        return self

    def get(self, key, defaultValue=None):
        return self._values.get(key, defaultValue)

    def getAll(self):
        return list(self._values.items())

    def contains(self, key):
        return key in self._values

    def toDebugString(self):
        return "\n".join("%s=%s" % kv for kv in self._values.items())

    def __repr__(self):
        return "SparkConf(%r)" % self._values
