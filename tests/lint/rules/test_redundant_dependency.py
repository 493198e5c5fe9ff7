"""FR102 redundant-dependency (runner/lint/rules/redundant_dependency.py), on (line, column, code)
of small fixtures.

Other rules are filtered out: only the structural rules run unless a test selects
(`DEFAULT_SELECT`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import STRUCTURAL
from test_graph import brute_force_redundant, random_dag

from runner.api import Workflow
from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]

DEFAULT_SELECT = STRUCTURAL


# -- FR102 redundant-dependency --------------------------------------------------------------------


def test_fr102_transitive_edge_is_reported_at_the_list_item(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: extract
            operator: dummy
          - taskId: transform
            operator: dummy
            dependencies: [extract]
          - taskId: load
            operator: dummy
            dependencies:
              - transform
              - extract
        """
    assert lint(text) == [(12, 9, "FR102")]


def test_fr102_message_shows_the_implying_path(findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: t1, operator: dummy}
          - {taskId: t2, operator: dummy, dependencies: [t1]}
          - {taskId: t3, operator: dummy, dependencies: [t2]}
          - {taskId: t4, operator: dummy, dependencies: [t1, t3]}
        """
    (finding,) = findings(text)
    assert (finding.line, finding.column, finding.code) == (6, 50, "FR102")
    assert finding.message == "dependency on 't1' is redundant: t1 -> t2 -> t3 -> t4 already orders them"
    assert finding.fixable and finding.severity == "warning"


def test_fr102_dependency_listed_twice(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy}
          - {taskId: b, operator: dummy, dependencies: [a, a]}
        """
    assert lint(text) == [(4, 52, "FR102")]


def test_fr102_independent_parents_pass(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy}
          - {taskId: b, operator: dummy}
          - {taskId: c, operator: dummy, dependencies: [a]}
          - {taskId: d, operator: dummy, dependencies: [b, c]}
        """
    assert lint(text) == []


def test_fr102_is_quiet_while_there_is_a_cycle(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, dependencies: [c]}
          - {taskId: b, operator: dummy, dependencies: [a]}
          - {taskId: c, operator: dummy, dependencies: [a, b]}
        """
    # two loops share task a (a -> b -> c -> a and a -> c -> a): both are reported
    assert [code for _, _, code in lint(text)] == ["FR101", "FR101"]


# -- FR102 redundant-dependency (the case of the issue) --------------------------------------------


def test_fr102_two_dependencies_implied_by_a_third(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: task1, operator: dummy}
          - {taskId: task2, operator: dummy}
          - {taskId: task3, operator: dummy, dependencies: [task1, task2]}
          - taskId: task4
            operator: dummy
            dependencies: [task1, task2, task3]
        """
    assert lint(text, "FR102") == [(8, 20, "FR102"), (8, 27, "FR102")]


# -- FR102 on a generated workflow, against a brute-force reference -------------------------------


def test_fr102_on_a_generated_workflow_reports_each_redundant_edge_once() -> None:
    parents = random_dag(300, 4)
    names = [f"t{i}" for i in range(len(parents))]
    wf = Workflow.from_dict(
        {
            "dagId": "big",
            "tasks": [
                {"taskId": names[i], "operator": "dummy", "dependencies": [names[p] for p in ups]}
                for i, ups in enumerate(parents)
            ],
        }
    )
    found = [f for f in wf.findings() if f.code == "FR102"]
    edges = set()
    for f in found:
        assert f.fix is not None
        _, child, _, j = f.fix.path
        assert isinstance(child, int) and isinstance(j, int)
        edges.add((child, parents[child][j]))
    assert len(found) == len(edges) == len(brute_force_redundant(parents))
    assert edges == brute_force_redundant(parents)
