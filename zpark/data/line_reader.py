"""The lines of one byte range of a text file, read in large chunks.

A line belongs to the range its first byte is in (so splits of one file
never share or lose a line), ends at ``\\n`` (a ``\\r`` before it is dropped),
and is decoded as UTF-8 a chunk at a time rather than line by line.
"""
from .compression import open_for_reading

CHUNK_BYTES = 1 << 20


def line_batches(path, start, end, decode, counts):
    """Yields lists of lines starting in [start, end); ``counts`` gets "lines" and "bytes" read."""
    counts["lines"] = counts["bytes"] = 0
    with open_for_reading(path) as f:
        if start:
            f.seek(start - 1)
            f.readline()  # the line in progress at ``start`` belongs to the previous range
        pos = f.tell()
        pending = b""
        while pos < end:
            chunk = f.read(CHUNK_BYTES)
            if not chunk:
                break
            data = pending + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                pending = data
                continue
            if pos + cut + 1 > end:
                # The last line wanted is the one holding byte ``end - 1``.
                cut = data.find(b"\n", end - pos - 1)
            complete, pending = data[:cut + 1], data[cut + 1:]
            pos += len(complete)
            yield _split(complete, decode, counts)
        else:
            return
        if pending and pos < end:
            # The file's last line, with no newline at its end.
            counts["lines"] += 1
            counts["bytes"] += len(pending)
            yield [pending.decode("utf-8") if decode else pending]


def _split(complete, decode, counts):
    counts["bytes"] += len(complete)
    text = complete.decode("utf-8") if decode else complete
    newline, carriage = ("\n", "\r") if decode else (b"\n", b"\r")
    lines = text.split(newline)
    lines.pop()  # ``complete`` ends with a newline: the last piece is empty
    if carriage + newline in text:
        lines = [line[:-1] if line.endswith(carriage) else line for line in lines]
    counts["lines"] += len(lines)
    return lines
