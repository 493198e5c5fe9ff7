"""Cost of growth: how lint time grows with the tasks of one file, and run overhead with tasks
and edges. Anything worse than linear in tasks + edges shows as a rising cost per task.

    python benchmarks/bench_growth.py [--repeat 3] [--no-run]

Lint: one file of N tasks in 20 layers, 3 parents each (10 to 10,000 tasks), linted in this
process (`lint_source`, no start-up), median of --repeat. Many findings: lint (and `--fix`) time
against the number of FR102 findings: the 10,000-task layered file with 0 to 40,000 redundant
edges added (grandparents), and random DAGs of 5 parents a task (1,000 to 10,000 tasks, whose
redundant edges grow with them), beside networkx's transitive_reduction of the same graph. Run: `flowrun run` of N `true` tasks
(independent, and layered with 3 parents each) at concurrency 8, in a fresh directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workloads import Deps, independent_deps, layered_deps, random_dag, workflow_yaml

from runner.lint.config import LintConfig
from runner.lint.fix import apply_fixes
from runner.lint.linter import lint_source


def lint_growth(repeat: int) -> None:
    print("lint of one file (in process)    tasks    edges      KB   median ms   us/task  us/(task+edge)")
    for n in (10, 100, 1_000, 10_000):
        deps = layered_deps(n)
        text = workflow_yaml(f"growth_{n}", deps, "./step.sh --day {{ ds }}", 8)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            lint_source(text, "growth.yaml", LintConfig())
            times.append(time.perf_counter() - start)
        edges = sum(map(len, deps))
        ms = statistics.median(times) * 1000
        print(f"{'':32} {n:6} {edges:8} {len(text) / 1024:7.0f} {ms:11.1f} {ms * 1000 / n:9.0f} {ms * 1000 / (n + edges):15.0f}")


def with_grandparents(deps: Deps, extra: int) -> Deps:
    """deps with `extra` redundant edges: tasks also depending on a parent's first parent."""
    out = [list(ups) for ups in deps]
    added = 0
    for rank in range(3):  # each pass adds at most one edge per task: the rank-th parent's parent
        for ups in out:
            if added == extra:
                return out
            if len(ups) > rank and deps[ups[rank]] and deps[ups[rank]][0] not in ups:
                ups.append(deps[ups[rank]][0])
                added += 1
    return out


def timed_lint(text: str, repeat: int) -> tuple[float, float, int]:
    """Median seconds of lint and of one --fix round (lint + apply), and the FR102 findings."""
    lint_times, fix_times, count = [], [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        findings, source = lint_source(text, "growth.yaml", LintConfig())
        lint_times.append(time.perf_counter() - start)
        fixes = [f.fix for f in findings if f.fix is not None]
        assert source is not None
        apply_fixes(text, source, fixes)
        fix_times.append(time.perf_counter() - start)
        count = sum(f.code == "FR102" for f in findings)
    return statistics.median(lint_times), statistics.median(fix_times), count


def networkx_reduction(deps: Deps) -> float | None:
    try:
        import networkx as nx
    except ImportError:
        return None
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(deps)))
    graph.add_edges_from((p, i) for i, ups in enumerate(deps) for p in ups)
    start = time.perf_counter()
    nx.transitive_reduction(graph)
    return time.perf_counter() - start


def findings_growth(repeat: int) -> None:
    print("lint with many findings           shape           tasks    edges  FR102   lint s   fix s"
          "  us/finding  networkx s  ratio")
    base = layered_deps(10_000)
    cases = [(f"layered+{k}", with_grandparents(base, k)) for k in (0, 1_000, 10_000, 20_000, 40_000)]
    cases += [("random 5 parents", random_dag(n, 5)) for n in (1_000, 3_000, 10_000)]
    for shape, deps in cases:
        text = workflow_yaml("findings", deps, "true", 8)
        lint_s, fix_s, found = timed_lint(text, repeat)
        nx_s = networkx_reduction(deps)
        per = f"{lint_s * 1e6 / found:11.0f}" if found else f"{'-':>11}"
        nx_text = f"{nx_s:11.2f} {nx_s / lint_s:6.1f}x" if nx_s is not None else f"{'-':>11} {'-':>7}"
        print(f"{'':32} {shape:16} {len(deps):6} {sum(map(len, deps)):8} {found:6} {lint_s:8.2f} {fix_s:7.2f}"
              f" {per} {nx_text}")


def run_growth(repeat: int) -> None:
    flowrun = str(Path(sys.executable).parent / "flowrun")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    print("flowrun run, true tasks, -j8      shape       tasks    edges   median s   ms/task")
    for shape, make in (("independent", independent_deps), ("layered", layered_deps)):
        for n in (100, 1_000, 3_000):
            deps = make(n)
            times = []
            for _ in range(repeat):
                with tempfile.TemporaryDirectory() as tmp:
                    path = Path(tmp) / "wf.yaml"
                    path.write_text(workflow_yaml(f"{shape}_{n}", deps, "true", 8))
                    start = time.perf_counter()
                    done = subprocess.run([flowrun, "run", str(path)], cwd=tmp, env=env, capture_output=True, check=False)
                    times.append(time.perf_counter() - start)
                    assert done.returncode == 0, done.stderr[-500:]
            s = statistics.median(times)
            print(f"{'':32} {shape:12} {n:6} {sum(map(len, deps)):8} {s:10.2f} {s * 1000 / n:9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-run", action="store_true")
    args = parser.parse_args()
    lint_growth(args.repeat)
    findings_growth(args.repeat)
    if not args.no_run:
        run_growth(args.repeat)


if __name__ == "__main__":
    main()
