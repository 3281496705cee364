"""Sorting, grouping and combining a partition larger than the executor's memory budget.

Records are taken a chunk at a time. After each chunk the executor's resident
memory is compared with the task's share of ``zpark.executor.memory``; when it
is over (see MemoryBudget.should_spill), what is held so far is sorted and
written to a run file on local disk (pickled batches) and dropped, and the
runs are merged lazily at the end.
Below the budget nothing touches the disk and the work is one in-memory sort
or dict. Grouping and combining sort their runs by the keys' portable hash,
so any hashable key works, orderable or not. A map task's combine does not
merge runs: it writes each outgrown dict into its map output (see
combined_rounds).
"""
import ctypes
import heapq
import itertools
import os
import pickle
import tempfile
import time
from operator import itemgetter

import psutil

from ..common import native
from ..common.hashing import portable_hash
from . import columnar, str_columns
from .aggregation import Aggregator, combine_values, dict_of_combined_block, group_into, merge_combiners
from .chunks import CHUNK_RECORDS, chunks, pieces
from .record_batches import pickled_batches

_GROUPING = Aggregator.grouping()
_DISTINCT = Aggregator.distinct()
RUN_BATCH = 4096
HARD_LIMIT = 1.25
MIN_RUN_RECORDS = 1024
# Reading RSS costs about 15 us; a reduce task merging hundreds of small blocks asked after each one, which
# cost more than merging them. Asked at most this often, a task can grow by what it allocates in 5 ms
# (tens of MiB at most) between checks - well within the hard limit's margin.
RSS_CHECK_SECONDS = 0.005
_process = psutil.Process()


class MemoryBudget:
    """The running task's share of executor memory, checked against this process's RSS."""

    learned_run_records = 0   # the largest run cut at the budget in this process

    def __init__(self, budget_bytes, spill_dir):
        self.budget_bytes = budget_bytes
        self.spill_dir = spill_dir
        self._next_check = 0.0

    @classmethod
    def of_task(cls, tc):
        runtime = getattr(tc, "runtime", None)
        if runtime is None:
            return cls(None, tempfile.gettempdir())
        return cls(runtime.task_memory_bytes, runtime.spill_dir)

    def should_spill(self, held_records):
        """True when the ``held_records`` records held so far should go to a run file.

        RSS rarely falls when a run is written or a task ends: the allocator
        keeps freed memory for reuse, so the next records fit in it without
        RSS growing. Spilling whenever RSS is over the budget would then cut
        a tiny run after every chunk. So, over the budget, a run is cut only
        once it holds as many records as the largest run this executor has
        cut at the budget before (``learned_run_records``); past
        ``HARD_LIMIT`` times the budget it is cut at once. A run is never cut
        below MIN_RUN_RECORDS records: so few free nothing and cost a file.
        """
        if self.budget_bytes is None or held_records < MIN_RUN_RECORDS:
            return False
        now = time.monotonic()
        if now < self._next_check:
            return False          # RSS was read moment ago (see RSS_CHECK_SECONDS)
        self._next_check = now + RSS_CHECK_SECONDS
        rss = _process.memory_info().rss
        if rss > self.budget_bytes * HARD_LIMIT:
            return True
        return rss > self.budget_bytes and held_records >= MemoryBudget.learned_run_records

    @classmethod
    def ran(cls, held_records):
        """Note a run of ``held_records`` records written (see should_spill)."""
        cls.learned_run_records = max(cls.learned_run_records, held_records)
        release_free_memory()

    def column_records(self):
        """How many records a task may hold as numpy columns (16 bytes each, a few copies while summing)."""
        return float("inf") if self.budget_bytes is None else self.budget_bytes // 64

    def settle(self):
        """At a task's start: when RSS is over the budget, hand back what earlier tasks freed."""
        if self.budget_bytes is not None and _process.memory_info().rss > self.budget_bytes:
            release_free_memory()

    def write_run(self, batches, tc=None):
        """Pickle an iterable of record lists into a new run file; returns its path."""
        fd, path = tempfile.mkstemp(prefix="run-", suffix=".spill", dir=self.spill_dir)
        with os.fdopen(fd, "wb") as f:
            for batch in batches:
                pickle.dump(batch, f, 5)
        if tc is not None:
            tc.add_metric("spill_count", 1)
            tc.add_metric("spill_bytes_written", os.path.getsize(path))
        return path


