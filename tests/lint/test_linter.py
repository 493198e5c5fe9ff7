"""runner/lint/linter.py: what a lint reports, across rules."""

from __future__ import annotations

from collections.abc import Callable

from conftest import STRUCTURAL

Lint = Callable[..., list[tuple[int, int, str]]]

DEFAULT_SELECT = STRUCTURAL


# -- ordering ---------------------------------------------------------------------------------------


def test_findings_are_sorted_by_position(lint: Lint) -> None:
    text = """
        dagId: d
        schedule: "bad"
        tasks:
          - {taskId: a, operator: dummy, triggerRule: always}
          - {taskId: a, operator: dummy, dependencies: [zz]}
        """
    found = lint(text)
    assert found == sorted(found)
    assert [code for _, _, code in found] == ["FR005", "FR104", "FR003", "FR004"]
