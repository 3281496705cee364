"""The executor's hard memory limit: past it the process ends itself, reported as killed for memory.

``zpark.executor.memory`` is a budget that sorts, groupings and combines
spill to stay under; user code can still allocate without bound and take
the machine with it. A thread samples the process's resident memory a few
times a second and, past the hard limit, ends the process with a dedicated
exit code; the driver reports "executor killed for exceeding memory" and
counts it against the task that was running. (A thread, not RLIMIT_AS:
address space is far larger than resident memory for numpy and threads.)
"""
import os
import sys
import threading

import psutil

EXIT_MEMORY = 86
CHECK_SECONDS = 0.1


def start(limit_bytes, on_limit=None, interval=CHECK_SECONDS):
    """Watch this process; past ``limit_bytes``, call ``on_limit(reason)`` (tell the driver) and exit."""
    if limit_bytes <= 0:
        return None
    thread = threading.Thread(target=_watch, args=(limit_bytes, on_limit, interval), name="memory-watchdog",
                              daemon=True)
    thread.start()
    return thread


def _watch(limit_bytes, on_limit, interval):
    process = psutil.Process()
    stop = threading.Event()
    while not stop.wait(interval):
        rss = process.memory_info().rss
        if rss > limit_bytes:
            reason = ("executor killed for exceeding memory: resident memory %d MiB passed the hard limit "
                      "of %d MiB (zpark.executor.memoryLimit)" % (rss >> 20, limit_bytes >> 20))
            sys.stderr.write("zpark %s; exiting\n" % reason)
            sys.stderr.flush()
            try:
                if on_limit is not None:
                    on_limit(reason)
            finally:
                os._exit(EXIT_MEMORY)
