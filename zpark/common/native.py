"""The optional compiled extension zpark_native (native/: Rust with PyO3), or None.

It speeds up shuffle work the interpreter makes costly (hashing a chunk's
keys; distinct()'s str columns and first-seen set of str keys; sorting by
tuple keys), and every
use keeps a pure-Python path beside it as the reference and the fallback
(a machine without cargo, or ZPARK_NATIVE=0).
"""
import os


def _load():
    if os.environ.get("ZPARK_NATIVE", "1") == "0":
        return None
    try:
        import zpark_native
    except ImportError:
        return None
    return zpark_native


extension = _load()
