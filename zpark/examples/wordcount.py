"""Word count: the classic. ``zpark run-example wordcount [PATH]`` or ``zpark submit wordcount.py PATH``.

Without a path it writes a small sample text to a temporary directory first.
"""
import os
import random
import sys
import tempfile
from operator import add

import zpark

WORDS = ("the quick brown fox jumps over the lazy dog and the cat sat on a mat while "
         "spark and zpark count words in files on many executors").split()


def write_sample(directory, files=4, lines=2000, seed=7):
    rng = random.Random(seed)
    for i in range(files):
        with open(os.path.join(directory, "part-%d.txt" % i), "w") as f:
            for _ in range(lines):
                f.write(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12))) + "\n")
    return directory


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    sample_dir = None
    if argv:
        path = argv[0]
    else:
        sample_dir = tempfile.mkdtemp(prefix="zpark-wordcount-")
        path = write_sample(sample_dir)
        print("no input given; counting words of a generated sample in %s" % path)
    with zpark.Context(app_name="wordcount") as ctx:
        lines = ctx.textFile(path, minPartitions=8)
        counts = lines.flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add)
        print(counts.toDebugString().decode())
        for word, count in counts.takeOrdered(10, key=lambda kv: (-kv[1], kv[0])):
            print("%-12s %d" % (word, count))
        empty = ctx.accumulator(0)
        lines.foreach(lambda line: empty.add(1) if not line.strip() else None)
        print("empty lines: %d" % empty.value)
    if sample_dir:
        import shutil
        shutil.rmtree(sample_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
