"""The ``zpark`` command: submit a job, run a bundled example, start an executor."""
import json
import os
import runpy
import sys

import click


@click.group()
@click.version_option(package_name="zpark")
def main():
    """zpark: a Spark-style distributed engine with a PySpark-compatible RDD API."""


def _apply_submit_options(master, executors, conf):
    """Carry spark-submit style options to the Context the script creates (through the environment)."""
    values = json.loads(os.environ.get("ZPARK_CONF", "{}"))
    for item in conf:
        if "=" not in item:
            raise click.BadParameter("expected key=value, got %r" % item, param_hint="--conf")
        key, value = item.split("=", 1)
        values[key.strip()] = value.strip()
    if executors:
        if master and not master.startswith("local"):
            raise click.BadParameter("--executors only applies to local masters", param_hint="--executors")
        master = "local[%d]" % executors
    if master:
        os.environ["ZPARK_MASTER"] = master
    if values:
        os.environ["ZPARK_CONF"] = json.dumps(values)


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--master", help="local, local[N], local[*] (default: local[*])")
@click.option("--executors", type=int, help="number of local executors (local[N])")
@click.option("--conf", "conf", multiple=True, metavar="KEY=VALUE", help="configuration, repeatable")
@click.argument("script", type=click.Path(exists=True, dir_okay=False))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def submit(master, executors, conf, script, args):
    """Run SCRIPT with ARGS; its Context picks up --master, --executors and --conf."""
    _apply_submit_options(master, executors, conf)
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")


@main.command("run-example", context_settings={"ignore_unknown_options": True})
@click.option("--master", help="local, local[N], local[*] (default: local[*])")
@click.option("--conf", "conf", multiple=True, metavar="KEY=VALUE")
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run_example(master, conf, name, args):
    """Run a bundled example (wordcount) with ARGS."""
    import importlib
    try:
        module = importlib.import_module("zpark.examples.%s" % name)
    except ModuleNotFoundError:
        raise click.BadParameter("no example named %r (try: wordcount)" % name, param_hint="NAME")
    _apply_submit_options(master, None, conf)
    module.main(list(args))


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def executor(args):
    """Start an executor process (normally started by the driver; secret in ZPARK_SECRET)."""
    from .executor.main import main as executor_main
    executor_main(list(args))


if __name__ == "__main__":
    main()
