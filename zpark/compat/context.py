"""``pyspark.context``: SparkContext, the PySpark face of zpark's Context.

Everything an RDD program calls on its SparkContext is zpark's Context; this
class adds PySpark's constructor, life cycle (``getOrCreate``, one active
context, ``_active_spark_context``) and the attributes PySpark programs read.
Arguments that only make sense with a JVM are refused by name rather than
silently taken for configuration.
"""
import getpass
import os
import shutil
import tempfile
import threading
import time

from ..common.config import SPARK_VERSION
from ..common.task_context import PY_FILES_PROPERTY
from ..driver.context import Context
from .conf import SparkConf
from .files import ROOT_PROPERTY, SparkFiles
from .submit import add_py_files


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
            self._added_files = []
            self._added_archives = []
            SparkContext._active_spark_context = self
        try:
            for path in _listed(self._conf.get("zpark.files")):
                self.addFile(path)
            for path in _listed(self._conf.get("zpark.archives")):
                self.addArchive(path)
        except BaseException:
            self.stop()
            raise

    @classmethod
    def getOrCreate(cls, conf=None):
        with cls._lock:
            if cls._active_spark_context is None:
                cls(conf=conf or SparkConf())
            return cls._active_spark_context

    @property
    def version(self):
        return SPARK_VERSION

    def sparkUser(self):
        return getpass.getuser()

    def _files_folder(self):
        """The application's folder for added files and archives (created by the first of them)."""
        root = SparkFiles._root_directory
        if root is None:
            base = self._conf.get("zpark.files.dir") or tempfile.gettempdir()
            root = SparkFiles._root_directory = tempfile.mkdtemp(prefix="zpark-files-", dir=base)
            os.chmod(root, 0o755)
            self._shared_properties[ROOT_PROPERTY] = root
            self._files_root = root
        return root

    def addFile(self, path, recursive=False):
        """Copy ``path`` into the application's files folder, where SparkFiles.get(name) finds it."""
        root = self._files_folder()
        path = _local_path(path)
        if "file:" + path in self._added_files:
            return                                       # added before: ignored, as in Spark
        self._added_files.append("file:" + path)
        target = os.path.join(root, os.path.basename(path.rstrip("/")))
        if os.path.isdir(path):
            if not recursive:
                raise ValueError("%s is a directory: addFile(path, recursive=True) adds directories" % path)
            shutil.copytree(path, target, dirs_exist_ok=True)
        else:
            shutil.copy(path, target)

    def addArchive(self, path):
        """Unpack a .zip, .jar, .tar, .tar.gz or .tgz archive into the files folder: ``SparkFiles.get(name)``
        is the folder holding its contents, ``name`` being the archive's file name or the part after '#'."""
        path, _, alias = path.partition("#")
        path = _local_path(path)
        if "file:" + path in self._added_archives:
            return
        formats = {".zip": "zip", ".jar": "zip", ".tar": "tar", ".tar.gz": "gztar", ".tgz": "gztar"}
        kind = next((f for suffix, f in formats.items() if path.lower().endswith(suffix)), None)
        if kind is None:
            raise ValueError("addArchive: %s is not a .zip, .jar, .tar, .tar.gz or .tgz archive" % path)
        target = os.path.join(self._files_folder(), alias or os.path.basename(path))
        shutil.unpack_archive(path, target, kind)
        self._added_archives.append("file:" + path + ("#" + alias if alias else ""))

    @property
    def listArchives(self):
        """The archives added with addArchive, as URIs."""
        return list(self._added_archives)

    @property
    def listFiles(self):
        """The files added with addFile, as URIs."""
        return list(self._added_files)

    def addPyFile(self, path):
        """A .py, .zip or .egg file importable by the driver and by the tasks of later jobs (their
        executors put it on their import path; in a cluster it must be on storage they all see)."""
        entries = add_py_files([path])
        known = [e for e in self._shared_properties.get(PY_FILES_PROPERTY, "").split(os.pathsep) if e]
        self._shared_properties[PY_FILES_PROPERTY] = os.pathsep.join(known + [e for e in entries if e not in known])

    def __repr__(self):
        return "<SparkContext master=%s appName=%s>" % (self.master, self.appName)

    def getConf(self):
        conf = SparkConf()
        for key, value in self._conf.getAll():
            conf.set(key, value)
        return conf

    def stop(self):
        try:
            super().stop()
        finally:
            root = getattr(self, "_files_root", None)
            if root is not None and SparkFiles._root_directory == root:
                shutil.rmtree(root, ignore_errors=True)
                SparkFiles._root_directory = None
            with SparkContext._lock:
                if SparkContext._active_spark_context is self:
                    SparkContext._active_spark_context = None


def _local_path(path):
    return os.path.abspath(path[len("file://"):] if path.startswith("file://") else path)


def _listed(value):
    """The entries of a comma-separated setting (spark.files, spark.archives)."""
    return [entry.strip() for entry in str(value or "").split(",") if entry.strip()]
