"""A batch of str keys as one column of UTF-8 text: how distinct() shuffles str records.

Pickling a list of str writes, and unpickling makes, one object per key; a
distinct() reducer then drops most of them again as repeats. As a column
(every key's UTF-8 byte length, then the bytes end to end) the compiled
extension splits a map task's keys by partition in one pass and the
reducer's first-seen set (FirstSeen.add_encoded) makes a str only for a key
it has not seen. Columns come only from the extension; ``EncodedStrs.decode``
is the pure-Python reader, for a reducer without it and for the tests.
"""
import itertools
import sys
from array import array


class EncodedStrs:
    """A column of str keys: ``lengths`` (little-endian uint32 UTF-8 byte lengths) and ``text``."""

    __slots__ = ("lengths", "text")

    def __init__(self, lengths, text):
        self.lengths = lengths
        self.text = text

    def __reduce__(self):
        return EncodedStrs, (self.lengths, self.text)

    def __len__(self):
        return len(self.lengths) // 4

    def decode(self):
        """The keys as a list of str, in order; ValueError when the column does not add up."""
        lengths = array("I")
        if lengths.itemsize != 4 or len(self.lengths) % 4:
            raise ValueError("a str column's lengths are not uint32s")
        lengths.frombytes(self.lengths)
        if sys.byteorder == "big":
            lengths.byteswap()
        ends = list(itertools.accumulate(lengths))
        if (ends[-1] if ends else 0) != len(self.text):
            raise ValueError("a str column's lengths do not add up to its text")
        text = self.text
        return [str(text[start:end], "utf-8") for start, end in zip([0] + ends[:-1], ends)]


def partitioned(keys, partitioner):
    """[(partition, EncodedStrs, None)] of a list of str keys split as ``partitioner`` splits them, in
    partition order (what the shuffle writer's _by_partition gives for keys alone); None when the
    extension is missing, the partitioner is not portable_hash's, or a key is not a plain str."""
    splitter = partitioner.native_splitter()
    if splitter is None:
        return None
    columns = splitter.partition_strs(keys, partitioner.numPartitions)
    if columns is None:
        return None
    return [(part, EncodedStrs(lengths, text), None) for part, lengths, text in columns]


def as_list(keys):
    """A batch's keys as a list, whether they travelled as a list or as a column."""
    return keys.decode() if type(keys) is EncodedStrs else keys
