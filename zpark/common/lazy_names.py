"""A package's public names imported on first use (PEP 562), for packages every process imports.

Executors import ``zpark`` (their modules live in it), and any Python
started with the PySpark switch imports ``zpark.compat``; both packages
name the driver's classes, which import the scheduler, the web UI's hooks
and the progress bar - most of a process's start-up, for names it may
never use. A program sees no difference: ``package.Name``,
``from package import Name`` and ``from package import *`` import what
they name.
"""
import importlib


def lazy_names(package_globals, exports, submodules=()):
    """``(__getattr__, __dir__)`` for the package whose globals these are; ``exports`` maps each public
    name to the module that defines it; ``submodules`` are reachable as attributes without an import
    of their own (as a package that imports them at its start would have them)."""
    package = package_globals["__name__"]

    def __getattr__(name):
        if name in submodules:
            return importlib.import_module("%s.%s" % (package, name))    # the import sets the attribute
        module = exports.get(name)
        if module is None:
            raise AttributeError("module %r has no attribute %r" % (package, name))
        value = getattr(importlib.import_module(module), name)
        package_globals[name] = value      # later lookups find it without this function
        return value

    def __dir__():
        return sorted(set(package_globals) | set(exports) | set(submodules))

    return __getattr__, __dir__
