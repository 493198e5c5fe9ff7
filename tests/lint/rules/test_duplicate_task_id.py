"""FR003 duplicate-task-id (runner/lint/rules/duplicate_task_id.py), on (line, column, code)
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


# -- FR003 duplicate-task-id ----------------------------------------------------------------------


def test_fr003_second_task_id_is_reported_at_its_value(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: load
            operator: dummy
          - taskId: load
            operator: dummy
        """
    assert lint(text) == [(5, 13, "FR003")]


def test_fr003_every_later_duplicate_is_reported(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy}
          - {taskId: a, operator: dummy}
          - {taskId: b, operator: dummy}
          - {taskId: a, operator: dummy}
        """
    assert lint(text, "FR003") == [(4, 14, "FR003"), (6, 14, "FR003")]


def test_fr003_message_names_the_first_line(findings: Findings) -> None:
    (finding,) = findings("dagId: d\ntasks:\n  - {taskId: a, operator: dummy}\n  - {taskId: a, operator: dummy}\n")
    assert finding.code == "FR003"
    assert "'a'" in finding.message and "line 3" in finding.message


def test_fr003_distinct_ids_and_case_differences_pass(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: load, operator: dummy}
          - {taskId: Load, operator: dummy}
          - {taskId: load_2, operator: dummy}
        """
    assert lint(text) == []


def test_fr003_ignores_tasks_without_a_string_id(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: 1, operator: dummy}
          - {taskId: 1, operator: dummy}
        """
    assert lint(text, "FR003") == []
