"""Warnings about refused input, at most once a minute per source.

Whoever sends garbage or knocks without a key decides how often it happens;
a log line per message would let them fill the disk and drown the lines
that matter. The first refusal of each source is logged in full, later ones
are counted and summed up in the next line that source earns.
"""
import threading
import time

WINDOW_SECONDS = 60.0
MAX_SOURCES = 10000


class OncePerMinute:
    def __init__(self, window=WINDOW_SECONDS, clock=time.monotonic):
        self.window = window
        self.clock = clock
        self._last = {}            # source -> (time logged, refusals suppressed since)
        self._lock = threading.Lock()

    def allow(self, source):
        """(whether to log now, how many were suppressed since the last line)."""
        now = self.clock()
        with self._lock:
            logged, suppressed = self._last.get(source, (None, 0))
            if logged is not None and now - logged < self.window:
                self._last[source] = (logged, suppressed + 1)
                return False, 0
            if len(self._last) >= MAX_SOURCES and source not in self._last:
                self._last.clear()                   # bounded memory, whatever the sources
            self._last[source] = (now, 0)
            return True, suppressed

    def warn(self, logger, source, message, *args):
        show, suppressed = self.allow(source)
        if show:
            if suppressed:
                message += " (%d more like it in the last minute were not logged)" % suppressed
            logger.warning(message, *args)
