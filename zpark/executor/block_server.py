"""Serves this executor's shuffle blocks and cached partitions to peers (its own thread and socket)."""
import logging
import threading

import zmq

from ..common import protocol

log = logging.getLogger(__name__)


class BlockServer:
    def __init__(self, zmq_context, codec, store, bind_host, advertise_host, port=0):
        self.codec = codec
        self.store = store
        self.socket, port = protocol.bind_router(zmq_context, bind_host, port)
        self.address = "tcp://%s:%d" % (advertise_host, port)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="block-server", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)

    def _serve(self):
        poller = zmq.Poller()
        poller.register(self.socket, zmq.POLLIN)
        while not self._stop.is_set():
            if not poller.poll(100):
                continue
            frames = self.socket.recv_multipart()
            peer, frames = frames[0], frames[1:]
            try:
                header, _ = self.codec.decode(frames)
            except protocol.AuthenticationError as exc:
                log.warning("block server dropped a message: %s", exc)
                continue
            try:
                reply_header, payload = self._answer(header)
            except Exception as exc:  # noqa: BLE001 - a bad request must not stop the server
                reply_header, payload = {"t": "error", "rid": header.get("rid"), "error": str(exc)}, []
            try:
                self.socket.send_multipart([peer] + self.codec.encode(reply_header, payload), copy=False)
            except zmq.ZMQError:
                pass  # the peer went away

    def _answer(self, header):
        kind = header["t"]
        if kind == "fetch":
            statuses, payload = [], []
            for shuffle_id, map_index, tag, reduce_id in header["blocks"]:
                try:
                    data, crc = self.store.read_shuffle_segment(shuffle_id, map_index, tag, reduce_id)
                    statuses.append([True, crc])
                    payload.append(data)
                except (OSError, ValueError) as exc:
                    statuses.append([False, str(exc)])
                    payload.append(b"")
            return {"t": "blocks", "rid": header["rid"], "status": statuses}, payload
        if kind == "fetch_cached":
            data = self.store.partition_bytes((header["rdd"], header["split"]))
            return {"t": "cached", "rid": header["rid"], "found": data is not None}, [data or b""]
        raise ValueError("unknown block request %r" % kind)
