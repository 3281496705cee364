"""The package's imports point one way, the way data and processes flow (README: Architecture).

``common <- data <- rdd <- {scheduler, executor} <- driver``, with ``master``,
``cli``, ``ui`` and ``compat`` on top. Walks every module's syntax tree, so a
new import that breaks a rule, a cycle, or an import hidden inside a function
fails here before it can grow.
"""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "zpark"

# What each part may import from zpark (besides itself). Absent parts may import anything.
ALLOWED = {
    "common": set(),
    "data": {"common"},
    "rdd": {"common", "data"},
    "scheduler": {"common", "data", "rdd"},
    "executor": {"common", "data", "rdd"},
    "driver": {"common", "data", "rdd", "scheduler", "executor"},
    "master": {"common", "data", "rdd", "scheduler", "executor", "driver"},
    "examples": {"__init__"},
}
# The scheduler is a pure state machine: no sockets, threads, clocks or pickling.
FORBIDDEN_IN_SCHEDULER = {"zmq", "threading", "time", "cloudpickle", "pickle", "socket", "subprocess",
                          "queue", "asyncio", "select"}
# Function-level imports are allowed only for optional heavy dependencies: numpy, and the web UI's
# server (starlette, uvicorn, jinja2: 0.1 s to import), which a driver loads when its UI starts and
# an executor - which imports the zpark package too - never needs.
LAZY_OK = {"numpy", "zpark_native"}   # optional: zpark runs without them
LAZY_OK_MODULES = {"zpark.ui.server"}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path, parts[-1] == "__init__"


MODULES = {name: (path, is_package) for name, path, is_package in _modules()}


def _imports(name):
    """(imported module, line, at module level) of every import in ``name``."""
    path, is_package = MODULES[name]
    tree = ast.parse(path.read_text(), str(path))
    package = name if is_package else name.rsplit(".", 1)[0]
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            targets = [module]
            # "from pkg import mod" imports the module pkg.mod
            targets += ["%s.%s" % (module, a.name) for a in node.names if "%s.%s" % (module, a.name) in MODULES]
        else:
            continue
        for target in targets:
            found.append((target, node.lineno, id(node) in top_level))
    return found


def _part(module):
    pieces = module.split(".")
    if pieces[0] != "zpark":
        return None
    if len(pieces) == 1:
        return "__init__"
    return pieces[1].removesuffix(".py")


def _zpark_imports(name):
    return [(t, line, top) for t, line, top in _imports(name) if t.split(".")[0] == "zpark" and t in MODULES]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_follow_the_layers(name):
    part = _part(name)
    allowed = ALLOWED.get(part)
    if allowed is None:
        return
    wrong = [(t, line) for t, line, _ in _zpark_imports(name)
             if _part(t) != part and _part(t) not in allowed]
    assert not wrong, "%s (%s) may import only %s, but imports %s" % (name, part, sorted(allowed), wrong)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _part(n) == "scheduler"))
def test_the_scheduler_does_no_io(name):
    bad = [(t, line) for t, line, _ in _imports(name) if t.split(".")[0] in FORBIDDEN_IN_SCHEDULER]
    assert not bad, "%s imports %s: the scheduler takes events and returns actions, nothing else" % (name, bad)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _part(n) != "examples"))
def test_no_function_level_imports_of_zpark_modules(name):
    lazy = [(t, line) for t, line, top in _imports(name)
            if not top and t.split(".")[0] not in LAZY_OK and t not in LAZY_OK_MODULES]
    assert not lazy, "%s imports inside functions %s: only optional heavy dependencies may" % (name, lazy)


def test_no_import_cycles():
    graph = {name: {t for t, _, _ in _zpark_imports(name) if t != name} for name in MODULES}
    # a package's __init__ being imported by its own modules is how Python loads them, not a cycle
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: %s" % " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_the_checker_sees_a_violation():
    """The walk itself works: the driver imports the scheduler (allowed), so the reverse would be caught."""
    driver_imports = {_part(t) for t, _, _ in _zpark_imports("zpark.driver.backend")}
    assert "scheduler" in driver_imports and "scheduler" not in ALLOWED["executor"]
    assert "driver" not in ALLOWED["scheduler"]


def _fresh_interpreter(code):
    """What ``code`` prints in a new interpreter (this one has imported every module already), without the
    PySpark drop-in's switch: a test that installed the shim leaves it set for the processes it starts, and
    a process with the switch imports the shim (SparkContext, hence the driver) at start."""
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k != "ZPARK_PYSPARK"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=env).stdout.strip()


def test_an_executor_does_not_import_the_driver():
    """The package's names load on first use, so an executor process (which imports the package) skips the
    driver's modules: the Context, its scheduler, progress bar and the web UI's server."""
    loaded = _fresh_interpreter(
        "import sys, zpark.executor.main; print(sorted(m for m in sys.modules "
        "if m.startswith(('zpark.driver.context', 'zpark.driver.backend', 'zpark.scheduler', 'tqdm'))))")
    assert loaded == "[]"


def test_the_package_names_load_on_first_use():
    out = _fresh_interpreter(
        "import sys, zpark\n"
        "print('zpark.driver.context' in sys.modules)\n"
        "print(zpark.Context.__module__, 'zpark.driver.context' in sys.modules)\n"
        "print(all(getattr(zpark, name) is not None for name in zpark.__all__), zpark.HashPartitioner is zpark.Partitioner)\n"
        "print(set(zpark.__all__) <= set(dir(zpark)))\n"
        "try:\n    zpark.NoSuchName\nexcept AttributeError as exc:\n    print(exc)\n"
        "from zpark import *\n"
        "print(RDD.__module__, HashPartitioner.__module__)\n")
    assert out.splitlines() == [
        "False",
        "zpark.driver.context True",
        "True True",
        "True",
        "module 'zpark' has no attribute 'NoSuchName'",
        "zpark.rdd.base zpark.common.partitioner",
    ]
