"""FR501 transfer-of-data (runner/lint/rules/transfer_of_data.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR501 transfer-of-data -----------------------------------------------------------------------


def test_fr501_every_transfer_task(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: extract, operator: bash, params: {command: ./extract.sh}}
          - taskId: handover
            operator: transfer
            dependencies: [extract]
            params: {sourceTask: extract}
          - {taskId: other, operator: dummy, dependencies: [handover]}
        """
    assert lint(text, "FR501") == [(5, 15, "FR501")]
    assert findings(text, "FR501")[0].severity == "info"


def test_fr501_no_transfer_no_finding(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: extract, operator: bash, params: {command: "./extract.sh --out data/extract_{{ ds }}.csv"}}
        """
    assert lint(text, "FR501") == []
