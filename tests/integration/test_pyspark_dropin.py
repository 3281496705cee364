"""PySpark programs run unchanged: ``import pyspark`` gives zpark under ``zpark submit`` and after
``zpark.install_pyspark()``; SparkContext/SparkConf/SparkSession behave as PySpark's do."""
import logging
import os
import pickle
import subprocess
import sys
from collections import Counter

import pytest

import zpark
from zpark.compat import install

ZPARK = [sys.executable, "-m", "zpark.cli"]

WORDCOUNT = '''
import sys
from operator import add
from pyspark.sql import SparkSession

if __name__ == "__main__":
    spark = SparkSession.builder.appName("wordcount-as-pyspark-writes-it").getOrCreate()
    lines = spark.read.text(sys.argv[1]).rdd.map(lambda r: r[0])
    counts = lines.flatMap(lambda line: line.split(" ")).map(lambda w: (w, 1)).reduceByKey(add)
    for word, count in sorted(counts.collect()):
        print("%s: %i" % (word, count))
    spark.stop()
'''

CONTEXT_PROGRAM = '''
from pyspark import SparkConf, SparkContext, StorageLevel, TaskContext
from pyspark.taskcontext import TaskContext as TC2
from pyspark.rdd import RDD
from pyspark.resultiterable import ResultIterable
from pyspark.serializers import CloudPickleSerializer
import pyspark

conf = SparkConf().setAppName("ctx").setMaster("local[2]").set("spark.task.maxFailures", "3")
sc = SparkContext(conf=conf, serializer=CloudPickleSerializer())
assert SparkContext.getOrCreate() is sc and SparkContext._active_spark_context is sc
assert TaskContext is TC2 and isinstance(sc.parallelize([1]), RDD)
rdd = sc.parallelize(range(10), 3).map(lambda x: (x % 2, x)).groupByKey()
assert all(isinstance(v, ResultIterable) for _, v in rdd.collect())
print("partitions", sc.parallelize(range(10), 3).map(lambda x: TaskContext.get().partitionId()).distinct().count())
print("version", pyspark.__version__, sc.version, sc.getConf().get("zpark.task.maxFailures"))
sc.stop()
sc.stop()
assert SparkContext._active_spark_context is None
with SparkContext("local[2]", "again") as sc2:
    print("sum", sc2.parallelize(range(100)).persist(StorageLevel.MEMORY_ONLY).sum())
'''


def submit(tmp_path, source, *args, timeout=120, flags_first=False):
    """Run ``source`` with zpark submit; ``args`` go after the script, or before it with ``flags_first``."""
    script = tmp_path / "job.py"
    script.write_text(source)
    env = dict(os.environ, ZPARK_CONF='{"zpark.ui.showConsoleProgress": false}')
    line = [*args, str(script)] if flags_first else [str(script), *args]
    return subprocess.run(ZPARK + ["submit", "--master", "local[2]", *line], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=str(tmp_path))


def test_a_pyspark_pi_program_runs_unchanged_under_zpark_submit(tmp_path):
    out = submit(tmp_path, open(os.path.join(os.path.dirname(zpark.__file__), "examples", "pi.py")).read(), "4")
    assert out.returncode == 0, out.stderr
    value = float(out.stdout.split("Pi is roughly")[1])
    assert 3.0 < value < 3.3


