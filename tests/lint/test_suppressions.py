"""runner/lint/suppressions.py: `# flowrun: ignore[CODES]` on a line or on a task's `- taskId:`
line, `# flowrun: ignore-file[CODES]` on a line of its own, codes as prefixes, and FR006 for a
suppression that suppresses nothing (SPEC section 6)."""

from __future__ import annotations

from conftest import bash, lint_findings

from runner.findings import Finding
from runner.lint.suppressions import apply, parse


def finding(code: str, line: int, column: int = 1, task_line: int | None = None) -> Finding:
    return Finding(code, f"{code} here", line, column, path="wf.yaml", task_line=task_line)


def test_comments_are_parsed_with_their_position_and_codes() -> None:
    text = "a: 1  # flowrun: ignore[fr401, FR4]\n# flowrun: ignore-file[FR403]\nb: 2 # flowrun:ignore[]\n"
    found = [(s.line, s.column, s.codes, s.whole_file, bool(s.malformed)) for s in parse(text)]
    assert found == [(1, 7, ["FR401", "FR4"], False, False), (2, 1, ["FR403"], True, False), (3, 6, [], False, True)]
    assert parse("a: 1  # an ordinary comment\n") == []


def test_a_suppression_covers_its_line_and_by_prefix() -> None:
    text = "x\ny  # flowrun: ignore[FR4]\nz\n"
    kept = apply([finding("FR401", 2), finding("FR403", 2), finding("FR201", 2), finding("FR401", 3)], text,
                 "wf.yaml", None)
    assert [(f.code, f.line) for f in kept] == [("FR201", 2), ("FR401", 3)]


def test_on_the_task_line_it_covers_every_finding_of_the_task() -> None:
    text = "tasks:\n  - taskId: t  # flowrun: ignore[FR401]\n    params: {}\n"
    kept = apply([finding("FR401", 3, task_line=2), finding("FR401", 9, task_line=8)], text, "wf.yaml", None)
    assert [(f.code, f.line) for f in kept] == [("FR401", 9)]


def test_ignore_file_covers_the_whole_file() -> None:
    text = "# flowrun: ignore-file[FR102, FR104]\na\n"
    kept = apply([finding("FR102", 10), finding("FR104", 20), finding("FR004", 30)], text, "wf.yaml", None)
    assert [f.code for f in kept] == ["FR004"]


def test_a_code_that_suppresses_nothing_is_fr006_at_the_comment() -> None:
    text = "x\ny  # flowrun: ignore[FR401,FR403]\n"
    kept = apply([finding("FR401", 2)], text, "wf.yaml", None)
    (unused,) = kept
    assert (unused.code, unused.line, unused.column, unused.path) == ("FR006", 2, 4, "wf.yaml")
    assert unused.message == "unused suppression: no FR403 finding on this line or task"
    whole = apply([], "# flowrun: ignore-file[FR5]\n", "wf.yaml", None)
    assert [f.message for f in whole] == ["unused suppression: no FR5 finding in this file"]


def test_a_suppression_of_a_rule_that_did_not_run_is_not_unused() -> None:
    text = "x  # flowrun: ignore[FR401, FR403]\n"
    kept = apply([], text, "wf.yaml", lambda code: code != "FR403")
    assert [f.message for f in kept] == ["unused suppression: no FR401 finding on this line or task"]


def test_malformed_comments_are_reported_with_the_form_to_write() -> None:
    text = "a: 1  # flowrun: noqa\nb: 2  # flowrun: ignore-file[FR403]\n"
    kept = apply([], text, "wf.yaml", None)
    assert [(f.code, f.line, f.column) for f in kept] == [("FR006", 1, 7), ("FR006", 2, 7)]
    assert "write '# flowrun: ignore[FR401]'" in kept[0].message
    assert "write it on a line of its own" in kept[1].message


def test_lines_are_counted_as_yaml_counts_them() -> None:
    # \r\n ends a line; a form feed inside a line does not (str.splitlines would split there)
    text = "a: 1\r\nb: '\f'\r\nc: 3  # flowrun: ignore[FR401]\r\n"
    assert [s.line for s in parse(text)] == [3]


def test_through_the_linter() -> None:
    command = 'echo "$(date)" >> results.log'
    assert [f.code for f in lint_findings(bash(command), "FR401")] == ["FR401"]
    on_the_line = bash(command).rstrip("\n") + "  # flowrun: ignore[FR401]\n"  # the command is line 6, the last
    assert lint_findings(on_the_line, ("FR401", "FR006")) == []
    on_the_task = bash(command).replace("  - taskId: t\n", "  - taskId: t  # flowrun: ignore[FR4]\n")
    assert lint_findings(on_the_task, ("FR401", "FR006")) == []
    elsewhere = bash(command).replace("dagId: d\n", "dagId: d  # flowrun: ignore[FR401]\n")
    assert [(f.code, f.line) for f in lint_findings(elsewhere, ("FR401", "FR006"))] == [("FR006", 1), ("FR401", 6)]
