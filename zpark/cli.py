"""The ``zpark`` command: submit a job, run a bundled example, start an executor."""
import json
import logging
import os
import runpy
import sys
import tempfile

import click

from . import examples
from .common.config import Conf, redact
from .common.errors import ZparkError
from .common.secret import find_secret, wait_for_secret
from .driver.master_client import fetch_status
from .compat.install import install_pyspark
from .compat.submit import SubmitError, add_py_files, submit_settings
from .executor.worker import Worker, healthy
from .master.server import main as master_main
from .ui.history import EventLogFolder
from .ui.master_page import build_master_app
from .ui.pages import render_export
from .ui.server import UIServer, build_app


@click.group()
@click.version_option(package_name="zpark")
def main():
    """zpark: a Spark-style distributed engine with a PySpark-compatible RDD API."""


def _conf_pairs(conf):
    pairs = {}
    for item in conf:
        if "=" not in item:
            raise click.BadParameter("expected key=value, got %r" % item, param_hint="--conf")
        key, value = item.split("=", 1)
        pairs[key.strip()] = value.strip()
    return pairs


def _apply_submit_options(master, executors, conf, extra=None):
    """Carry spark-submit style options to the Context the script creates (through the environment)."""
    values = json.loads(os.environ.get("ZPARK_CONF", "{}"))
    values.update(extra or {})
    values.update(_conf_pairs(conf))
    if executors:
        if master and not master.startswith("local"):
            raise click.BadParameter("--executors only applies to local masters", param_hint="--executors")
        master = "local[%d]" % executors
    if master:
        os.environ["ZPARK_MASTER"] = master
    if values:
        os.environ["ZPARK_CONF"] = json.dumps(values)


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--master", help="local, local[N], local[*] or a cluster, tcp://HOST:7077 (default: local[*])")
@click.option("--executors", type=int, help="number of local executors (local[N])")
@click.option("--conf", "conf", multiple=True, metavar="KEY=VALUE", help="configuration, repeatable")
@click.option("--name", help="the application's name (spark.app.name)")
@click.option("--py-files", "py_files", help="comma-separated .py/.zip/.egg files to import from")
@click.option("--files", help="comma-separated files for SparkFiles.get in the driver and the tasks")
@click.option("--archives", help="comma-separated .zip/.tar.gz/.tgz/.tar/.jar archives, unpacked for SparkFiles.get "
                                 "(NAME#DIR unpacks into DIR)")
@click.option("--executor-memory", "executor_memory", help="an executor's memory budget, e.g. 1g")
@click.option("--num-executors", "num_executors", type=int, help="cluster: executors to ask the master for")
@click.option("--executor-cores", "executor_cores", type=int, help="accepted; not applied (reported)")
@click.option("--total-executor-cores", "total_executor_cores", type=int, help="accepted; not applied (reported)")
@click.option("--driver-memory", "driver_memory", help="accepted; not applied (reported)")
@click.option("--deploy-mode", "deploy_mode", type=click.Choice(["client", "cluster"]), help="client only")
@click.option("--properties-file", "properties_file", type=click.Path(exists=True, dir_okay=False),
              help="spark-defaults.conf style settings (--conf and flags win)")
@click.option("--verbose", is_flag=True, help="print the configuration the script starts with")
@click.argument("script", type=click.Path(exists=True, dir_okay=False))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def submit(master, executors, conf, script, args, py_files, verbose, **spark_flags):
    """Run SCRIPT with ARGS; its Context (or SparkContext) picks up --master, --executors, --conf and
    spark-submit's flags.

    ``import pyspark`` in the script gives zpark, unless a real PySpark is installed.
    """
    try:
        values, notes = submit_settings(spark_flags, _conf_pairs(conf))
        add_py_files([p for p in (py_files or "").split(",") if p])
    except SubmitError as exc:
        raise click.UsageError(str(exc))
    for note in notes:
        click.echo("zpark submit: %s" % note, err=True)
    _apply_submit_options(master, executors, (), values)
    if verbose:
        click.echo("zpark submit: master %s, configuration %s" % (os.environ.get("ZPARK_MASTER", "local[*]"),
                                                               os.environ.get("ZPARK_CONF", "{}")), err=True)
    install_pyspark()
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")


@main.command("run-example", context_settings={"ignore_unknown_options": True})
@click.option("--master", help="local, local[N], local[*] (default: local[*])")
@click.option("--conf", "conf", multiple=True, metavar="KEY=VALUE")
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run_example(master, conf, name, args):
    """Run a bundled example with ARGS: pi, wordcount, sort, pagerank, kmeans, logistic_regression,
    transitive_closure, als, status. All but wordcount are ordinary PySpark programs."""
    path = os.path.join(os.path.dirname(examples.__file__), "%s.py" % name)
    if name.startswith("_") or not os.path.exists(path):
        raise click.BadParameter("no example named %r (try: %s)" % (name, ", ".join(EXAMPLES)), param_hint="NAME")
    _apply_submit_options(master, None, conf)
    install_pyspark()
    sys.argv = [path, *args]
    runpy.run_path(path, run_name="__main__")


EXAMPLES = ["pi", "wordcount", "sort", "pagerank", "kmeans", "logistic_regression", "transitive_closure", "als",
            "status"]
DEFAULT_MASTER_URL = "tcp://localhost:7077"


def _master_url(master):
    if master:
        return master
    env = os.environ.get("ZPARK_MASTER", "")
    return env if env.startswith("tcp://") else DEFAULT_MASTER_URL


def crypto_option(command):
    """Whether the cluster's connections are CURVE-encrypted (master, executors and status must agree)."""
    return click.option("--crypto/--no-crypto", default=True, show_default=True, envvar="ZPARK_NETWORK_CRYPTO",
                        help="CURVE-encrypted, key-authenticated connections (off: HMAC-signed clear text)")(command)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="interface to listen on (loopback unless told; the compose file passes 0.0.0.0 inside its network)")