def _find_malloc_trim():
    """glibc's malloc_trim among the running process's symbols (no ldconfig lookup at import)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc: RSS keeps what the allocator holds


_malloc_trim = _find_malloc_trim()


def release_free_memory():
    """Return memory the C allocator holds but no object uses to the OS (glibc's malloc_trim).

    Without it RSS stays near its peak after a run is written, RSS creeps up
    with each run (ordering groups for a run takes memory too), and past the
    hard limit every chunk is cut as a run: in bench/memory.py's grouping,
    171 runs and 72 s before, 34 runs and 24 s after.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


def read_run(path):
    """The records of a run file, in order; the file is deleted once read (or abandoned)."""
    try:
        with open(path, "rb") as f:
            for batch in pickled_batches(f):
                yield from batch
    finally:
        os.unlink(path)


def sorted_list(records, key, reverse):
    """``records`` (a list) in the order ``records.sort(key=key, reverse=reverse)`` gives it: the list
    itself, sorted, or a new one.

    Python's sort compares lone int, float or str keys at C speed, but tuple keys (sortBy's usual
    ``lambda r: (r.age, r.name)``) item by item through generic calls, three times slower. The
    compiled extension orders tuples of exact int/float/str/bytes itself, in the same stable order,
    and declines any other key; the keys it was given are then sorted here, so the key function runs
    once a record (and once more on the first, to see whether its keys are tuples at all). While it
    sorts, the extension holds about 90 bytes a record beside the records (the key list, each key's
    items, a 40-byte entry and the new list; list.sort about 8-16): a sort near the memory budget
    peaks that much higher.
    """
    if native.extension is None or len(records) < 2 or type(key(records[0])) is not tuple:
        records.sort(key=key, reverse=reverse)
        return records
    keys = list(map(key, records))
    ordered = native.extension.sorted_by_keys(records, keys, reverse)
    if ordered is None:   # the same comparisons records.sort(key=key) makes, on the keys at hand
        ordered = [records[i] for i in sorted(range(len(records)), key=keys.__getitem__, reverse=reverse)]
    return ordered


def _batched(records):
    for i in range(0, len(records), RUN_BATCH):
        yield records[i:i + RUN_BATCH]


def external_sorted(records, key, reverse, tc):
    """``sorted(records, key=key, reverse=reverse)`` within the task's memory budget (a stable sort).

    The records sorted in memory last are held twice while they are read: as
    sorted and as they came in (8 bytes a record), to be freed in that order.
    """
    budget = MemoryBudget.of_task(tc)
    budget.settle()
    held, runs = [], []
    for chunk in chunks(records):
        held.extend(chunk)
        del chunk
        if budget.should_spill(len(held)):
            held = sorted_list(held, key, reverse)
            runs.append(budget.write_run(_batched(held), tc))
            count, held = len(held), []
            budget.ran(count)
    arrival = list(held)
    held = sorted_list(held, key, reverse)
    in_memory = _yielded_then_freed_in_arrival_order(held, arrival)
    del held, arrival
    if not runs:
        return in_memory
    streams = [read_run(path) for path in runs] + [in_memory]
    return heapq.merge(*streams, key=key, reverse=reverse)


def _yielded_then_freed_in_arrival_order(ordered, arrival):
    """The sorted records, one by one; once done with, they are freed in the order they came in.

    Freeing a record touches its objects (a tuple, its items, the key's);
    records that came in together lie together in memory, so freed in their
    arrival order those reads follow each other, while in sorted order each
    one lands somewhere else: 125,000 (key, person) pairs of a sortBy
    partition took 70-180 ms to free in sorted order and 35-65 ms in arrival
    order (the list in sorted order then only lowers reference counts, 1-3 ms;
    a list frees its items last to first, which reads memory in sequence too).
    """
    try:
        yield from ordered
    finally:
        # First the sorted list (reference counts only: ``arrival`` still holds every record), then
        # the records themselves, in arrival order.
        del ordered, arrival


def external_group(records, tc):
    """(key, [values]) for (key, value) records, within the task's memory budget."""
    return _combined_within_budget(pieces(records), group_into, _GROUPING, tc)


def external_combine(records, aggregator, tc):
    """``combine_values(records, aggregator).items()`` within the task's memory budget."""
    def fold(combined, chunk):
        combine_values(chunk, aggregator, combined)
    return _combined_within_budget(pieces(records), fold, aggregator, tc)


def merged_combiners(blocks, aggregator, tc, in_columns=False):
    """The reduce side of a combined shuffle, within the task's memory budget: (key, combiner) items.

    ``blocks`` holds, per map output, its ``(keys, values)`` batches for this
    partition; the first becomes the dict at C speed (see
    aggregation.dict_of_combined_block), the rest are merged a batch at a time.
    ``in_columns``: the shuffle's map side summed in numpy columns where it could.
    """
    if in_columns:
        summed, blocks = columnar.summed_blocks(blocks, MemoryBudget.of_task(tc).column_records())
        if summed is not None:
            return summed
    blocks = iter(blocks)
    first = dict_of_combined_block(next(blocks, []), aggregator)
    batches = ((len(keys), zip(keys, values)) for keys, values in itertools.chain.from_iterable(blocks))

    def fold(combined, records):
        merge_combiners(records, aggregator, combined)
    return _combined_within_budget(batches, fold, aggregator, tc, first)


def distinct_keys(blocks, tc):
    """The reduce side of a distinct() shuffle, within the task's memory budget: each key once, first seen
    first (the first of equal keys kept). ``blocks`` holds, per map output, its ``(keys, None)`` batches.

    Str keys go to the compiled extension's FirstSeen while it is there (see _distinct_in_native_set);
    the rest fold into a {key: None} dict, spilled by hash past the budget.
    """
    batches = itertools.chain.from_iterable(blocks)
    if native.extension is not None:
        kept, batches = _distinct_in_native_set(batches, tc)
        if kept is not None:
            return kept
    keyed = ((len(keys), zip(str_columns.as_list(keys), itertools.repeat(None))) for keys, _ in batches)
    return map(itemgetter(0), _combined_within_budget(keyed, dict.update, _DISTINCT, tc))


def _distinct_in_native_set(batches, tc):
    """distinct()'s reduce side in the compiled extension's FirstSeen (str keys compared as UTF-8, cheaper
    than a dict's inserts; a str column's repeats never become objects): (the keys in first-seen order,
    None); or (None, batches for the dict path, the keys kept so far first) at the first batch whose
    keys are not all str, or when the keys kept outgrow the memory budget (the dict path spills)."""
    budget = MemoryBudget.of_task(tc)
    budget.settle()
    kept = native.extension.FirstSeen()
    for keys, values in batches:
        if type(keys) is str_columns.EncodedStrs:
            kept.add_encoded(keys.lengths, keys.text)
            added = True
        else:
            added = type(keys) is list and kept.add(keys)
        if not added or budget.should_spill(len(kept)):
            return None, itertools.chain([(kept.keys(), None), (keys, values)], batches)
    return iter(kept.keys()), None


def combined_rounds(records, aggregator, tc, combiners=None):
    """A map task's combine_values in rounds: each dict that outgrows the memory budget is handed out whole.

    The caller writes each round out before the next starts; a key may then
    appear once per round in the map output, which the reduce side merges.
    ``combiners``: a dict the first round starts from (records combined already).
    """
    budget = MemoryBudget.of_task(tc)
    budget.settle()
    combiners = {} if combiners is None else combiners
    for _, records in pieces(records):
        combine_values(records, aggregator, combiners)
        if budget.should_spill(len(combiners)):
            held = len(combiners)
            yield combiners
            combiners = {}
            budget.ran(held)
    yield combiners


def external_cogroup(sides, kind, tc):
    """``kind.emit(*groups)`` of each side's {key: [values]}, within the task's memory budget.

    Under the budget that is one call on whole-partition groups. Over it,
    the groups held so far become a run of (hash, key, [values per side])
    entries; at the end the runs are merged by hash and ``emit`` is called
    on the groups of EMIT_KEYS keys at a time (a key's values from every run
    and side are gathered first), so joins and cogroup stay bounded too.

    A join (a joins.JoinKind with ``emit_single_values``) first tries not to
    group at all: each side whose keys all differ is read into a plain
    {key: value} table at C speed. Two tables are joined by
    ``emit_single_values``; one side that repeats keys next to a table is
    streamed past it (``emit_left_streamed`` / ``emit_right_streamed``, the
    hash join one writes by hand), where the kind can do that. Anything
    else - both sides repeat, the budget runs out, the kind cannot stream
    that side - groups every side, records read so far first.
    """
    if kind.emit_single_values is not None:
        left_table, right_table, left, right = _join_tables(sides, tc, kind)
        if left_table is not None and right_table is not None:
            return kind.emit_single_values(left_table, right_table)
        if right_table is not None and kind.emit_left_streamed is not None:
            return kind.emit_left_streamed(left, right_table)
        if left_table is not None and kind.emit_right_streamed is not None:
            return kind.emit_right_streamed(left_table, right)
        sides = [left, right]
    def fold(groups, side_and_records):
        side, records = side_and_records
        group_into(groups[side], records)
    sided = ((size, (side, records)) for side, records_of_side in enumerate(sides)
             for size, records in pieces(records_of_side))
    groups, runs = _folded_within_budget(sided, fold, lambda: [{} for _ in sides], _sides_by_hash, tc)
    if not runs:
        return kind.emit(*groups)
    streams = [read_run(path) for path in runs] + [iter(_sides_by_hash(groups))]
    return _emitted_by_hash(heapq.merge(*streams, key=itemgetter(0)), kind.emit, len(sides))


TABLE_PIECE = 4096


def _join_tables(sides, tc, kind):
    """(left table, right table, left records, right records) of a join's two sides.

    A table is the side's {key: value} when its keys all differ, else None;
    the records are an iterator of all of the side's records, those read
    so far first, in their order (the table's items for a table). The right
    side is not read when the left repeats a key and ``kind`` cannot stream
    the left side. Past the memory budget neither table is returned.
    """
    budget = MemoryBudget.of_task(tc)
    budget.settle()
    left, right = sides
    left_table, left, count, over = _table_of(left, budget, 0)
    if over or (left_table is None and kind.emit_left_streamed is None):
        return None, None, left, iter(right)
    right_table, right, count, over = _table_of(right, budget, count)
    if over:
        return None, None, left, right
    return left_table, right_table, left, right


def _table_of(records, budget, count):
    """(table or None, the side's records, records read by now, over the budget) - see _join_tables.

    ``count`` is what the sides read before this one hold, for the budget.
    """
    records = iter(records)
    table = {}
    checked = count
    for piece in chunks(records, TABLE_PIECE):
        count += len(piece)
        try:
            fresh = dict(piece)
        except (TypeError, ValueError):
            fresh = None  # not pairs, or an unhashable key: grouping or streaming names the record
        over = False
        if count - checked >= CHUNK_RECORDS:
            checked = count
            over = budget.should_spill(count)
        if fresh is None or len(fresh) != len(piece) or not table.keys().isdisjoint(fresh) or over:
            return None, itertools.chain(table.items(), piece, records), count, over
        table.update(fresh)
    return table, iter(table.items()), count, False


EMIT_KEYS = 4096


def _sides_by_hash(groups):
    """(hash, key, [values of each side]) for every key of the groups, ordered by hash."""
    keys = dict.fromkeys(itertools.chain.from_iterable(groups))
    entries = [(portable_hash(k), k, [g.get(k) or [] for g in groups]) for k in keys]
    entries.sort(key=itemgetter(0))
    return entries


def _emitted_by_hash(entries, emit, sides):
    """emit(*groups) over runs merged by hash, EMIT_KEYS keys at a time, cut only between hashes."""
    groups, keys = [{} for _ in range(sides)], 0
    for _, same_hash in itertools.groupby(entries, key=itemgetter(0)):
        for _, key, side_values in same_hash:
            for group, values in zip(groups, side_values):
                if values:
                    held = group.get(key)
                    if held is None:
                        group[key] = values
                    else:
                        held.extend(values)
            keys += 1
        if keys >= EMIT_KEYS:
            yield from emit(*groups)
            groups, keys = [{} for _ in range(sides)], 0
    if keys:
        yield from emit(*groups)


def _combined_within_budget(pieces, fold, aggregator, tc, combined=None):
    """Folds each (size, records) piece into a dict within the budget; returns the (key, combiner) items.

    The dict's items alone when nothing was spilled, else the runs and the
    dict merged by hash, equal keys' combiners merged as ``aggregator`` merges them.
    """
    held = len(combined) if combined else 0
    combined, runs = _folded_within_budget(pieces, fold, dict, _by_hash, tc, combined, held)
    if not runs:
        return iter(combined.items())
    streams = [read_run(path) for path in runs] + [iter(_by_hash(combined))]
    return _merge_by_hash(heapq.merge(*streams, key=itemgetter(0)), aggregator)


def _folded_within_budget(pieces, fold, fresh, by_hash, tc, held=None, count=0):
    """``fold(held, piece)`` for each (size, piece); over the budget ``by_hash(held)`` becomes a run.

    ``held`` starts as given (holding ``count`` records) or ``fresh()``.
    Returns what is held at the end and the run files' paths; after a run,
    folding goes on into a new ``fresh()``.
    """
    budget = MemoryBudget.of_task(tc)
    budget.settle()
    held = fresh() if held is None else held
    runs = []
    for size, piece in pieces:
        fold(held, piece)
        count += size
        if budget.should_spill(count):
            runs.append(budget.write_run(_batched(by_hash(held)), tc))
            held = fresh()
            budget.ran(count)
            count = 0
    return held, runs


def _by_hash(groups):
    """(hash, key, values) of each group, ordered by hash."""
    entries = [(portable_hash(k), k, v) for k, v in groups.items()]
    entries.sort(key=itemgetter(0))
    return entries


def _merge_by_hash(entries, aggregator):
    """Runs merged by hash -> one (key, combiner) per key; equal hashes are told apart by key."""
    key_and_combiner = itemgetter(1, 2)
    for _, same_hash in itertools.groupby(entries, key=itemgetter(0)):
        yield from merge_combiners(map(key_and_combiner, same_hash), aggregator).items()
