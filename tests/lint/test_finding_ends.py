"""Findings know where the offending scalar ends (for editors); no output format shows it."""

from __future__ import annotations

from runner.findings import Fix
from runner.lint.fix import apply_fixes, removal_spans
from runner.lint.linter import lint_text
from runner.yaml.loader import parse

DOC = """\
dagId: demo
tasks:
  - taskId: extract
    operator: dummy
  - taskId: load
    operator: dummy
    dependencies: [extract, extract]
"""


def test_a_finding_at_a_scalar_ends_where_it_ends() -> None:
    (finding,) = [f for f in lint_text(DOC) if f.code == "FR102"]
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (7, 29, 7, 36)
    assert "end_line" not in finding.as_dict() and "end_column" not in finding.as_dict()


def test_removal_spans_are_what_apply_fixes_deletes() -> None:
    source = parse(DOC)
    fix = Fix(("tasks", 1, "dependencies", 1))
    spans, removed = removal_spans(DOC, source, [fix])
    assert removed == 1 and spans == [(DOC.index(", extract]"), DOC.index("]\n"))]
    assert apply_fixes(DOC, source, [fix]) == (DOC.replace("[extract, extract]", "[extract]"), 1)
