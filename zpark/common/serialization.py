"""Pickling for code (cloudpickle) and data (pickle protocol 5), with errors that name the culprit."""
import functools
import gc
import importlib
import io
import operator
import os
import pickle
import sys
import sysconfig
import types

import cloudpickle

from .errors import SerializationError

PROTOCOL = 5


def dumps(obj):
    """Data: fast pickle protocol 5 (falls back to cloudpickle for lambdas inside data)."""
    try:
        return pickle.dumps(obj, PROTOCOL)
    except Exception:
        return cloudpickle.dumps(obj, PROTOCOL)


def dumps_data(obj, what):
    """``dumps`` for data the user handed over (parallelize): a failure names the culprit at once."""
    try:
        return dumps(obj)
    except Exception as exc:
        culprit = find_unpicklable(obj)
        raise SerializationError("Could not serialize %s: %s: %s%s" % (
            what, type(exc).__name__, exc, (" - %s" % culprit) if culprit else "")) from exc


def loads(data):
    """Data, unpickled with the cyclic garbage collector paused.

    A task's result can be a list of a million tuples; created one by one
    they trigger collection after collection, each rescanning the objects
    made so far (loading 62,500 pairs takes twice as long with collection
    on). Nothing unpickled here is garbage yet, so pausing loses nothing.
    """
    if not gc.isenabled():
        return pickle.loads(data)
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        gc.enable()


# Modules whose classes moved since files were written with them (saveAsPickleFile output).
RENAMED_MODULES = {
    "zpark.driver.rdd_kinds": "zpark.rdd.result_iterable",     # ResultIterable
    "zpark.driver.stat_counter": "zpark.rdd.stat_counter",
    "zpark.driver.rdd": "zpark.rdd.base",
}


class _RenamingUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        return super().find_class(RENAMED_MODULES.get(module, module), name)


def load_renamed(f):
    """``pickle.load(f)`` that also finds classes under the module paths of earlier zpark versions."""
    return _RenamingUnpickler(f).load()


# Modules whose classes and functions stay what they were at import: those of zpark, cloudpickle's
# helpers, and the parts of the standard library that stage binaries name.
_STABLE_PREFIXES = ("zpark.", "cloudpickle.")
_STABLE_MODULES = frozenset({"builtins", "functools", "_functools", "operator", "_operator", "itertools",
                             "collections", "copyreg", "math", "types"})


def _stable(module):
    return module.startswith(_STABLE_PREFIXES) or module in _STABLE_MODULES


class _Globals(dict):
    """The classes and functions a code pickle names, by ``"module:qualname"``, found once per process.

    Unpickling a global asks the import system for its module: about 4,000
    instructions each time, for every class and function a stage binary
    names (fifteen in a small job's), on the executor - and the pickler asks
    the same to check the name. A code pickle instead names those of stable
    modules as ``GLOBALS["module:qualname"]``, a dictionary lookup in C once
    this process has looked the name up.
    """

    def __missing__(self, key):
        module, _, qualname = key.partition(":")
        if not _stable(module):
            raise KeyError("%r is not in a module whose names are looked up this way" % key)
        found = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
        self[key] = found
        return found

    def __reduce__(self):
        return "GLOBALS"     # pickled by name: the one table of the process that loads it


GLOBALS = _Globals()


