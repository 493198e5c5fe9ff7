"""Lint work grows linearly with the number of findings (issue: one breadth-first search of the
whole graph per FR102 finding made a 10,000-task file with 12,700 findings take 25 s).

Work is counted, not timed: the lines executed in the graph module, the redundant-dependency
rule and the fixer (a deterministic count, whatever else the machine is doing), on two random
DAGs whose sizes and finding counts differ by about 2x.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from workloads import random_dag, workflow_yaml

from runner.graph import Graph
from runner.lint.config import LintConfig
from runner.lint.fix import apply_fixes
from runner.lint.linter import lint_source

WATCHED = ("graph.py", "redundant_dependency.py", "fix.py")


def lines_executed(text: str) -> tuple[int, int]:
    """(lines executed in the watched modules by a lint and one fix round, FR102 findings)."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def call(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.endswith(WATCHED) else None

    sys.settrace(call)
    try:
        findings, source = lint_source(text, "wf.yaml", LintConfig(select=["FR102"]))
        assert source is not None
        apply_fixes(text, source, [f.fix for f in findings if f.fix is not None])
    finally:
        sys.settrace(None)
    return count, sum(f.code == "FR102" for f in findings)


def test_lint_work_is_linear_in_the_findings() -> None:
    small_lines, small_found = lines_executed(workflow_yaml("g", random_dag(800, 5), "true", 8))
    big_lines, big_found = lines_executed(workflow_yaml("g", random_dag(1600, 5), "true", 8))
    assert big_found > 1.5 * small_found > 1000
    # linear: about 2x the lines for 2x the tasks and findings; a search per finding gave ~4x
    assert big_lines / small_lines < 2.6, (small_lines, big_lines)


def test_every_explanation_is_a_path_of_the_graph() -> None:
    deps = random_dag(600, 5, seed=3)
    graph = Graph([f"t{i}" for i in range(600)], deps)
    edges = {(p, i) for i, ups in enumerate(deps) for p in ups}
    found = graph.redundant_edges()
    assert len(found) > 100
    for child, parent, _ in found:
        chain = graph.redundant_chain(child, parent)
        assert chain[0] == parent and chain[-1] == child and len(chain) >= 3
        assert all((a, b) in edges for a, b in itertools.pairwise(chain))
