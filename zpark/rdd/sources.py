"""Kinds of RDD that read data: a driver-side collection, text files, whole files, pickle files."""
import glob
import os
import sys
import pickle

from ..data.compression import is_compressed
from ..common import serialization
from ..common.serialization import load_renamed
from ..data.line_reader import line_batches
from ..data.record_batches import pickled_batches, records_of
from .kind import Kind
from .partitions import FileGroup, FileSplit, ParallelPartition


class ParallelCollection(Kind):
    """A driver-side collection cut into slices; each task carries its own slice.

    Slices are pickled here, when ``parallelize`` is called (as PySpark
    does): data that cannot be shipped fails at once, naming the object,
    and a retried task ships bytes instead of pickling its slice again.
    Ranges stay ranges (a few bytes however long).
    """

    def __init__(self, data, num_slices):
        self.deps = []
        self._slices = [s if isinstance(s, range) else
                        serialization.dumps_data(s, "the data given to parallelize() (slice %d)" % i)
                        for i, s in enumerate(_slice(data, num_slices))]

    def partitions(self):
        return [ParallelPartition(i, s) for i, s in enumerate(self._slices)]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_slices", None)   # each task carries its own slice in its partition
        return state

    def compute(self, split, tc):
        values = split.values if isinstance(split.values, range) else serialization.loads(split.values)
        if tc is not None:
            tc.add_metric("input_records_read", len(values))
        return records_of([values], tc)


def _slice(data, n):
    if not isinstance(data, range):
        data = list(data)
    size = len(data)
    return [data[size * i // n: size * (i + 1) // n] for i in range(n)]


def _count_input(tc, records, nbytes):
    """Input metrics of the running task (absent when computed outside a task)."""
    if tc is not None:
        tc.add_metric("input_records_read", records)
        tc.add_metric("input_bytes_read", nbytes)


def expand_paths(path):
    """A file, a directory (its visible files), a glob, or a comma-separated list of those."""
    found = []
    for part in str(path).split(","):
        part = part.strip()
        if part.startswith("file:"):
            part = part[5:]
        matches = sorted(glob.glob(part)) if glob.has_magic(part) else [part]
        for match in matches:
            if os.path.isdir(match):
                found.extend(sorted(os.path.join(match, f) for f in os.listdir(match)
                                    if not f.startswith((".", "_"))
                                    and os.path.isfile(os.path.join(match, f))))
            elif os.path.exists(match):
                found.append(match)
    if not found:
        raise FileNotFoundError("Input path does not exist: %s" % path)
    return [os.path.abspath(f) for f in found]



class Empty(ParallelCollection):
    """``emptyRDD()``: no partitions, reported as PySpark names it."""

    def __init__(self):
        super().__init__([], 0)

    @property
    def name(self):
        return "EmptyRDD"

class _FileSource(Kind):
    """A source whose partitions are computed on the driver once and then travel with the tasks."""

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_layout", None)
        return state


class TextFile(_FileSource):
    """Lines of text files, split into byte ranges; a line belongs to the split its first byte is in."""

    def __init__(self, path, min_partitions, use_unicode=True):
        self.deps = []
        self.path = path
        self.use_unicode = use_unicode
        files = expand_paths(path)
        sizes = [os.path.getsize(f) for f in files]
        goal = max(1, sum(sizes) // max(1, min_partitions))
        self._layout = []
        for f, size in zip(files, sizes):
            if is_compressed(f):
                self._layout.append((f, 0, sys.maxsize))      # read whole: a compressed file cannot split
                continue
            start = 0
            while size - start > goal * 1.1:
                self._layout.append((f, start, start + goal))
                start += goal
            self._layout.append((f, start, size))

    def partitions(self):
        return [FileSplit(i, *s) for i, s in enumerate(self._layout)]

    def compute(self, split, tc):
        return records_of(self._batches(split, tc), tc)

    def _batches(self, split, tc):
        counts = {}
        try:
            yield from line_batches(split.path, split.start, split.end, self.use_unicode, counts)
        finally:
            _count_input(tc, counts["lines"], counts["bytes"])


class WholeTextFiles(_FileSource):
    """(path, content) per file, files grouped into partitions."""

    def __init__(self, path, min_partitions):
        self.deps = []
        files = expand_paths(path)
        n = max(1, min(min_partitions, len(files)))
        self._layout = [files[len(files) * i // n: len(files) * (i + 1) // n] for i in range(n)]

    def partitions(self):
        return [FileGroup(i, g) for i, g in enumerate(self._layout)]

    def compute(self, split, tc):
        for path in split.paths:
            with open(path, encoding="utf-8") as f:
                content = f.read()
            _count_input(tc, 1, os.path.getsize(path))
            yield "file:" + path, content


class BinaryFiles(WholeTextFiles):
    """(path, bytes) per file (binaryFiles), or the file's fixed-length records (binaryRecords)."""

    def __init__(self, path, min_partitions, record_length=None):
        super().__init__(path, min_partitions)
        self.record_length = record_length

    def compute(self, split, tc):
        for path in split.paths:
            with open(path, "rb") as f:
                content = f.read()
            _count_input(tc, 1, len(content))
            if self.record_length is None:
                yield "file:" + path, content
                continue
            if len(content) % self.record_length:
                raise ValueError("%s holds %d bytes, not a whole number of %d-byte records"
                                 % (path, len(content), self.record_length))
            for start in range(0, len(content), self.record_length):
                yield content[start:start + self.record_length]


class PickleFile(_FileSource):
    """Objects written by saveAsPickleFile: each part file is a sequence of pickled batches.

    Files written by earlier zpark versions may name classes by module paths
    that have moved since; ``load_renamed`` resolves those.
    """

    def __init__(self, path, min_partitions):
        self.deps = []
        self._layout = [[f] for f in expand_paths(path)]   # a folder's visible files: not _SUCCESS

    def partitions(self):
        return [FileGroup(i, g) for i, g in enumerate(self._layout)]

    def compute(self, split, tc):
        return records_of(self._batches(split, tc), tc)

    def _batches(self, split, tc):
        for path in split.paths:
            with open(path, "rb") as f:
                try:
                    for batch in pickled_batches(f, load_renamed):
                        if not isinstance(batch, list):
                            raise ValueError("it holds a %s, not batches of records" % type(batch).__name__)
                        _count_input(tc, len(batch), 0)
                        yield batch
                except (pickle.UnpicklingError, ValueError, EOFError, ImportError, AttributeError) as exc:
                    raise ValueError("%s is not a file written by saveAsPickleFile: %s: %s"
                                     % (path, type(exc).__name__, exc)) from None
                _count_input(tc, 0, f.tell())
