"""Where every map output of every shuffle lives (the driver's map-output tracker)."""
from dataclasses import dataclass


@dataclass
class MapStatus:
    executor_id: str
    address: str          # the executor's block server
    tag: int              # the task attempt id that wrote the files (names them on disk)
    sizes: list           # bytes per reduce partition


class MapOutputTracker:
    def __init__(self):
        self._outputs = {}  # shuffle id -> [MapStatus | None] per map partition
        self._blocks = {}   # shuffle id -> {reduce id: blocks_for's answer}, until the shuffle's outputs change

    def register_shuffle(self, shuffle_id, num_maps):
        self._outputs.setdefault(shuffle_id, [None] * num_maps)

    def register(self, shuffle_id, map_index, status):
        self._outputs[shuffle_id][map_index] = status
        self._forget_blocks(shuffle_id)

    def _forget_blocks(self, shuffle_id):
        self._blocks.pop(shuffle_id, None)

    def get(self, shuffle_id, map_index):
        return self._outputs[shuffle_id][map_index]

    def unregister(self, shuffle_id, map_index, executor_id=None):
        """Forget one output (only if it is still the one on ``executor_id``, when given)."""
        status = self._outputs[shuffle_id][map_index]
        if status is not None and (executor_id is None or status.executor_id == executor_id):
            self._outputs[shuffle_id][map_index] = None
            self._forget_blocks(shuffle_id)
            return True
        return False

    def unregister_executor(self, executor_id):
        """Forget everything an executor held; returns {shuffle id: [map indexes lost]}."""
        lost = {}
        for shuffle_id, statuses in self._outputs.items():
            for i, status in enumerate(statuses):
                if status is not None and status.executor_id == executor_id:
                    statuses[i] = None
                    lost.setdefault(shuffle_id, []).append(i)
        for shuffle_id in lost:
            self._forget_blocks(shuffle_id)
        return lost

    def missing(self, shuffle_id):
        return [i for i, s in enumerate(self._outputs.get(shuffle_id, ())) if s is None]

    def is_available(self, shuffle_id):
        return shuffle_id in self._outputs and not self.missing(shuffle_id)

    def blocks_for(self, shuffle_id, reduce_id):
        """The blocks a reader of ``reduce_id`` fetches: ``(map index, executor id, address, file tag)`` of
        every map output with records for it, in map order - empty blocks are skipped, as Spark skips
        zero-sized ones - and ``(map index, None, None, None)`` for a missing output."""
        known = self._blocks.setdefault(shuffle_id, {})
        blocks = known.get(reduce_id)
        if blocks is None:
            blocks = known[reduce_id] = [
                (m, None, None, None) if s is None else (m, s.executor_id, s.address, s.tag)
                for m, s in enumerate(self._outputs[shuffle_id]) if s is None or s.sizes[reduce_id]]
        return blocks

    def remove_shuffle(self, shuffle_id):
        self._outputs.pop(shuffle_id, None)
        self._forget_blocks(shuffle_id)