def test_a_pyspark_wordcount_reading_through_spark_read_text_is_exact(tmp_path):
    text = ["the quick brown fox", "jumps over the lazy dog", "the end"] * 50
    (tmp_path / "input.txt").write_text("\n".join(text) + "\n")
    out = submit(tmp_path, WORDCOUNT, str(tmp_path / "input.txt"))
    assert out.returncode == 0, out.stderr
    expected = Counter(w for line in text for w in line.split(" "))
    got = dict(line.rsplit(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    assert {w: int(c) for w, c in got.items()} == dict(expected)


def test_spark_context_life_cycle_conf_and_module_names(tmp_path):
    out = submit(tmp_path, CONTEXT_PROGRAM)
    assert out.returncode == 0, out.stderr
    assert "partitions 3" in out.stdout and "version 3.5.0 3.5.0 3" in out.stdout and "sum 4950" in out.stdout


@pytest.fixture
def served_pyspark(monkeypatch):
    saved = {n: m for n, m in sys.modules.items() if n == "pyspark" or n.startswith("pyspark.")}
    monkeypatch.setenv(install.SWITCH, os.environ.get(install.SWITCH, "0"))   # restored after the test
    assert zpark.install_pyspark()
    yield
    install.uninstall_pyspark()
    sys.modules.update(saved)


def test_spark_keys_map_to_zpark_and_unknown_ones_are_reported_once(served_pyspark, caplog):
    from pyspark import SparkConf, SparkContext
    conf = (SparkConf().setMaster("local[2]").setAppName("keys").set("spark.speculation", "true")
            .set("spark.speculation.interval", "250ms").set("spark.default.parallelism", "3")
            .set("spark.some.jvm.only.setting", "x"))
    with caplog.at_level(logging.WARNING):
        with SparkContext(conf=conf) as sc:
            assert sc._conf.get("zpark.speculation") is True
            assert sc._conf.get("zpark.speculation.interval") == 0.25
            assert sc.defaultParallelism == 3 and sc.parallelize(range(9)).getNumPartitions() == 3
            assert sc.appName == "keys" and sc.master == "local[2]"
            with pytest.raises(ValueError, match="multiple SparkContexts"):
                SparkContext("local[2]", "second")
    assert caplog.text.count("spark.some.jvm.only.setting") == 1
    with pytest.raises(ValueError, match="JVM"):
        SparkContext("local[2]", "jvm", gateway=object())


def test_spark_session_rows_and_what_is_not_implemented(served_pyspark, tmp_path):
    from pyspark.sql import Row, SparkSession
    (tmp_path / "a.txt").write_text("x y\nz\n")
    spark = SparkSession.builder.master("local[2]").appName("rows").config("spark.ui.showConsoleProgress",
                                                                           "false").getOrCreate()
    try:
        assert SparkSession.builder.getOrCreate() is spark
        rows = spark.read.text(str(tmp_path / "a.txt")).rdd
        assert rows.map(lambda r: (r[0], r.value, r["value"])).collect() == [("x y", "x y", "x y"), ("z", "z", "z")]
        row = rows.first()
        assert row == Row(value="x y") and row.asDict() == {"value": "x y"}
        assert pickle.loads(pickle.dumps(row)).value == "x y"
        with pytest.raises(NotImplementedError, match="Spark SQL's SparkSession.sql"):
            spark.sql("select 1")
        with pytest.raises(NotImplementedError, match="DataFrame.groupBy"):
            spark.read.text(str(tmp_path / "a.txt")).groupBy("value")
    finally:
        spark.stop()


ALIASES_PROGRAM = """
import sys
import zpark.executor.main
print(sorted(m for m in sys.modules if m.startswith(("pyspark", "zpark.compat.context", "zpark.driver.context",
                                                      "zpark.scheduler", "tqdm"))))
import pyspark, pyspark.rdd, zpark.compat, zpark.compat.rdd
from pyspark import *
print(pyspark is zpark.compat, pyspark.rdd is zpark.compat.rdd, pyspark.__spec__.name, pyspark.rdd.__name__)
print(SparkContext.__module__, pyspark.context.SparkContext is SparkContext, pyspark.__version__)
"""


def test_the_switch_serves_pyspark_only_when_imported():
    """A Python started with the switch (a local executor of a PySpark program) imports neither the
    driver nor PySpark's names until its code imports pyspark; then it gets zpark's modules themselves."""
    env = dict(os.environ, **{install.SWITCH: "1"})
    out = subprocess.run([sys.executable, "-c", ALIASES_PROGRAM], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["[]", "True True zpark.compat zpark.compat.rdd",
                                       "zpark.compat.context True 3.5.0"]


def test_a_real_pyspark_is_never_shadowed_unless_asked(tmp_path, monkeypatch):
    fake = tmp_path / "site" / "pyspark"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("REAL = True\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    saved = {n: m for n, m in sys.modules.items() if n == "pyspark" or n.startswith("pyspark.")}
    monkeypatch.setenv(install.SWITCH, os.environ.get(install.SWITCH, "0"))
    install.uninstall_pyspark()
    try:
        assert install.real_pyspark_installed()
        assert zpark.install_pyspark() is False
        import pyspark
        assert getattr(pyspark, "REAL", False)
        assert zpark.install_pyspark(force=True) is True
        import pyspark as served
        assert served.SparkContext.__module__ == "zpark.compat.context"
    finally:
        install.uninstall_pyspark()
        sys.modules.update(saved)


SHOW_CONF = '''
from pyspark import SparkContext
from helper_module import double
sc = SparkContext.getOrCreate()
print("app", sc.appName, "memory", sc._conf.get("zpark.executor.memory"),
      "parallelism", sc._conf.get("zpark.default.parallelism"), "failures", sc._conf.get("zpark.task.maxFailures"))
print("doubled", sc.parallelize([1, 2, 3], 2).map(double).collect())
sc.stop()
'''


def test_zpark_submit_takes_spark_submit_flags(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "helper_module.py").write_text("def double(x):\n    return 2 * x\n")
    props = tmp_path / "spark-defaults.conf"
    props.write_text("# defaults\nspark.default.parallelism   5\nspark.task.maxFailures=7\n")
    script = tmp_path / "job.py"
    script.write_text(SHOW_CONF)
    out = subprocess.run(ZPARK + ["submit", "--master", "local[2]", "--name", "flags", "--executor-memory", "700m",
                                  "--py-files", str(lib / "helper_module.py"), "--properties-file", str(props),
                                  "--conf", "spark.task.maxFailures=3", "--driver-memory", "2g",
                                  "--executor-cores", "2", "--deploy-mode", "client", "--verbose", str(script)],
                         capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert "app flags memory 700m parallelism 5 failures 3" in out.stdout
    assert "doubled [2, 4, 6]" in out.stdout
    assert "--driver-memory is ignored" in out.stderr and "--executor-cores is ignored" in out.stderr
    refused = subprocess.run(ZPARK + ["submit", "--deploy-mode", "cluster", str(script)], capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode != 0 and "client mode" in refused.stderr


def test_empty_rdd_and_local_cluster_master():
    with zpark.Context("local-cluster[2, 1, 600]", app_name="local-cluster",
                       conf={"zpark.ui.showConsoleProgress": False}) as ctx:
        assert len(ctx.executorInfos()) == 2 and ctx._conf.get("zpark.executor.memory") == "600m"
        empty = ctx.emptyRDD()
        assert b"EmptyRDD" in empty.toDebugString() and empty.count() == 0 and empty.getNumPartitions() == 0
    with pytest.raises(zpark.ZparkError, match="local-cluster"):
        zpark.Context("local-cluster[2, x, 600]")


def test_add_file_and_add_py_file_reach_tasks(served_pyspark, tmp_path):
    import threading
    from pyspark import SparkContext, SparkFiles
    (tmp_path / "lookup.txt").write_text("42\n")
    (tmp_path / "mylib.py").write_text("def triple(x):\n    return 3 * x\n")
    with SparkContext("local[2]", "files", conf=None) as sc:
        sc.addFile(str(tmp_path / "lookup.txt"))
        sc.addPyFile(str(tmp_path / "mylib.py"))

        def read(_):
            import mylib
            with open(SparkFiles.get("lookup.txt")) as f:
                return mylib.triple(int(f.read()))
        assert sc.parallelize(range(4), 2).map(read).collect() == [126] * 4
        other = []
        t = threading.Thread(target=lambda: other.append(sc.parallelize([0], 1).map(read).collect()))
        t.start()
        t.join()
        assert other == [[126]]                    # jobs from any thread find the files
        assert open(SparkFiles.get("lookup.txt")).read() == "42\n"
        root = SparkFiles.getRootDirectory()
    assert not os.path.exists(root)                # removed with the context


def test_inheritable_threads_carry_the_job_group_and_added_files_are_listed(served_pyspark, tmp_path):
    from pyspark import InheritableThread, SparkContext, TaskContext
    (tmp_path / "a.txt").write_text("x")
    with SparkContext("local[2]", "threads") as sc:
        sc.setLocalProperty("who", "parent")
        seen = []
        t = InheritableThread(target=lambda: seen.append(
            sc.parallelize([0], 1).map(lambda _: TaskContext.get().getLocalProperty("who")).collect()))
        t.start()
        t.join()
        assert seen == [["parent"]]
        sc.addFile(str(tmp_path / "a.txt"))
        sc.addFile(str(tmp_path / "a.txt"))                    # a second time is ignored
        assert sc.listFiles == ["file:" + str(tmp_path / "a.txt")]


FILES_AND_ARCHIVES = '''
import os
from pyspark import SparkContext, SparkFiles
sc = SparkContext.getOrCreate()
def read(_):
    from pyspark import SparkFiles as Files     # imported inside the task, on the executor
    return [open(Files.get("notes.txt")).read().strip(),
            open(os.path.join(Files.get("bundle.zip"), "inner", "data.txt")).read().strip(),
            open(os.path.join(Files.get("renamed"), "inner", "data.txt")).read().strip()]
print("read", sc.parallelize([1], 1).flatMap(read).collect())
print("listed", [os.path.basename(f) for f in sc.listFiles], [os.path.basename(a) for a in sc.listArchives])
sc.stop()
'''


def test_submit_files_and_archives_reach_tasks_unpacked(tmp_path):
    import shutil
    (tmp_path / "notes.txt").write_text("hello file\n")
    (tmp_path / "pkg" / "inner").mkdir(parents=True)
    (tmp_path / "pkg" / "inner" / "data.txt").write_text("inside\n")
    shutil.make_archive(str(tmp_path / "bundle"), "zip", str(tmp_path / "pkg"))
    shutil.make_archive(str(tmp_path / "bundle"), "gztar", str(tmp_path / "pkg"))
    out = submit(tmp_path, FILES_AND_ARCHIVES, "--files", "notes.txt", "--archives",
                 "bundle.zip,bundle.tar.gz#renamed", flags_first=True)
    assert out.returncode == 0, out.stderr
    assert "read ['hello file', 'inside', 'inside']" in out.stdout
    assert "listed ['notes.txt'] ['bundle.zip', 'bundle.tar.gz#renamed']" in out.stdout


def test_add_archive_refuses_what_it_cannot_unpack(served_pyspark, tmp_path):
    from pyspark import SparkContext
    (tmp_path / "plain.txt").write_text("x")
    with SparkContext("local[2]", "archives") as sc:
        with pytest.raises(ValueError, match="is not a .zip, .jar, .tar, .tar.gz or .tgz archive"):
            sc.addArchive(str(tmp_path / "plain.txt"))


PLAIN_PYTHON = '''
from pyspark import SparkContext
sc = SparkContext("local[2]", "plain")
def inside(x):
    from pyspark import TaskContext     # imported inside the task, on the executor
    return x, TaskContext.get().partitionId()
print("pairs", sc.parallelize(range(4), 2).map(inside).collect())
sc.stop()
'''


def test_the_environment_switch_serves_pyspark_to_plain_python_and_its_executors(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(PLAIN_PYTHON)
    env = {k: v for k, v in os.environ.items() if k != "ZPARK_PYSPARK"}
    without = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                             env=env, cwd=str(tmp_path))
    assert without.returncode != 0 and "No module named 'pyspark'" in without.stderr
    switched = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                              env=dict(env, ZPARK_PYSPARK="1"), cwd=str(tmp_path))
    assert switched.returncode == 0, switched.stderr
    assert "pairs [(0, 0), (1, 0), (2, 1), (3, 1)]" in switched.stdout
