"""Making ``import pyspark`` give zpark: every ``pyspark.X`` this package serves is an alias of ``zpark.compat.X``.

Only when asked (``zpark.install_pyspark()``, ``zpark submit``), and never
over a real PySpark that is installed unless forced. The modules keep their
zpark names, so functions shipped to executors refer to ``zpark.compat...``
and load there without any alias.
"""
import importlib
import importlib.util
import sys

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
    return True