@click.option("--port", default=7077, show_default=True)
@click.option("--state-dir", default=lambda: os.environ.get("ZPARK_STATE_DIR", "./.zpark"), show_default="./.zpark",
              help="where the cluster secret is created on first start")
@click.option("--worker-timeout", default=6.0, show_default=True, help="seconds of silence before an executor is dropped")
@click.option("--app-timeout", default=6.0, show_default=True, help="seconds of driver silence before its application ends")
@click.option("--ui-host", default=None, help="interface of the web page (default: --host)")
@click.option("--ui-port", default=8080, show_default=True, type=int,
              help="the web page's port (the next free one if taken; -1: no page)")
@crypto_option
def master(host, port, state_dir, worker_timeout, app_timeout, ui_host, ui_port, crypto):
    """Start the cluster master: executors register here, drivers get executors from it."""
    def serve_page(server):
        if ui_port < 0:
            return
        page = UIServer(build_master_app(lambda: server.latest_status, "tcp://%s:%d" % (host, server.port)),
                        ui_host or host, ui_port).start()
        logging.getLogger("zpark.master").info("web page at %s", page.url)
    master_main(host, port, state_dir, worker_timeout, app_timeout, crypto, before_serving=serve_page)


@main.command()
@click.option("--master", "master_url", required=True, help="the master, tcp://HOST:7077")
@click.option("--cores", default=1, show_default=True, help="tasks this executor runs at once")
@click.option("--work-dir", default="/tmp/zpark-work", show_default=True, help="shuffle files and cached blocks")
@click.option("--advertise-host", default=lambda: os.environ.get("ZPARK_ADVERTISE_HOST"),
              help="address peers and drivers reach this machine at (default: the interface towards the master)")
@click.option("--block-port", default=0, show_default=True,
              help="port peers fetch shuffle blocks from (0: any free one; fix it to open a firewall)")
@click.option("--block-host", default=lambda: os.environ.get("ZPARK_BLOCK_HOST", "0.0.0.0"), show_default="0.0.0.0",
              help="interface the block server listens on (peers on other machines must reach it)")
@click.option("--state-dir", default=lambda: os.environ.get("ZPARK_STATE_DIR"),
              help="read the secret the master writes there (waits for it)")
@crypto_option
def executor(master_url, cores, work_dir, advertise_host, block_port, block_host, state_dir, crypto):
    """Start an executor daemon that joins a cluster and serves the applications the master assigns."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    secret = os.environ.get("ZPARK_SECRET") or (wait_for_secret(state_dir) if state_dir else find_secret())
    Worker(master_url, secret, cores, work_dir, advertise_host, block_port=block_port, crypto=crypto,
           block_host=block_host).run()


@main.command()
@click.option("--master", "master_url", help="default: $ZPARK_MASTER or tcp://localhost:7077")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.option("--timeout", default=5.0, show_default=True)
@crypto_option
def status(master_url, as_json, timeout, crypto):
    """Show the cluster: master, executors (host, cores, memory, state, application), applications."""
    url = _master_url(master_url)
    try:
        view = fetch_status(url, find_secret(), timeout, crypto)
    except ZparkError as exc:
        raise click.ClickException(str(exc))
    if as_json:
        click.echo(json.dumps(dict(view, master=url), indent=2))
        return
    click.echo("master        %s" % url)
    click.echo("executors     %d (%d busy)" % (len(view["executors"]),
                                              sum(e["state"] == "BUSY" for e in view["executors"])))
    for e in view["executors"]:
        click.echo("  %-32s %-15s %2d cores %6.1f GiB  %-4s %s" % (
            e["host"], e["ip"], e["cores"], e["memory"] / 2 ** 30, e["state"], e["app"] or ""))
    click.echo("applications  %d" % len(view["applications"]))
    for a in view["applications"]:
        click.echo("  %-28s %-16s %-8s %d executors  driver %s" % (
            a["id"], a["name"], a["state"], a["executors"], a["driver"]))


@main.command()
@click.argument("event_log_dir", required=False, type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="interface to serve on")
@click.option("--port", default=18080, show_default=True, type=int, help="port (the next free one if taken)")
@click.option("--export", "export", nargs=2, metavar="APP_ID OUT.html",
              help="write one application's self-contained HTML report instead of serving")
def history(event_log_dir, host, port, export):
    """Serve the web UI for every application in EVENT_LOG_DIR (default: zpark.eventLog.dir's default),
    finished, failed or still running."""
    directory = event_log_dir or Conf().get("zpark.eventLog.dir") or os.path.join(tempfile.gettempdir(),
                                                                                   "zpark-events")
    if not os.path.isdir(directory):
        raise click.ClickException("no event-log folder %s" % directory)
    apps = EventLogFolder(directory)
    if export:
        app_id, out = export
        model = apps.get(app_id)
        if model is None:
            raise click.ClickException("no application %s in %s" % (app_id, directory))
        with open(out, "w", encoding="utf-8") as f:
            f.write(render_export(model, redact, "zpark"))
        click.echo("wrote %s" % out)
        return
    server = UIServer(build_app(apps, redact), host, port)
    click.echo("zpark history server for %s at %s" % (directory, server.url))
    server.run()                   # in this thread: Ctrl-C stops it


@main.command(hidden=True)
@click.option("--max-age", default=15.0)
def health(max_age):
    """Container healthcheck of an executor daemon: has the master answered it lately?"""
    sys.exit(0 if healthy(max_age=max_age) else 1)


if __name__ == "__main__":
    main()
