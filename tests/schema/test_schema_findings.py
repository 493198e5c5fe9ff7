"""FR002: JSON Schema violations as messages a person can act on, at the offending node."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runner.findings import Finding
from runner.lint.config import LintConfig
from runner.lint.linter import lint_text

Findings = Callable[..., list[Finding]]

HEAD = "dagId: d\ntasks:\n  - taskId: a\n    operator: dummy\n  - taskId: b\n"  # task b from line 5


def schema_findings(findings: Findings, text: str) -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.message) for f in findings(text, "FR002")]


def test_unknown_task_key_points_at_the_key_and_suggests_the_spelling(findings: Findings) -> None:
    text = HEAD + "    operator: dummy\n    dependecies: [a]\n"
    assert schema_findings(findings, text) == [
        (7, 5, "unknown key 'dependecies' in task 'b'; did you mean 'dependencies'?")
    ]


def test_unknown_top_level_key(findings: Findings) -> None:
    text = "dagId: d\nscheduel: '@daily'\ntasks:\n  - {taskId: a, operator: dummy}\n"
    assert schema_findings(findings, text) == [(2, 1, "unknown key 'scheduel' in the workflow; did you mean 'schedule'?")]


def test_unknown_key_without_close_match_lists_the_allowed_keys(findings: Findings) -> None:
    text = HEAD + "    operator: dummy\n    retryPolicy: {zzz: 1}\n"
    ((line, column, message),) = schema_findings(findings, text)
    assert (line, column) == (7, 19)
    assert message.startswith("unknown key 'zzz' in retryPolicy of task 'b'; expected one of: maxRetries, retryDelay")


def test_missing_required_task_key_points_at_the_task(findings: Findings) -> None:
    text = HEAD + "    dependencies: [a]\n"
    assert schema_findings(findings, text) == [(5, 5, "missing required key 'operator' in task 'b': write 'operator: bash' (one of dummy, bash, python, http, email, branch, transfer)")]


def test_missing_required_operator_param_points_at_params(findings: Findings) -> None:
    text = HEAD + "    operator: bash\n    params: {cwd: /tmp}\n"
    assert schema_findings(findings, text) == [(7, 5, "missing required key 'command' in params of task 'b': write 'command: ./run.sh'")]


def test_missing_top_level_keys_are_each_reported_once(findings: Findings) -> None:
    # with neither key the file is not taken for a workflow unless strict (tests/lint/test_not_workflows.py)
    assert schema_findings(findings, "description: nothing else\n") == []
    strict = lint_text("description: nothing else\n", config=LintConfig(strict=True))
    assert [(f.line, f.column, f.message) for f in strict if f.code == "FR002"] == [
        (1, 1, "missing required key 'dagId' in the workflow: write 'dagId: my_pipeline'"),
        (1, 1, "missing required key 'tasks' in the workflow: write 'tasks: [{taskId: a, operator: dummy}]'"),
    ]


def test_bad_enum_with_a_suggestion(findings: Findings) -> None:
    text = HEAD + "    operator: dummy\n    dependencies: [a]\n    triggerRule: all_sucess\n"
    assert schema_findings(findings, text) == [
        (8, 18, "'all_sucess' is not a valid triggerRule in task 'b'; did you mean 'all_success'?")
    ]


def test_bad_enum_without_a_suggestion_lists_the_options(findings: Findings) -> None:
    text = HEAD + "    operator: docker\n"
    assert schema_findings(findings, text) == [
        (6, 15, "'docker' is not a valid operator in task 'b'; write one of: dummy, bash, python, http, email, branch, transfer")
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("    priority: high\n", (7, 15, "priority of task 'b' must be an integer, not a string ('high')")),
        ("    dependencies: a\n", (7, 19, "dependencies of task 'b' must be a list, not a string ('a'); write 'dependencies: [a]'")),
        ("    resources: {memory: 1.5}\n", (7, 25, "resources.memory of task 'b' must be an integer, not a number (1.5)")),
        ("    params: [1]\n", (7, 13, "params of task 'b' must be a mapping, not a list")),
    ],
)
def test_wrong_type_points_at_the_value(findings: Findings, line: str, expected: tuple[int, int, str]) -> None:
    text = HEAD + "    operator: dummy\n" + line
    assert schema_findings(findings, text) == [expected]


def test_boolean_words_are_strings_in_yaml_1_2(findings: Findings) -> None:
    text = "dagId: d\ncatchup: yes\ntasks:\n  - {taskId: a, operator: dummy}\n"
    assert schema_findings(findings, text) == [(2, 10, "catchup must be true or false, not a string ('yes'); write 'catchup: true'")]


@pytest.mark.parametrize("duration", ["10 minutes", "'30'", "2w", "1.5"])
def test_bad_duration_gets_the_duration_hint(findings: Findings, duration: str) -> None:
    text = HEAD + f"    operator: bash\n    params: {{command: x}}\n    timeout: {{execution: {duration}}}\n"
    ((line, column, message),) = schema_findings(findings, text)
    assert (line, column) == (8, 26)
    if duration == "1.5":  # a number that is not an integer of milliseconds
        assert message == "timeout.execution of task 'b' must be an integer or a string, not a number (1.5)"
    else:
        assert message.endswith("is not a duration; write e.g. 500ms, 30s, 10m, 1h30m, or an integer of milliseconds")
        assert "timeout.execution of task 'b'" in message


@pytest.mark.parametrize("duration", ["30s", "1h30m", "500ms", "1.5s", "0", "250"])
def test_good_durations_pass(findings: Findings, duration: str) -> None:
    text = HEAD + f"    operator: bash\n    params: {{command: x}}\n    retryPolicy: {{retryDelay: {duration}}}\n"
    assert schema_findings(findings, text) == []


def test_negative_duration_reports_the_bound(findings: Findings) -> None:
    text = HEAD + "    operator: bash\n    params: {command: x}\n    retryPolicy: {retryDelay: -1}\n"
    assert schema_findings(findings, text) == [
        (8, 31, "retryPolicy.retryDelay of task 'b' is -1; write 0 or more")
    ]


def test_one_of_several_types_names_them_all(findings: Findings) -> None:
    text = HEAD + "    operator: branch\n    params:\n      condition: \"'x'\"\n      branches: {x: 3}\n"
    assert schema_findings(findings, text) == [
        (9, 21, "params.branches.x of task 'b' must be a string or a list, not a number (3); write 'x: \"3\"'")
    ]


def test_out_of_range_status_names_the_bound_not_the_type(findings: Findings) -> None:
    text = HEAD + "    operator: http\n    params: {url: 'https://x', expectStatus: 700}\n"
    assert schema_findings(findings, text) == [
        (7, 46, "params.expectStatus of task 'b' is 700; write 599 or less")
    ]


def test_pattern_mismatch_of_identifiers(findings: Findings) -> None:
    text = "dagId: my dag\ntasks:\n  - {taskId: a, operator: dummy}\n"
    assert schema_findings(findings, text) == [
        (1, 8, "'my dag' in dagId is not a valid name; write letters, digits and _ (then also . and -), e.g. 'my_dag'")
    ]


def test_tasks_of_wrong_types_are_each_reported(findings: Findings) -> None:
    text = 'dagId: d\ntasks: [1, "x", null]\n'
    assert schema_findings(findings, text) == [
        (2, 9, "task #1 must be a mapping, not a number (1); write '- {taskId: a, operator: dummy}'"),
        (2, 12, "task #2 must be a mapping, not a string ('x'); write '- {taskId: x, operator: dummy}'"),
        (2, 17, "task #3 must be a mapping, not null; write '- {taskId: a, operator: dummy}'"),
    ]


def test_empty_task_list(findings: Findings) -> None:
    assert [(f.line, f.column, f.code) for f in findings("dagId: d\ntasks: []\n", "FR0")] == [(2, 8, "FR002")]


def test_unquoted_start_date_stays_a_string(findings: Findings) -> None:
    text = "dagId: d\nstartDate: 2026-01-01\ntasks:\n  - {taskId: a, operator: dummy}\n"
    assert findings(text, "FR0") == []


def test_schema_findings_are_errors_named_schema(findings: Findings) -> None:
    (finding,) = findings(HEAD + "    operator: docker\n", "FR0")
    assert (finding.code, finding.name, finding.severity, finding.fixable) == ("FR002", "schema", "error", False)