def _by_reference(obj):
    """How a code pickle saves ``obj``, which cloudpickle pickles by reference: a lookup in GLOBALS, or
    NotImplemented (the C pickler saves it as a global, with the import system)."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if obj is operator.getitem or type(module) is not str or type(qualname) is not str or not _stable(module):
        return NotImplemented
    key = "%s:%s" % (module, qualname)
    try:
        if GLOBALS[key] is not obj:
            return NotImplemented
    except (ImportError, AttributeError, KeyError):
        return NotImplemented
    return operator.getitem, (GLOBALS, key)


class _CodePickler(cloudpickle.Pickler):
    """cloudpickle's Pickler (pinned in pyproject.toml), with less Python-level work per object.

    cloudpickle asks, for every class and function it meets, whether it can
    be pickled by reference (its module imported, its name looked up), in
    Python: a third of a small job's stage pickle went to asking again about
    the same zpark classes and functions. This Pickler remembers the answer;
    it only changes when a module is registered to be pickled by value,
    which empties the memory. (It holds what it remembers: objects their
    modules hold anyway.)

    For every other object - an instance - cloudpickle's override only says
    "not mine"; this one says so without calling it. And the C pickler looks
    up each object's type in the dispatch table: cloudpickle's is a ChainMap
    over copyreg's, two Python calls and an exception per object, so each
    dump gets the same table merged into a dict (rebuilt per dump: copyreg's
    may gain entries at any time). Together they halved the Python calls of
    a small job's stage pickle.

    Classes and functions of stable modules are saved as lookups in
    GLOBALS (see there), builtin functions of modules too.
    """

    by_reference = {}     # class or function -> how it is saved (``_by_reference``)
    by_value_modules = frozenset()
    dispatch_table = {}
    watched = ()          # instances of these types are shown to ``on_watched`` as they are met
    on_watched = None

    def reducer_override(self, obj):
        kind = type(obj)
        is_code = kind is types.FunctionType or issubclass(kind, type)
        if not is_code and not (kind is types.BuiltinFunctionType and isinstance(obj.__self__, types.ModuleType)):
            if self.watched and isinstance(obj, self.watched):
                self.on_watched(obj)
            return NotImplemented     # an instance: cloudpickle leaves it to the C pickler too
        saved = _CodePickler.by_reference.get(obj)
        if saved is not None:
            return saved
        reduced = super().reducer_override(obj) if is_code else NotImplemented
        if reduced is NotImplemented:    # by reference: remembered (a function pickled by value is not)
            _CodePickler.by_reference[obj] = reduced = _by_reference(obj)
        return reduced

    @classmethod
    def forget_if_registry_changed(cls):
        """Before a dump: the memory emptied if the by-value registry changed; the dispatch table merged."""
        modules = frozenset(cloudpickle.list_registry_pickle_by_value())
        if modules != cls.by_value_modules:
            cls.by_reference = {}
            cls.by_value_modules = modules
        merged = {}
        for table in reversed(cloudpickle.Pickler.dispatch_table.maps):   # copyreg's last: the first map wins
            merged.update(table)
        cls.dispatch_table = merged


def dumps_code(obj, what="task", watched=(), on_watched=None):
    """Code: cloudpickle, raising SerializationError that names what could not be pickled.

    ``on_watched(instance)`` is called for each instance of a ``watched`` type
    the pickle meets, and may refuse it by raising SerializationError: a
    check of what the graph holds at the cost of one isinstance per object,
    instead of a second walk over it.
    """
    try:
        _CodePickler.forget_if_registry_changed()
        buffer = io.BytesIO()
        pickler = _CodePickler(buffer, PROTOCOL)
        if watched:
            pickler.watched, pickler.on_watched = watched, on_watched
        pickler.dump(obj)
        return buffer.getvalue()
    except SerializationError:
        raise
    except Exception as exc:
        culprit = find_unpicklable(obj)
        detail = (" - %s" % culprit) if culprit else ""
        raise SerializationError("Could not serialize the %s: %s: %s%s"
                                 % (what, type(exc).__name__, exc, detail)) from exc


def _try_pickle(obj):
    try:
        cloudpickle.dumps(obj, PROTOCOL)
        return None
    except Exception as exc:  # noqa: BLE001 - we report any failure
        return exc


def is_function(obj):
    """A function or a ``functools.partial`` of one (zpark's methods wrap users' functions in partials)."""
    return isinstance(obj, (types.FunctionType, functools.partial))


def function_label(func):
    return getattr(func, "__qualname__", None) or getattr(getattr(func, "func", None), "__qualname__", "function")


def function_captures(func):
    """(name, value) pairs a function closes over: cells, defaults and referenced globals; for a partial,
    its function and bound arguments."""
    if isinstance(func, functools.partial):
        yield "function", func.func
        yield from (("argument %d" % i, value) for i, value in enumerate(func.args))
        yield from func.keywords.items()
        return
    code = func.__code__
    for name, cell in zip(code.co_freevars, func.__closure__ or ()):
        try:
            yield name, cell.cell_contents
        except ValueError:
            continue
    for name in _global_names(code):
        if name in func.__globals__:
            yield name, func.__globals__[name]
    for i, value in enumerate(func.__defaults__ or ()):
        yield "default argument %d" % i, value


def _global_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def find_unpicklable(obj, path="", depth=0, seen=None):
    """Walk an object graph for the innermost piece that cannot be pickled; describe it."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 6:
        return None
    seen.add(id(obj))
    children = []
    if is_function(obj):
        label = function_label(obj)
        children = [("%s (captured by %s)" % (n, label), v) for n, v in function_captures(obj)]
    elif isinstance(obj, (list, tuple, set, frozenset)):
        children = [("%s[%d]" % (path, i), v) for i, v in enumerate(obj)]
    elif isinstance(obj, dict):
        children = [("%s[%r]" % (path, k), v) for k, v in obj.items()]
    elif isinstance(obj, types.MethodType):
        children = [("%s.__self__" % path, obj.__self__), ("%s.__func__" % path, obj.__func__)]
    elif not isinstance(obj, (type, types.ModuleType)) and hasattr(obj, "__getstate__"):
        try:
            state = obj.__getstate__()  # what pickle would actually save
        except Exception:  # noqa: BLE001
            state = None
        if isinstance(state, tuple):
            state = {k: v for part in state if isinstance(part, dict) for k, v in part.items()}
        if isinstance(state, dict):
            children = [("%s.%s" % (path or type(obj).__name__, k), v) for k, v in state.items()]
    for name, child in children:
        if isinstance(child, types.ModuleType) or isinstance(child, type):
            continue
        if _try_pickle(child) is None:
            continue
        deeper = find_unpicklable(child, name, depth + 1, seen)
        return deeper or "%s is a %s object, which cannot be pickled" % (name, type(child).__name__)
    return None


_by_value = set()
_INSTALLED = tuple({os.path.abspath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                          *sysconfig.get_paths().values()) if p})


def pickle_local_modules_by_value():
    """Ship the user's own modules' functions by value (cluster mode).

    cloudpickle pickles a function from an importable module by reference, and
    executors in containers or on other machines cannot import a module that
    only exists next to the user's script. Modules loaded from files outside the
    installed Python (and outside zpark) are registered to be pickled by value.
    """
    for name, module in list(sys.modules.items()):
        if name in _by_value or name == "__main__" or name.split(".")[0] == "zpark":
            continue
        path = getattr(module, "__file__", None)
        if not path:
            continue
        if os.path.abspath(path).startswith(_INSTALLED):
            continue
        _by_value.add(name)
        try:
            cloudpickle.register_pickle_by_value(module)
        except (ValueError, TypeError):
            pass
