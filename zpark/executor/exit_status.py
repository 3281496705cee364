"""How an executor process ended, in words, and whether the task it ran is to blame.

Whoever supervises executors (local mode's driver, a cluster's worker daemon)
sees only a return code. A SIGKILL can come from a person, a test or the
kernel's OOM killer; the memory cgroup's ``oom_kill`` counter tells the last
apart, so an executor ended for memory is reported as such - with the shell's
exit status (137) - and counted against its task, as Spark does for
containers killed for exceeding their memory.
"""
import signal

from .memory_watchdog import EXIT_MEMORY

# Deaths that come from the code the process ran (a crash in an extension, an abort), not from outside.
_CRASH_SIGNALS = {signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGFPE, signal.SIGILL}

# Where the kernel counts OOM kills of this process's memory cgroup (v2, then v1).
OOM_COUNTER_FILES = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")


def shell_status(code):
    """A Popen return code as a shell reports it: 128 + N for signal N."""
    return 128 - code if code < 0 else code


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number


def describe(code, oom_killed=False):
    """Why an executor whose process returned ``code`` is gone, for the driver's log and errors."""
    if code == EXIT_MEMORY:
        return ("executor killed for exceeding memory: its resident memory passed zpark.executor.memoryLimit "
                "(exit code %d)" % code)
    if oom_killed and code == -signal.SIGKILL:
        return ("executor killed for exceeding memory: the kernel's OOM killer ended it at its memory "
                "cgroup's limit (the container's memory limit) with SIGKILL (exit code 137)")
    if code < 0:
        return "executor process was killed by %s (exit code %d)" % (_signal_name(-code), shell_status(code))
    return "executor process exited with code %d" % code


def caused_by_task(code, oom_killed=False):
    """An exit code (os._exit, sys.exit in a thread that ends the process), a crash or an OOM kill is
    the running task's doing and counts against it; other SIGKILLs and SIGTERM come from outside."""
    return code > 0 or (code < 0 and -code in _CRASH_SIGNALS) or (oom_killed and code == -signal.SIGKILL)


def oom_kills(paths=OOM_COUNTER_FILES):
    """How many processes the kernel's OOM killer has ended in this memory cgroup (None: unknown)."""
    for path in paths:
        try:
            with open(path) as f:
                for line in f:
                    name, _, value = line.partition(" ")
                    if name == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            continue
    return None


class OomWatch:
    """Tells whether the OOM killer struck since the last look (snapshot at start, compare at exit)."""

    def __init__(self, read=oom_kills):
        self._read = read
        self._seen = read()

    def struck(self):
        now = self._read()
        if now is None or self._seen is None:
            return False
        struck, self._seen = now > self._seen, now
        return struck
