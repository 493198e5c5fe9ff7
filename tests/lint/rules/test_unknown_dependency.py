"""FR004 unknown-dependency (runner/lint/rules/unknown_dependency.py), on (line, column, code)
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


# -- FR004 unknown-dependency ----------------------------------------------------------------------


def test_fr004_unknown_dependency_in_a_flow_list(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: extract
            operator: dummy
          - taskId: load
            operator: dummy
            dependencies: [extract, extrct]
        """
    assert lint(text) == [(7, 29, "FR004")]


def test_fr004_unknown_dependency_in_a_block_list(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: extract
            operator: dummy
          - taskId: load
            operator: dummy
            dependencies:
              - extract
              - nowhere
        """
    assert lint(text) == [(9, 9, "FR004")]


def test_fr004_message_suggests_a_close_name(findings: Findings) -> None:
    (finding,) = findings(
        "dagId: d\ntasks:\n  - {taskId: extract, operator: dummy}\n"
        "  - {taskId: load, operator: dummy, dependencies: [extrct]}\n"
    )
    assert finding.code == "FR004"
    assert "did you mean 'extract'?" in finding.message


def test_fr004_branch_targets_and_source_task(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: check
            operator: branch
            params:
              condition: "'a'"
              branches:
                a: ghost
                b: [real, phantom]
          - taskId: real
            operator: dummy
            dependencies: [check]
          - taskId: copy
            operator: transfer
            params: {sourceTask: missing}
        """
    assert lint(text, "FR004") == [(8, 12, "FR004"), (9, 19, "FR004"), (15, 26, "FR004")]


def test_fr004_known_names_pass(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: a
            operator: dummy
          - taskId: b
            operator: dummy
            dependencies: [a]
          - taskId: c
            operator: transfer
            params: {sourceTask: b}
            dependencies: [b]
        """
    assert lint(text) == []


def test_fr004_dependency_on_a_later_task_is_known(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, dependencies: [b]}
          - {taskId: b, operator: dummy}
        """
    assert lint(text) == []
