"""FR406 missing-timeout (runner/lint/rules/missing_timeout.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

Lint = Callable[..., list[tuple[int, int, str]]]


# -- FR406 missing-timeout ------------------------------------------------------------------------


def test_fr406_tasks_running_a_process_without_timeout(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: start, operator: dummy}
          - taskId: export
            operator: bash
            dependencies: [start]
            params: {command: ./export.sh}
          - taskId: fetch
            operator: http
            timeout: {sla: 1h}
            params: {url: "https://x.example.com"}
          - taskId: mail
            operator: email
            params: {to: a@example.com, subject: s, body: b}
          - taskId: bounded
            operator: python
            timeout: {execution: 10m}
            params: {pythonCode: "print(1)"}
          - {taskId: handover, operator: transfer, dependencies: [export], params: {sourceTask: export}}
        """
    assert lint(text, "FR406") == [(4, 13, "FR406"), (8, 13, "FR406"), (12, 13, "FR406")]


def test_fr406_timeout_in_defaults_passes(lint: Lint) -> None:
    text = """
        dagId: d
        defaults:
          timeout: {execution: 10m}
        tasks:
          - {taskId: export, operator: bash, params: {command: ./export.sh}}
          - taskId: pick
            operator: branch
            dependencies: [export]
            params: {condition: "'a'", branches: {a: a}}
          - {taskId: a, operator: dummy, dependencies: [pick]}
        """
    assert lint(text, "FR406") == []
