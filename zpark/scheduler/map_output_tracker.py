"""Where every map output of every shuffle lives (the driver's map-output tracker)."""
from dataclasses import dataclass


@dataclass
class MapStatus:
    executor_id: str
    address: str          # the executor's block server
    tag: int              # the task attempt id that wrote the files (names them on disk)
    sizes: dict           # {reduce partition: bytes} of the non-empty blocks


class MapOutputTracker:
    """Map statuses per shuffle, with what a reader needs kept at the cost of the blocks that exist.

    A shuffle of M maps into R partitions has M x R possible blocks but usually far fewer non-empty ones
    (a wide shuffle of small data); every answer here costs the non-empty blocks and the maps, never
    M x R, so many partitions stay cheap.
    """

    def __init__(self):
        self._outputs = {}  # shuffle id -> [MapStatus | None] per map partition
        self._missing = {}  # shuffle id -> {map indexes without an output}
        self._readers = {}  # shuffle id -> ({reduce id: blocks_for's answer}, missing), until its outputs change

    def register_shuffle(self, shuffle_id, num_maps):
        if shuffle_id not in self._outputs:
            self._outputs[shuffle_id] = [None] * num_maps
            self._missing[shuffle_id] = set(range(num_maps))

    def register(self, shuffle_id, map_index, status):
        self._outputs[shuffle_id][map_index] = status
        self._missing[shuffle_id].discard(map_index)
        self._readers.pop(shuffle_id, None)

    def get(self, shuffle_id, map_index):
        return self._outputs[shuffle_id][map_index]

    def _lose(self, shuffle_id, map_index):
        self._outputs[shuffle_id][map_index] = None
        self._missing[shuffle_id].add(map_index)
        self._readers.pop(shuffle_id, None)

    def unregister(self, shuffle_id, map_index, executor_id=None):
        """Forget one output (only if it is still the one on ``executor_id``, when given)."""
        status = self._outputs[shuffle_id][map_index]
        if status is not None and (executor_id is None or status.executor_id == executor_id):
            self._lose(shuffle_id, map_index)
            return True
        return False

    def unregister_executor(self, executor_id):
        """Forget everything an executor held; returns {shuffle id: [map indexes lost]}."""
        lost = {}
        for shuffle_id, statuses in self._outputs.items():
            for i, status in enumerate(statuses):
                if status is not None and status.executor_id == executor_id:
                    lost.setdefault(shuffle_id, []).append(i)
        for shuffle_id, indexes in lost.items():
            for i in indexes:
                self._lose(shuffle_id, i)
        return lost

    def missing(self, shuffle_id):
        return sorted(self._missing.get(shuffle_id, ()))

    def is_available(self, shuffle_id):
        return shuffle_id in self._outputs and not self._missing[shuffle_id]

    def blocks_for(self, shuffle_id, reduce_id):
        """The blocks a reader of ``reduce_id`` fetches: ``(map index, executor id, address, file tag)`` of
        every map output with records for it, in map order - empty blocks are skipped, as Spark skips
        zero-sized ones - and ``(map index, None, None, None)`` for a missing output."""
        found = self._readers.get(shuffle_id)
        if found is None:
            found = self._readers[shuffle_id] = self._index_by_reduce(shuffle_id)
        readers, missing = found
        return readers.get(reduce_id, missing)   # missing alone: no map wrote records for it

    def _index_by_reduce(self, shuffle_id):
        """({reduce id: its blocks} of every reduce id some map wrote to, in one pass over the statuses;
        the missing outputs' entries, which every reader gets)."""
        missing = [(m, None, None, None) for m in sorted(self._missing[shuffle_id])]
        readers = {}
        for m, status in enumerate(self._outputs[shuffle_id]):
            if status is not None:
                block = (m, status.executor_id, status.address, status.tag)
                for reduce_id in status.sizes:
                    blocks = readers.get(reduce_id)
                    if blocks is None:
                        blocks = readers[reduce_id] = []
                    blocks.append(block)
        if missing:
            for reduce_id, blocks in readers.items():
                readers[reduce_id] = sorted(blocks + missing)
        return readers, missing

    def remove_shuffle(self, shuffle_id):
        self._outputs.pop(shuffle_id, None)
        self._missing.pop(shuffle_id, None)
        self._readers.pop(shuffle_id, None)
