"""FR101 circular-dependency (runner/lint/rules/circular_dependency.py), on (line, column, code)
of small fixtures.

Other rules are filtered out: only the structural rules run unless a test selects
(`DEFAULT_SELECT`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import STRUCTURAL

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]

DEFAULT_SELECT = STRUCTURAL


# -- FR101 circular-dependency ---------------------------------------------------------------------


def test_fr101_two_task_cycle_points_at_the_closing_dependency_of_the_first_task(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: a
            operator: dummy
            dependencies: [b]
          - taskId: b
            operator: dummy
            dependencies: [a]
        """
    assert lint(text) == [(5, 20, "FR101")]


def test_fr101_self_dependency(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: a
            operator: dummy
          - taskId: b
            operator: dummy
            dependencies:
              - a
              - b
        """
    assert lint(text) == [(9, 9, "FR101")]


def test_fr101_message_reads_upstream_to_downstream(findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, dependencies: [c]}
          - {taskId: b, operator: dummy, dependencies: [a]}
          - {taskId: c, operator: dummy, dependencies: [b]}
        """
    (finding,) = findings(text)
    assert (finding.line, finding.column, finding.code) == (3, 49, "FR101")
    assert finding.message == "circular dependency: a -> b -> c -> a"


def test_fr101_acyclic_graph_with_a_diamond_passes(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy}
          - {taskId: b, operator: dummy, dependencies: [a]}
          - {taskId: c, operator: dummy, dependencies: [a]}
          - {taskId: d, operator: dummy, dependencies: [b, c]}
        """
    assert lint(text) == []


def test_fr101_cycle_through_an_unknown_name_is_not_a_cycle(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, dependencies: [ghost]}
        """
    assert lint(text) == [(3, 49, "FR004")]
