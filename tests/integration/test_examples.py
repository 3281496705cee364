"""Every bundled example runs with ``zpark run-example`` and prints the right answer (checked against
plain Python where the answer is deterministic)."""
import os
import re
import subprocess
import sys
from collections import defaultdict

import pytest

ZPARK = [sys.executable, "-m", "zpark.cli"]


def run_example(name, *args, cwd=None):
    env = dict(os.environ, ZPARK_CONF='{"zpark.ui.showConsoleProgress": false}')
    out = subprocess.run(ZPARK + ["run-example", "--master", "local[2]", name, *map(str, args)],
                         capture_output=True, text=True, timeout=180, env=env, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_pi():
    value = float(run_example("pi", 2).split("Pi is roughly")[1])
    assert 3.0 < value < 3.3


def test_sort(tmp_path):
    numbers = [5, -3, 12, 0, 7, 7, -20]
    (tmp_path / "n.txt").write_text("\n".join(map(str, numbers)) + "\n\n")
    assert [int(x) for x in run_example("sort", tmp_path / "n.txt").split()] == sorted(numbers)


def plain_pagerank(links, iterations):
    outgoing = defaultdict(set)
    for a, b in links:
        outgoing[a].add(b)
    ranks = {page: 1.0 for page in outgoing}
    for _ in range(iterations):
        contribs = defaultdict(float)
        for page, targets in outgoing.items():
            if page not in ranks:                  # a page nobody links to drops out (the join)
                continue
            for t in targets:
                contribs[t] += ranks[page] / len(targets)
        ranks = {page: 0.85 * c + 0.15 for page, c in contribs.items()}
    return ranks


def test_pagerank_matches_plain_python(tmp_path):
    links = [("a", "b"), ("a", "c"), ("b", "c"), ("c", "a"), ("d", "c"), ("d", "a"), ("a", "b")]
    (tmp_path / "links.txt").write_text("\n".join("%s %s" % l for l in links) + "\n")
    printed = run_example("pagerank", tmp_path / "links.txt", 10)
    got = {m.group(1): float(m.group(2)) for m in re.finditer(r"(\w+) has rank: ([\d.]+)\.", printed)}
    expected = plain_pagerank(links, 10)
    assert got.keys() == expected.keys()
    assert all(abs(got[p] - expected[p]) < 1e-5 for p in got)


def test_kmeans_finds_the_three_centres():
    printed = run_example("kmeans")
    centres = eval(printed.split("Final centers: ")[1])       # a printed list of lists of floats
    assert len(centres) == 3
    for expected in ([-10, 10], [0, 0], [10, 10]):
        assert any(abs(c[0] - expected[0]) < 0.5 and abs(c[1] - expected[1]) < 0.5 for c in centres)


def test_logistic_regression_separates_the_sample():
    assert "Training accuracy: 1.000" in run_example("logistic_regression")


def plain_closure(edges):
    paths = set(edges)
    while True:
        longer = {(a, d) for a, b in paths for c, d in edges if b == c}
        if longer <= paths:
            return paths
        paths |= longer


def test_transitive_closure_matches_plain_python():
    import random
    rng = random.Random(42)                      # the example's graph, drawn the same way
    graph = set()
    while len(graph) < 60:
        a, b = rng.randrange(40), rng.randrange(40)
        if a != b:
            graph.add((a, b))
    assert "TC has %i edges" % len(plain_closure(sorted(graph))) in run_example("transitive_closure", 60, 40)


def test_als_error_goes_down():
    errors = [float(x) for x in re.findall(r"RMSE ([\d.]+)", run_example("als", 40, 30, 3, 4))]
    assert len(errors) == 4 and errors[-1] < errors[0] < 1.0


def test_status_reports_progress_and_the_result():
    printed = run_example("status")
    assert "Job results are: 100" in printed and re.search(r"job 0 stage 0: 10 tasks", printed)


def test_an_unknown_example_is_named():
    out = subprocess.run(ZPARK + ["run-example", "nope"], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "no example named 'nope'" in out.stderr and "pagerank" in out.stderr


@pytest.mark.parametrize("name", ["pi", "sort", "pagerank", "kmeans", "logistic_regression",
                                  "transitive_closure", "als", "status"])
def test_each_example_is_an_ordinary_pyspark_program(name):
    source = open(os.path.join(os.path.dirname(__import__("zpark.examples").examples.__file__),
                               name + ".py")).read()
    assert re.search(r"^from pyspark", source, re.M) and not re.search(r"^\s*(import|from) zpark", source, re.M)
