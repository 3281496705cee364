"""The least a small job can cost in zpark's design on this machine: its wire and its pickles, nothing else.

    bench/.venv/bin/python bench/job_floor.py [--jobs 2000] [--rounds 2]

The smalljobs workload's job (``small.map(lambda x, i=i: x + i).sum()`` over
two partitions) done by hand with the engine's own pieces and none of its
bookkeeping: the driver pickles a fresh closure with ``dumps_code`` and sends
one task to each of two executor processes over a CURVE-encrypted ROUTER, each
message framed by ``protocol.Codec`` (HMAC-signed and stamped only without
CURVE, as the engine's); an executor checks it,
unpickles the closure and its partition, computes, pickles the result and
answers; the driver checks both answers and unpickles them. No scheduler,
stage, events, UI model, task table, TaskContext or metrics.

Variants: ``inline`` runs the task on the executor's socket thread;
``task thread`` hands it to a task thread and back (as the executor does,
through a queue and an inproc wake-up); ``no CURVE`` drops the encryption.
What the engine takes above these figures is its bookkeeping
(bench/README.md: "Small jobs against their floor").
"""
import argparse
import multiprocessing
import queue
import threading
import time

import zmq

from zpark.common import protocol, security, serialization

SECRET = "job-floor-secret"


def executor(address, identity, crypto, task_thread):
    codec = protocol.Codec(SECRET, security.app_keys(SECRET) if crypto else None)
    ctx = zmq.Context()
    sock = protocol.connect_dealer(ctx, address, identity, codec.keys)
    protocol.send_frames(sock, codec.encode({"t": "hello"}))
    poller = zmq.Poller()
    poller.register(sock, zmq.POLLIN)
    if task_thread:
        tasks, outbox = queue.SimpleQueue(), queue.SimpleQueue()
        wake_in = ctx.socket(zmq.PULL)
        wake_in.bind("inproc://results")
        poller.register(wake_in, zmq.POLLIN)

        def work():
            wake_out = ctx.socket(zmq.PUSH)
            wake_out.connect("inproc://results")
            while True:
                func, records = tasks.get()
                outbox.put(serialization.dumps(func(records)))
                wake_out.send(b"")
        threading.Thread(target=work, daemon=True).start()
    while True:
        ready = dict(poller.poll())
        if task_thread and wake_in in ready:
            wake_in.recv()
            protocol.send_frames(sock, codec.encode({"t": "done"}, [outbox.get()]))
        if sock not in ready:
            continue
        header, payload = codec.decode(protocol.recv_frames(sock))
        if header["t"] == "stop":
            return
        func, records = serialization.loads(payload[0]), serialization.loads(payload[1])
        if task_thread:
            tasks.put((func, records))
        else:
            protocol.send_frames(sock, codec.encode({"t": "done"}, [serialization.dumps(func(records))]))


def run(jobs, crypto, task_thread):
    """Milliseconds a job, after 50 jobs of warm-up."""
    codec = protocol.Codec(SECRET, security.app_keys(SECRET) if crypto else None)
    ctx = zmq.Context()
    gate = security.Gate(ctx) if crypto else None
    if gate is not None:
        gate.admit(codec.keys)
    router, port = protocol.bind_router(ctx, keys=codec.keys)
    spawn = multiprocessing.get_context("spawn")    # a fresh interpreter, no copy of this one's ZeroMQ threads
    processes = [spawn.Process(target=executor, args=("tcp://127.0.0.1:%d" % port, "exec-%d" % i,
                                                                  crypto, task_thread), daemon=True)
                 for i in range(2)]
    for process in processes:
        process.start()
    identities = [protocol.recv_frames(router)[0] for _ in processes]
    partitions = [serialization.dumps(list(range(0, 50))), serialization.dumps(list(range(50, 100)))]
    total = 0
    for count in (50, jobs):
        started = time.perf_counter()
        for i in range(count):
            closure = serialization.dumps_code(lambda records, i=i: sum(x + i for x in records))
            for identity, partition in zip(identities, partitions):
                protocol.send_frames(router, [identity] + codec.encode({"t": "task", "job": i},
                                                                       [closure, partition]))
            for _ in identities:
                frames = protocol.recv_frames(router)
                _, payload = codec.decode(frames[1:])
                total += serialization.loads(payload[0])
        seconds = time.perf_counter() - started
    for identity in identities:
        protocol.send_frames(router, [identity] + codec.encode({"t": "stop"}))
    for process in processes:
        process.join(5)
    router.close(0)
    if gate is not None:
        gate.stop()
    ctx.term()
    return seconds / jobs * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    variants = [("inline", True, False), ("task thread", True, True), ("inline, no CURVE", False, False)]
    for _ in range(args.rounds):
        for name, crypto, task_thread in variants:
            print("%-18s %.3f ms a job" % (name, run(args.jobs, crypto, task_thread)))


if __name__ == "__main__":
    main()
