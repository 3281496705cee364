"""Compressed text files: written by saveAsTextFile(path, compressionCodecClass), read by textFile.

Codecs are named as PySpark programs name them - Hadoop's class names - and
a compressed file is recognised by its suffix when read, as Hadoop does. A
compressed file cannot be split: it is read whole by one task.
"""
import bz2
import gzip

CODECS = {
    "org.apache.hadoop.io.compress.GzipCodec": (".gz", gzip.open),
    "org.apache.hadoop.io.compress.BZip2Codec": (".bz2", bz2.open),
}
_BY_SUFFIX = {suffix: opener for suffix, opener in CODECS.values()}


def codec(class_name):
    """(file suffix, opener) for a Hadoop codec class name (the short name works too)."""
    for name, found in CODECS.items():
        if class_name in (name, name.rsplit(".", 1)[1]):
            return found
    raise ValueError("unsupported compression codec %r: zpark writes %s"
                     % (class_name, ", ".join(n.rsplit(".", 1)[1] for n in CODECS)))


def is_compressed(path):
    return any(path.endswith(suffix) for suffix in _BY_SUFFIX)


def open_for_reading(path):
    """A binary file object of ``path``'s content, decompressed when its suffix says so."""
    for suffix, opener in _BY_SUFFIX.items():
        if path.endswith(suffix):
            return opener(path, "rb")
    return open(path, "rb")
