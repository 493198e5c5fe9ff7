"""FR007 duplicate-alert-id (runner/lint/rules/duplicate_alert_id.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import alerting

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR007 duplicate-alert-id ---------------------------------------------------------------------


def test_fr007_duplicate_alert_id(lint: Lint, findings: Findings) -> None:
    text = alerting(
        '  - id: page\n    on: [task_failed]\n    notify: [{command: "true"}]\n'
        '  - id: page\n    on: [sla_missed]\n    notify: [{command: "true"}]\n'
    )
    assert lint(text, "FR007") == [(6, 9, "FR007")]
    assert "first used on line 3" in findings(text, "FR007")[0].message
