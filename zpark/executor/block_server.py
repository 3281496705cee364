"""Serves this executor's shuffle blocks and cached partitions to peers (its own thread and socket)."""
import logging
import struct
import threading

import zmq

from ..common import messages, protocol

log = logging.getLogger(__name__)


# Requests are small (block ids): these caps keep a flood from taking the spill budget.
MAX_REQUEST_BYTES = 1 << 20
MAX_QUEUED_REQUESTS = 64          # per peer: at most 64 MiB waiting for one peer


class BlockServer:
    """Its socket admits only its application's peers (with crypto on, their CURVE key; always,
    messages signed with the application's secret): another application cannot fetch its blocks."""

    def __init__(self, zmq_context, codec, store, bind_host, advertise_host, port=0):
        self.codec = codec
        self.store = store
        self.socket, port = protocol.bind_router(zmq_context, bind_host, port, MAX_REQUEST_BYTES, codec.keys,
                                                 MAX_QUEUED_REQUESTS)
        self.address = "tcp://%s:%d" % (advertise_host, port)
        self._stop = threading.Event()
        # stop() wakes the server's poll through this pair, so an executor's shutdown does not wait out
        # a poll timeout (it waited 50 ms on average, paid by every Context.stop()).
        self._wake_in, self._wake_out = protocol.wake_pair(zmq_context, "block-server-wake")
        self._thread = threading.Thread(target=self._serve, name="block-server", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._wake_out.send(b"", zmq.NOBLOCK)
        self._thread.join(timeout=2)

    def _serve(self):
        poller = zmq.Poller()
        poller.register(self.socket, zmq.POLLIN)
        poller.register(self._wake_in, zmq.POLLIN)
        while not self._stop.is_set():
            if self.socket not in dict(poller.poll(100)):
                continue
            frames = self.socket.recv_multipart()
            peer, frames = frames[0], frames[1:]
            try:
                header, _ = self.codec.decode(frames)
                request = messages.decode(header, (messages.FetchBlocks, messages.FetchCached))
            except (protocol.AuthenticationError, messages.BadMessage) as exc:
                protocol.refusals.warn(log, ("block server", peer), "block server dropped a message: %s", exc)
                continue
            try:
                reply, payload = self._answer(request)
            except Exception as exc:  # noqa: BLE001 - a bad request must not stop the server
                reply, payload = messages.Error("%s: %s" % (type(exc).__name__, exc), request.request_id), []
            try:
                self.socket.send_multipart([peer] + self.codec.encode_message(reply, payload), copy=False)
            except zmq.ZMQError:
                pass  # the peer went away

    def _answer(self, request):
        if isinstance(request, messages.FetchBlocks):
            statuses, blocks = [], []
            for shuffle_id, map_index, tag, reduce_id in request.blocks:
                try:
                    data, crc = self.store.read_shuffle_segment(shuffle_id, map_index, tag, reduce_id)
                except (OSError, ValueError, struct.error) as exc:
                    statuses.append([False, _without_paths(exc), 0])
                    continue
                statuses.append([True, crc, len(data)])
                blocks.append(data)
            return messages.Blocks(request.request_id, statuses), coalesced(blocks)
        data = self.store.partition_bytes((request.rdd_id, request.partition))
        return messages.Cached(request.request_id, data is not None), [data or b""]


FRAME_BYTES = 1 << 20


def coalesced(blocks, frame_bytes=FRAME_BYTES):
    """The blocks as few frames: runs of small blocks joined up to ``frame_bytes`` each, a larger block alone.

    A reply of a hundred small blocks as a hundred frames cost the server a
    millisecond to send: each frame is a send that releases the GIL, and a
    busy task thread in this executor takes it back for up to the switch
    interval every time. The reader cuts the frames back into blocks by the
    lengths in the reply's status.
    """
    frames, run, size = [], [], 0
    for block in blocks:
        if not block:
            continue
        if run and size + len(block) > frame_bytes:
            frames.append(b"".join(run))
            run, size = [], 0
        run.append(block)
        size += len(block)
    if run:
        frames.append(b"".join(run) if len(run) > 1 else run[0])
    return frames


def _without_paths(exc):
    """An error's reason for a peer, without the absolute file paths of this machine."""
    if isinstance(exc, OSError) and exc.filename:
        return "%s: %s" % (type(exc).__name__, exc.strerror or "unreadable")
    return "%s: %s" % (type(exc).__name__, exc)
