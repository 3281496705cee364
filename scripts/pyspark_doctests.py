"""Run PySpark's own docstring examples against zpark and list what fails.

    .venv/bin/python scripts/pyspark_doctests.py [--version 3.5.3] [--show NAME]

Fetches PySpark's source release from the package index once (into
~/.cache/zpark), reads the docstrings of rdd.py, context.py, accumulators.py,
broadcast.py, taskcontext.py and statcounter.py without importing them, and
runs their examples as doctests with ``sc`` a zpark SparkContext on
local[4]. The README lists which fail and why.
"""
import argparse
import ast
import doctest
import os
import re
import tarfile
import tempfile
import urllib.request

import zpark

FILES = ["rdd.py", "context.py", "accumulators.py", "broadcast.py", "taskcontext.py", "statcounter.py"]
INDEX = "https://pypi.org/simple/pyspark/"


def sources(version):
    cache = os.path.join(os.path.expanduser("~"), ".cache", "zpark", "pyspark-%s" % version)
    if not all(os.path.exists(os.path.join(cache, f)) for f in FILES):
        os.makedirs(cache, exist_ok=True)
        page = urllib.request.urlopen(INDEX, timeout=60).read().decode()
        url = re.search(r'href="([^"#]*pyspark-%s\.tar\.gz)' % re.escape(version), page).group(1)
        archive = os.path.join(cache, "sdist.tar.gz")
        urllib.request.urlretrieve(url, archive)
        with tarfile.open(archive) as tar:
            for f in FILES:
                member = tar.getmember("pyspark-%s/pyspark/%s" % (version, f))
                with open(os.path.join(cache, f), "wb") as out:
                    out.write(tar.extractfile(member).read())
        os.remove(archive)
    return [os.path.join(cache, f) for f in FILES]


def docstrings(path):
    """(Class.method, docstring) of every documented method or function with examples."""
    tree = ast.parse(open(path).read())
    for node in ast.walk(tree):
        owners = [(node.name + ".", node.body)] if isinstance(node, ast.ClassDef) else []
        for prefix, body in owners:
            for item in body:
                if isinstance(item, ast.FunctionDef):
                    doc = ast.get_docstring(item, clean=True)
                    if doc and ">>>" in doc:
                        yield prefix + item.name, doc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", default="3.5.3")
    parser.add_argument("--show", help="print the failures of examples whose name contains this")
    args = parser.parse_args()
    zpark.install_pyspark()
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession
    sc = SparkContext("local[4]", "pyspark-doctests", conf=SparkConf().set("spark.ui.showConsoleProgress", "false"))
    spark = SparkSession(sc)
    checkpoints = tempfile.TemporaryDirectory()
    sc.setCheckpointDir(checkpoints.name)        # as PySpark's own doctest set-up does
    failed, total = [], 0
    try:
        for path in sources(args.version):
            for name, doc in docstrings(path):
                globs = {"sc": sc, "spark": spark}
                exec("from pyspark import *\nfrom pyspark.rdd import *", globs)
                test = doctest.DocTestParser().get_doctest(doc, globs, name, path, 0)
                runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
                report = []
                total += 1
                if runner.run(test, out=report.append).failed:
                    failed.append(name)
                    if args.show and args.show in name:
                        print("".join(report))
    finally:
        sc.stop()
        checkpoints.cleanup()
    print("passed %d of %d documented methods" % (total - len(failed), total))
    for name in failed:
        print("FAILED", name)


if __name__ == "__main__":
    main()
