"""FR006 unused-suppression (runner/lint/rules/unused_suppression.py and runner/lint/suppressions.py):
a suppression comment that suppresses nothing is reported (issue 13 E.15). Every rule runs, as
in a real lint. The parsing and matching of suppressions: tests/lint/test_suppressions.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runner.findings import Finding

Findings = Callable[..., list[Finding]]


# -- suppressions without codes ------------------------------------------------------------------------


@pytest.mark.parametrize("comment", ["# flowrun: ignore", "# flowrun: ignore[]", "# flowrun: noqa", "# flowrun:ignore FR001"])
def test_a_suppression_without_codes_is_reported_with_the_expected_form(findings: Findings, comment: str) -> None:
    text = f"dagId: d\ntasks:\n  - taskId: a  {comment}\n    operator: dummy\n"
    (finding,) = findings(text)
    assert (finding.code, finding.line, finding.column) == ("FR006", 3, 16)
    assert "write '# flowrun: ignore[FR401]'" in finding.message


def test_an_ignore_file_after_other_text_is_reported(findings: Findings) -> None:
    text = "dagId: d  # flowrun: ignore-file[FR403]\ntasks:\n  - {taskId: a, operator: dummy}\n"
    (finding,) = findings(text)
    assert (finding.code, finding.line, finding.column) == ("FR006", 1, 11)
    assert "line of its own" in finding.message


def test_valid_suppressions_still_work(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - {taskId: a, operator: dummy, triggerRule: all_done}  # flowrun: ignore[FR104]\n"
    assert findings(text) == []
