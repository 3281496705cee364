"""What kind of RDD an RDD is: its dependencies, its partitions, and how one partition is computed.

An ``RDD`` (rdd/base.py) is the user's handle - the API, an id, a storage
level - and holds one ``Kind``. Kinds know their parents only as RDD
objects they call ``iterator``/``partitions`` on, so the modules that
define kinds never import the RDD class, and the RDD's transformations can
construct kinds without an import cycle. A kind is pickled with its RDD into
the stage binary; what only the driver needs is dropped in ``__getstate__``.
"""


class Kind:
    """Subclasses set ``deps`` and may set ``partitioner``; their class name plus "RDD" is the RDD's name."""

    deps = ()
    partitioner = None
    lazy_id = False         # True: the RDD takes its id on first use (see MapPartitions.pipelined)

    @property
    def name(self):
        return type(self).__name__ + "RDD"

    def partitions(self):
        raise NotImplementedError

    def compute(self, split, tc):
        """Iterator over one partition's records; runs inside a task on an executor."""
        raise NotImplementedError

    def user_functions(self):
        """Functions the user gave this RDD (checked for captured RDDs/Contexts before shipping)."""
        return []
