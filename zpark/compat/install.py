"""Making ``import pyspark`` give zpark: every ``pyspark.X`` this package serves is an alias of ``zpark.compat.X``.

Only when asked (``zpark.install_pyspark()``, ``zpark submit``, or the
environment switch ``ZPARK_PYSPARK=1``, which the ``zpark-pyspark.pth`` file
installed beside the package reads when any Python starts), and never over
a real PySpark that is installed unless forced. Once a driver serves it,
the switch is set in its environment, so the local executors it starts
serve it too: code shipped by value may ``from pyspark import ...`` inside
a task. The modules keep their
zpark names, so functions shipped to executors refer to ``zpark.compat...``
and load there without any alias.
"""
import importlib
import importlib.util
import os
import sys

SWITCH = "ZPARK_PYSPARK"

SUBMODULES = ["conf", "context", "rdd", "sql", "taskcontext", "storagelevel", "accumulators", "broadcast",
              "resultiterable", "serializers", "rddsampler", "files"]


def real_pyspark_installed():
    """Whether a PySpark other than zpark's can be imported here."""
    module = sys.modules.get("pyspark")
    if module is not None:
        return not getattr(module, "__zpark__", False)
    return importlib.util.find_spec("pyspark") is not None


def install_pyspark(force=False):
    """Serve ``import pyspark`` (and its submodules) from zpark; returns whether zpark serves it now."""
    current = sys.modules.get("pyspark")
    if current is not None and getattr(current, "__zpark__", False):
        return True
    if real_pyspark_installed() and not force:
        return False
    for name in [n for n in sys.modules if n == "pyspark" or n.startswith("pyspark.")]:
        del sys.modules[name]
    sys.modules["pyspark"] = importlib.import_module("zpark.compat")
    for sub in SUBMODULES:
        sys.modules["pyspark." + sub] = importlib.import_module("zpark.compat." + sub)
    os.environ[SWITCH] = "1"      # processes started from here (local executors) serve it too
    return True

