"""The values of one key after a grouping (PySpark's ResultIterable)."""


class ResultIterable(list):
    """A list underneath, so ``len()`` and iteration run at C speed in the
    user's functions (PageRank calls ``len`` once per link); ``data`` and
    ``maxindex`` are PySpark's attribute names.
    """

    __slots__ = ()

    @property
    def data(self):
        return self

    @property
    def maxindex(self):
        return len(self)

    def __repr__(self):
        return "ResultIterable(%s)" % list.__repr__(self)
