"""Waiting on conditions with deadlines: tests never bare-sleep."""
import time


def wait_for(condition, timeout=30.0, interval=0.02, message="condition"):
    """Poll ``condition`` until it is truthy or the deadline passes (tests never bare-sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, message))
