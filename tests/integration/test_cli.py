"""The zpark command: submit applies --master/--executors/--conf to the script's Context; run-example works."""
import os
import subprocess
import sys

ZPARK = os.path.join(os.path.dirname(sys.executable), "zpark")


def test_submit_applies_options_to_the_context(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(
        "import sys, zpark\n"
        "with zpark.Context() as ctx:\n"
        "    print(len(ctx.executorInfos()), ctx.getConf().get('zpark.task.maxFailures'), sys.argv[1:])\n"
        "    print(ctx.parallelize(range(10)).sum())\n")
    out = subprocess.run([ZPARK, "submit", "--executors", "3", "--conf", "zpark.task.maxFailures=2",
                          str(script), "a", "--flag"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["3 2 ['a', '--flag']", "45"]


def test_run_example_wordcount_prints_top_words(tmp_path):
    (tmp_path / "t.txt").write_text("b a b\nc b a\n\n")
    out = subprocess.run([ZPARK, "run-example", "wordcount", str(tmp_path)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert [l.split() for l in lines if l.split() and l.split()[0] in "abc"] == [["b", "3"], ["a", "2"], ["c", "1"]]
    assert "empty lines: 1" in lines
