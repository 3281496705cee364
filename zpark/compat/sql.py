"""``pyspark.sql``, as far as RDD programs use it: a SparkSession that hands out its SparkContext,
``spark.read.text(path)`` whose ``.rdd`` holds ``Row(value=line)``, and ``Row``.

zpark has no Spark SQL. Anything else of it raises NotImplementedError naming
the feature, so a program learns at once what it needs instead of failing
with an AttributeError deep inside.
"""
from .conf import SparkConf
from .context import SparkContext


def _not_implemented(what):
    raise NotImplementedError("zpark runs PySpark's RDD API only; Spark SQL's %s is not implemented" % what)


class _NoSqlBeyond:
    """Unknown attributes name the missing Spark SQL feature."""

    _what = "object"

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        _not_implemented("%s.%s" % (self._what, name))


def _row(fields, values):
    return Row(**dict(zip(fields, values))) if fields else Row(*values)


class Row(tuple):
    """A tuple whose fields also have names: ``r[0]``, ``r.value``, ``r["value"]``, ``r.asDict()``."""

    def __new__(cls, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Can not use both args and kwargs to create Row")
        row = tuple.__new__(cls, kwargs.values() if kwargs else args)
        row.__fields__ = list(kwargs) if kwargs else None
        return row

    def asDict(self, recursive=False):
        if self.__fields__ is None:
            raise TypeError("Cannot convert a Row class into dict")
        return {k: (v.asDict(True) if recursive and isinstance(v, Row) else v) for k, v in zip(self.__fields__, self)}

    def __getattr__(self, name):
        fields = self.__dict__.get("__fields__")
        if fields and name in fields:
            return self[fields.index(name)]
        raise AttributeError(name)

    def __getitem__(self, item):
        if isinstance(item, str):
            if self.__fields__ and item in self.__fields__:
                return tuple.__getitem__(self, self.__fields__.index(item))
            raise ValueError(item)
        return tuple.__getitem__(self, item)

    def __reduce__(self):
        return _row, (self.__fields__, tuple(self))

    def __repr__(self):
        if self.__fields__:
            return "Row(%s)" % ", ".join("%s=%r" % kv for kv in zip(self.__fields__, self))
        return "<Row(%s)>" % ", ".join(map(repr, self))


class DataFrame(_NoSqlBeyond):
    """Only what an RDD program takes from a DataFrame: its ``rdd``."""

    _what = "DataFrame"

    def __init__(self, rdd):
        self.rdd = rdd


class DataFrameReader(_NoSqlBeyond):
    _what = "DataFrameReader"

    def __init__(self, session):
        self._session = session

    def text(self, paths, wholetext=False, lineSep=None, **options):
        sc = self._session.sparkContext
        paths = [paths] if isinstance(paths, str) else list(paths)
        if wholetext:
            rdd = sc.union([sc.wholeTextFiles(p).values() for p in paths])
        else:
            rdd = sc.union([sc.textFile(p) for p in paths]) if len(paths) > 1 else sc.textFile(paths[0])
        return DataFrame(rdd.map(_value_row))


def _value_row(line):
    return Row(value=line)


class _Builder(_NoSqlBeyond):
    _what = "SparkSession.builder"

    def __init__(self):
        self._conf = SparkConf()

    def appName(self, name):
        self._conf.setAppName(name)
        return self

    def master(self, master):
        self._conf.setMaster(master)
        return self

    def config(self, key=None, value=None, conf=None, map=None):
        if conf is not None:
            self._conf.setAll(conf.getAll())
        for k, v in dict(map or {}).items():
            self._conf.set(k, v)
        if key is not None:
            self._conf.set(key, value)
        return self

    def enableHiveSupport(self):
        _not_implemented("Hive support")

    def getOrCreate(self):
        with SparkContext._lock:
            if SparkSession._active is None or SparkSession._active.sparkContext._stopped:
                SparkSession._active = SparkSession(SparkContext.getOrCreate(self._conf))
            return SparkSession._active


class _BuilderProperty:
    def __get__(self, instance, owner):
        return _Builder()


class SparkSession(_NoSqlBeyond):
    _what = "SparkSession"
    _active = None
    builder = _BuilderProperty()

    def __init__(self, sparkContext):
        self.sparkContext = sparkContext

    @property
    def read(self):
        return DataFrameReader(self)

    @property
    def version(self):
        return self.sparkContext.version

    def stop(self):
        self.sparkContext.stop()
        if SparkSession._active is self:
            SparkSession._active = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


__all__ = ["SparkSession", "DataFrame", "Row"]
