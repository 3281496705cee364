"""The reduce side of a shuffle: gather one partition's blocks from every map output.

Blocks on this executor are read from disk; others are requested from their
executors' block servers all at once, and read as the replies come in. Any
block that cannot be had (missing output, dead or silent peer, bad checksum)
raises FetchFailedError naming the shuffle, map partition and executor, so
the driver recomputes it.
"""
import io
import itertools
import os
import pickle
import threading
import time
import zlib

import zmq

from ..common import messages, protocol
from ..common.errors import FetchFailedError
from ..data.record_batches import pairs_of
from .block_store import BlockStore

_request_ids = itertools.count()


class Fetcher:
    """One task thread's DEALER sockets to peers' block servers (sockets are single-threaded)."""

    def __init__(self, zmq_context, codec, identity, timeout, dead_addresses):
        self.zmq_context = zmq_context
        self.codec = codec
        self.identity = identity
        self.timeout = timeout
        self.dead_addresses = dead_addresses
        self.sockets = {}

    def socket(self, address):
        sock = self.sockets.get(address)
        if sock is None:
            sock = protocol.connect_dealer(self.zmq_context, address, protocol.incarnation_id(self.identity),
                                           self.codec.keys, self.codec.max_message_bytes)
            self.sockets[address] = sock
        return sock

    def drop(self, address):
        sock = self.sockets.pop(address, None)
        if sock is not None:
            sock.close(0)

    def request(self, address, make_message):
        """Send ``make_message(request id)``; returns the request id."""
        rid = next(_request_ids)
        self.socket(address).send_multipart(self.codec.encode_message(make_message(rid)))
        return rid

    def wait(self, address, rid, reply_kind, describe):
        """The reply (a ``reply_kind`` message, payload) to request ``rid``; OSError when the peer is dead or silent."""
        sock = self.sockets[address]
        deadline = time.monotonic() + self.timeout
        while True:
            if sock.poll(100, zmq.POLLIN):
                frames = sock.recv_multipart()
                try:
                    header, payload = self.codec.decode(frames)
                    reply = messages.decode(header, (reply_kind, messages.Error))
                except (protocol.AuthenticationError, messages.BadMessage):
                    continue
                if reply.request_id != rid:
                    continue  # a late reply to an abandoned request
                if isinstance(reply, messages.Error):
                    raise OSError("%s: peer error: %s" % (describe, reply.error))
                return reply, payload
            if address in self.dead_addresses:
                self.drop(address)
                raise OSError("%s: executor at %s is lost" % (describe, address))
            if time.monotonic() > deadline:
                self.drop(address)
                raise OSError("%s: no answer from %s in %.0fs" % (describe, address, self.timeout))


