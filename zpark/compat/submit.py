"""spark-submit's flags, as ``zpark submit`` takes them: what each becomes in zpark's configuration.

Flags that mean nothing here are accepted and reported once, so a pasted
spark-submit line runs; ones that cannot be honoured are refused by name.
"""
import os
import sys

# flag -> (configuration key, how to say it does not apply here: None if it does)
FLAG_KEYS = {
    "name": ("spark.app.name", None),
    "executor_memory": ("spark.executor.memory", None),
    "num_executors": ("spark.executor.instances", None),
    "files": ("spark.files", None),
    "archives": ("spark.archives", None),
    "executor_cores": (None, "--executor-cores is ignored: each zpark executor runs its daemon's --cores "
                             "(local mode: one task per executor)"),
    "total_executor_cores": (None, "--total-executor-cores is ignored: use --num-executors (cluster) or "
                                   "--master local[N]"),
    "driver_memory": (None, "--driver-memory is ignored: the driver is this Python process"),
}


class SubmitError(ValueError):
    """A spark-submit flag zpark cannot honour."""


def read_properties_file(path):
    """spark-defaults.conf format: ``key value`` (or ``key=value``) per line; # comments."""
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            first = line.split(None, 1)
            if "=" in first[0]:
                key, value = line.split("=", 1)
            else:
                key, value = first[0], first[1] if len(first) > 1 else ""
            values[key.strip()] = value.strip()
    return values


def submit_settings(flags, conf_pairs):
    """(configuration dict, notes to print) for spark-submit's ``flags`` (a dict of the options given)
    and ``--conf`` pairs; --conf wins over flags, flags over --properties-file, as in spark-submit."""
    if flags.get("deploy_mode") not in (None, "client"):
        raise SubmitError("--deploy-mode %s is not supported: the driver always runs where zpark submit runs "
                          "(client mode)" % flags["deploy_mode"])
    values, notes = {}, []
    if flags.get("properties_file"):
        values.update(read_properties_file(flags["properties_file"]))
    for flag, (key, note) in FLAG_KEYS.items():
        if flags.get(flag) is None:
            continue
        if key is not None:
            values[key] = str(flags[flag])
        else:
            notes.append(note)
    values.update(conf_pairs)
    return values, notes


def add_py_files(paths):
    """--py-files / addPyFile: .py, .zip and .egg files importable by the driver and, through its
    path, by local executors (functions from them are shipped by value to a cluster's executors).
    Returns the import path entries added."""
    entries = []
    for path in paths:
        path = os.path.abspath(path)
        if not os.path.exists(path):
            raise SubmitError("--py-files: no such file %s" % path)
        entry = os.path.dirname(path) if path.endswith(".py") else path
        entries.append(entry)
        if entry not in sys.path:
            sys.path.insert(0, entry)
        os.environ["PYTHONPATH"] = os.pathsep.join([entry] + [p for p in os.environ.get("PYTHONPATH", "").split(
            os.pathsep) if p and p != entry])
    return entries
