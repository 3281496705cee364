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

The aliases are served by an import finder, not made up front: the
switch is read by every Python that starts with it set (each local
executor among them), and ``zpark.compat`` imports SparkContext and with it
the driver. A process imports them only when its code imports ``pyspark``.
"""
import importlib
import importlib.abc
import importlib.util
import os
import sys

SWITCH = "ZPARK_PYSPARK"

SUBMODULES = ["conf", "context", "rdd", "sql", "taskcontext", "storagelevel", "accumulators", "broadcast",
              "resultiterable", "serializers", "rddsampler", "files"]


class PySparkAliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``pyspark`` and ``pyspark.X`` as the very module objects ``zpark.compat`` and ``zpark.compat.X``.

    The import system gives a module our loader creates the alias's spec;
    the module keeps its own (``zpark.compat``'s), so it stays one module
    under two names, as it would be with sys.modules entries made by hand.
    """

    def __init__(self):
        self._own_specs = {}      # alias -> the spec its module had before the import system set the alias's

    def find_spec(self, name, path=None, target=None):
        if name == "pyspark" or (name.startswith("pyspark.") and name[len("pyspark."):] in SUBMODULES):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module("zpark.compat" + spec.name[len("pyspark"):])
        self._own_specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module):
        """The module ran when it was imported under its own name: it only gets its own spec back."""
        module.__spec__ = self._own_specs.pop(module.__spec__.name)


def _aliases():
    return next((finder for finder in sys.meta_path if isinstance(finder, PySparkAliases)), None)


def real_pyspark_installed():
    """Whether a PySpark other than zpark's can be imported here."""
    module = sys.modules.get("pyspark")
    if module is not None:
        return not getattr(module, "__zpark__", False)
    return any(finder.find_spec("pyspark", None) is not None for finder in sys.meta_path
               if not isinstance(finder, PySparkAliases) and hasattr(finder, "find_spec"))


def install_pyspark(force=False):
    """Serve ``import pyspark`` (and its submodules) from zpark; returns whether zpark serves it now."""
    current = sys.modules.get("pyspark")
    if current is not None and getattr(current, "__zpark__", False):
        return True
    if current is None and _aliases() is not None:
        return True
    if real_pyspark_installed() and not force:
        return False
    for name in [n for n in sys.modules if n == "pyspark" or n.startswith("pyspark.")]:
        del sys.modules[name]
    if _aliases() is None:
        sys.meta_path.insert(0, PySparkAliases())
    os.environ[SWITCH] = "1"      # processes started from here (local executors) serve it too
    return True


def uninstall_pyspark():
    """Stop serving ``import pyspark`` in this process (what install_pyspark did, undone; for tests)."""
    for finder in [f for f in sys.meta_path if isinstance(f, PySparkAliases)]:
        sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if n == "pyspark" or n.startswith("pyspark.")]:
        del sys.modules[name]
    os.environ.pop(SWITCH, None)
