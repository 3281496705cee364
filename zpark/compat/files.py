"""``pyspark.files``: SparkFiles, where files given to ``addFile`` are found, on the driver and in tasks.

``addFile`` copies a file into the application's files folder; its jobs carry
that folder to their tasks (a local property), so ``SparkFiles.get(name)`` in
a task names the same copy. Local mode's executors share the driver's disk;
in a cluster the folder must be on storage every executor sees (the compose
file's data volume, ``zpark.files.dir``).
"""
import os

from ..common.task_context import TaskContext

ROOT_PROPERTY = "zpark.files.root"


class SparkFiles:
    _root_directory = None        # set on the driver by the first addFile

    def __init__(self):
        raise NotImplementedError("Do not construct SparkFiles objects")

    @classmethod
    def getRootDirectory(cls):
        tc = TaskContext.get()
        if tc is not None and tc.getLocalProperty(ROOT_PROPERTY):
            return tc.getLocalProperty(ROOT_PROPERTY)
        return cls._root_directory

    @classmethod
    def get(cls, filename):
        root = cls.getRootDirectory()
        if root is None:
            raise FileNotFoundError("no file was added with addFile(); %r is unknown" % filename)
        return os.path.join(root, filename)