class ShuffleReader:
    """Reads this executor's blocks, and those of executors on the same machine, from disk; fetches the rest.

    ``peers_root`` (None: always fetch) is the folder holding this executor's
    work folder: an executor of the same application on this machine (local
    mode, or a worker running several) has its work folder beside it, named
    by its id. Reading its files directly, as Spark reads host-local shuffle
    files, spares its block server - which shares a GIL with that executor's
    busy task thread - and the reducer's wait for the reply. A peer's file
    that is gone or damaged fails the fetch as a remote one would.
    """

    def __init__(self, executor_id, store, fetcher_factory, peers_root=None):
        self.executor_id = executor_id
        self.store = store
        self._fetcher_factory = fetcher_factory
        self._local = threading.local()
        self.peers_root = peers_root
        self._peers = {}                     # executor id -> BlockStore reading its folder, or None
        self._peers_lock = threading.Lock()

    def on_disk(self, executor_id):
        """The store whose files hold ``executor_id``'s blocks when they are on this machine, else None."""
        if executor_id == self.executor_id:
            return self.store
        if self.peers_root is None:
            return None
        with self._peers_lock:
            if executor_id not in self._peers:
                folder = os.path.join(self.peers_root, executor_id)
                beside = os.path.basename(executor_id) == executor_id and not executor_id.startswith(".")
                self._peers[executor_id] = BlockStore(folder, create=False) \
                    if beside and os.path.isdir(os.path.join(folder, "shuffle")) else None
            return self._peers[executor_id]

    def forget_shuffle(self, shuffle_id):
        """Close the peers' files of a removed shuffle (they delete them; an open file would keep its space)."""
        with self._peers_lock:
            peers = [peer for peer in self._peers.values() if peer is not None]
        for peer in peers:
            peer.forget_shuffle(shuffle_id)

    def fetcher(self):
        fetcher = getattr(self._local, "fetcher", None)
        if fetcher is None:
            fetcher = self._local.fetcher = self._fetcher_factory()
        return fetcher

    def read(self, shuffle_id, reduce_id, blocks, tc):
        """(key, value) records of one reduce partition, in map order; remote blocks are all requested up front."""
        batches = itertools.chain.from_iterable(self._blocks(shuffle_id, reduce_id, blocks, tc.metrics))
        return pairs_of(batches, tc)

    def read_blocks(self, shuffle_id, reduce_id, blocks, tc):
        """Per map output, in map order, the list of its ``(keys, values)`` batches for this reduce partition.

        For readers that use what one map output guarantees (a combined
        map output holds each key once); a kill is noticed between blocks.
        """
        for block in self._blocks(shuffle_id, reduce_id, blocks, tc.metrics):
            tc.check_killed()
            yield list(block)

    def _blocks(self, shuffle_id, reduce_id, blocks, metrics):
        """``blocks``: (map index, executor id, address, file tag) of each non-empty map output, in map order."""
        remote, stores = {}, {}
        for map_index, executor_id, address, tag in blocks:
            if executor_id is None:
                raise FetchFailedError(shuffle_id, map_index, None, "map output is missing")
            if executor_id not in stores:
                stores[executor_id] = self.on_disk(executor_id)
            if stores[executor_id] is None:
                remote.setdefault(address, []).append((map_index, tag))
        fetcher = self.fetcher() if remote else None
        requests = {}
        for address, maps in remote.items():
            wanted = [[shuffle_id, m, tag, reduce_id] for m, tag in maps]
            requests[address] = fetcher.request(address, lambda rid, wanted=wanted: messages.FetchBlocks(rid, wanted))
        replies = {}
        for map_index, executor_id, address, tag in blocks:
            store = stores[executor_id]
            if store is not None:
                try:
                    data, crc = store.read_shuffle_segment(shuffle_id, map_index, tag, reduce_id)
                except Exception as exc:  # noqa: BLE001 - missing, truncated, unreadable
                    raise FetchFailedError(shuffle_id, map_index, executor_id,
                                           "block on this machine unreadable: %s" % exc) from None
            else:
                if address not in replies:
                    try:
                        reply, payload = fetcher.wait(address, requests[address], messages.Blocks,
                                                      "fetching shuffle %d reduce %d" % (shuffle_id, reduce_id))
                    except OSError as exc:
                        raise FetchFailedError(shuffle_id, map_index, executor_id, str(exc),
                                               unreachable=True) from None
                    blocks_of_reply = split_reply(reply.status, payload, len(remote[address]))
                    if blocks_of_reply is None:
                        raise FetchFailedError(shuffle_id, map_index, executor_id,
                                               "malformed reply from %s" % address)
                    replies[address] = dict(zip((m for m, _ in remote[address]), blocks_of_reply))
                (ok, crc), data = replies[address].pop(map_index)
                if not ok:
                    raise FetchFailedError(shuffle_id, map_index, executor_id, "block missing: %s" % crc)
                metrics["remote_bytes_read"] = metrics.get("remote_bytes_read", 0) + len(data)
            yield self._decode(shuffle_id, map_index, executor_id, data, crc, metrics)

    def _decode(self, shuffle_id, map_index, executor_id, data, crc, metrics):
        if zlib.crc32(data) != crc:
            raise FetchFailedError(shuffle_id, map_index, executor_id,
                                   "checksum mismatch (corrupt shuffle block)")
        metrics["shuffle_bytes_read"] = metrics.get("shuffle_bytes_read", 0) + len(data)
        stream = io.BytesIO(data)
        end = len(data)
        while stream.tell() < end:
            try:
                keys, values = pickle.load(stream)
            except Exception as exc:  # noqa: BLE001 - a checksum collision or truncated data
                raise FetchFailedError(shuffle_id, map_index, executor_id,
                                       "undecodable block: %s" % exc) from None
            metrics["shuffle_records_read"] = metrics.get("shuffle_records_read", 0) + len(keys)
            yield keys, values


def split_reply(status, frames, expected):
    """``((found, crc or reason), bytes)`` per block of a Blocks reply, or None when the reply is malformed.

    The frames hold the found blocks back to back (see block_server.coalesced); a block never spans two.
    """
    if len(status) != expected:
        return None
    out, frame, index, offset = [], None, -1, 0
    for entry in status:
        if not isinstance(entry, list) or len(entry) != 3 or not isinstance(entry[2], int) or entry[2] < 0:
            return None
        found, crc, length = entry
        if not found or not length:
            out.append(((found, crc), b""))
            continue
        if frame is None or offset == len(frame):
            index += 1
            if index >= len(frames):
                return None
            frame, offset = frames[index], 0
        if offset + length > len(frame):
            return None
        out.append(((found, crc), frame[offset:offset + length]))
        offset += length
    if index != len(frames) - 1 or (frame is not None and offset != len(frame)):
        return None   # bytes left over
    return out
