"""One mistake, one finding (issue 13 D.10, E.15, C.2; issue 12 item 5).

A later rule does not report on a value an earlier finding declared malformed; no finding names
a task `None`; a suggested fix lints clean; overlay errors come once, at the overlay's own node;
ids fit in a log path; dates are real calendar dates. (A bare suppression is reported: in
test_unused_suppression.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from runner.findings import Finding
from runner.run.plan import origin_of

Findings = Callable[..., list[Finding]]


def lines(findings: list[Finding]) -> list[tuple[int, int, str, str]]:
    return [(f.line, f.column, f.code, f.message) for f in findings]


def test_task_id_spelt_the_airflow_way_is_one_finding(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - task_id: a\n    operator: dummy\n"
    assert lines(findings(text)) == [(3, 5, "FR002", "unknown key 'task_id' in task #1: write 'taskId'")]


def test_id_of_a_runnable_task_gives_no_finding_about_task_none(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - id: a\n    operator: bash\n    params: {command: ./a.sh}\n"
    assert lines(findings(text)) == [(3, 5, "FR002", "unknown key 'id' in task #1: write 'taskId'")]


def test_dag_id_is_one_finding(findings: Findings) -> None:
    text = "dag_id: d\ntasks:\n  - {taskId: a, operator: dummy}\n"
    assert lines(findings(text)) == [(1, 1, "FR002", "unknown key 'dag_id' in the workflow: write 'dagId'")]


def test_a_dependency_on_a_task_whose_id_is_under_a_foreign_key_is_not_a_second_finding(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - id: a\n    operator: dummy\n  - taskId: b\n    operator: dummy\n    dependencies: [a]\n"
    assert [f.code for f in findings(text)] == ["FR002"]


def test_no_finding_ever_names_a_task_none(findings: Findings) -> None:
    text = (
        "dagId: d\ntasks:\n  - operator: bash\n    params: {command: 'rm -rf /tmp/x && ./a.sh && ./b.sh >> out.log'}\n"
        "    triggerRule: all_done\n  - taskId: 7\n    operator: email\n    retryPolicy: {maxRetries: 2}\n"
        "    params: {to: a@example.com, subject: s, body: b}\n"
    )
    found = findings(text)
    assert found and all("None" not in f.message for f in found)


def test_dependencies_as_a_string_is_not_also_a_trigger_rule_without_upstream(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - {taskId: a, operator: dummy}\n  - taskId: b\n    operator: dummy\n    dependencies: a\n    triggerRule: all_done\n"
    assert [(f.line, f.code) for f in findings(text)] == [(6, "FR002")]
    assert findings(text, "FR104") == []  # also when the schema rule is not selected


def test_a_foreign_key_for_dependencies_is_not_also_a_trigger_rule_without_upstream(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - {taskId: a, operator: dummy}\n  - taskId: b\n    operator: dummy\n    depends_on: [a]\n    triggerRule: all_done\n"
    assert [(f.line, f.code) for f in findings(text)] == [(6, "FR002")]


@pytest.mark.parametrize("timeout", ["timeout: 30s", "execution_timeout: 30s", "timeout: {execution: 30x}"])
def test_a_malformed_timeout_is_not_also_a_missing_timeout(findings: Findings, timeout: str) -> None:
    text = f"dagId: d\ntasks:\n  - taskId: a\n    operator: bash\n    params: {{command: ./a.sh}}\n    {timeout}\n"
    assert [f.code for f in findings(text)] == ["FR002"]


def test_a_malformed_default_timeout_is_not_also_a_missing_timeout(findings: Findings) -> None:
    text = "dagId: d\ndefaults: {timeout: 10m}\ntasks:\n  - taskId: a\n    operator: bash\n    params: {command: ./a.sh}\n"
    assert [(f.line, f.code) for f in findings(text)] == [(2, "FR002")]


def test_a_template_with_a_syntax_error_does_not_make_its_param_unused(findings: Findings) -> None:
    text = (
        "dagId: d\nparams:\n  region: {type: string, default: eu}\ntasks:\n  - taskId: a\n    operator: bash\n"
        "    timeout: {execution: 1m}\n    params: {command: \"./a.sh {{ params.region | shell_quote }\"}\n"
    )
    assert [f.code for f in findings(text)] == ["FR201"]


def test_an_alert_template_with_a_syntax_error_does_not_make_params_unused(findings: Findings) -> None:
    text = (
        "dagId: d\nparams:\n  region: {type: string, default: eu}\nalerts:\n  - id: x\n    on: [task_failed]\n"
        "    message: \"{{ params.region }\"\n    notify: [{command: ./page.sh}]\ntasks:\n  - {taskId: a, operator: dummy}\n"
    )
    assert findings(text, "FR204") == []


def test_a_malformed_dependency_id_is_not_also_an_unknown_dependency(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - {taskId: a, operator: dummy}\n  - {taskId: b, operator: dummy, dependencies: ['a b']}\n"
    assert [f.code for f in findings(text)] == ["FR002"]


def test_an_empty_schedule_is_not_also_an_invalid_schedule(findings: Findings) -> None:
    text = "dagId: d\nschedule: ''\ntasks:\n  - {taskId: a, operator: dummy}\n"
    assert [f.code for f in findings(text)] == ["FR002"]


# -- FR103 suggests only fixes that lint clean ---------------------------------------------------------

BRANCH_UPSTREAM = """\
dagId: d
tasks:
  - taskId: a
    operator: dummy
  - taskId: br
    operator: branch
    dependencies: [a]
    params: {condition: "'x'", branches: {x: a, y: b}}
  - taskId: b
    operator: dummy
    dependencies: [br]
"""


def test_fr103_does_not_suggest_a_dependency_that_makes_a_cycle(findings: Findings) -> None:
    (finding,) = findings(BRANCH_UPSTREAM)
    assert (finding.code, finding.line, finding.column) == ("FR103", 8, 46)
    assert "add 'br'" not in finding.message
    assert "remove 'a' from branches" in finding.message
    fixed = BRANCH_UPSTREAM.replace("branches: {x: a, y: b}", "branches: {y: b}")
    assert findings(fixed) == []  # the suggested fix lints clean


def test_fr103_suggestion_for_a_target_that_does_not_depend_on_the_branch_lints_clean(findings: Findings) -> None:
    text = BRANCH_UPSTREAM.replace("branches: {x: a, y: b}", "branches: {x: c, y: b}") + "  - {taskId: c, operator: dummy}\n"
    (finding,) = findings(text)
    assert finding.message.endswith("add 'br' to its dependencies")
    assert findings(text.replace("{taskId: c, operator: dummy}", "{taskId: c, operator: dummy, dependencies: [br]}")) == []


def test_fr103_target_that_is_the_branch_itself(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - taskId: br\n    operator: branch\n    params: {condition: \"'x'\", branches: {x: br}}\n"
    ((code, message),) = [(f.code, f.message) for f in findings(text)]
    assert code == "FR103" and "add 'br'" not in message


# -- environment overlays ------------------------------------------------------------------------------

OVERLAY = """\
dagId: d
schedule: "0 * * * *"
concurrency: 4
environments:
  development:
    concurrency: 0
    schedule: "bad"
    defaults:
      timeout: {execution: 30x}
tasks:
  - taskId: a
    operator: dummy
"""


def test_overlay_errors_of_a_dry_run_come_once_at_the_overlays_own_nodes(run_cli: Callable[..., CompletedProcess[str]],
                                                                        tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(OVERLAY, encoding="utf-8")
    result = run_cli("run", "w.yaml", "--dry-run", "--env", "development")
    assert result.returncode == 2
    found = [line.split(" ")[0:2] for line in result.stdout.splitlines() if ": FR" in line]
    assert found == [["w.yaml:6:18:", "FR002"], ["w.yaml:7:15:", "FR005"], ["w.yaml:9:28:", "FR002"]]


def test_origin_of_maps_overlaid_keys_and_filled_defaults_to_where_they_are_written() -> None:
    data = {"defaults": {"timeout": {"execution": "1m"}}, "environments": {"dev": {"defaults": {}, "schedule": None}},
            "tasks": [{"taskId": "a", "operator": "dummy"}, {"taskId": "b", "timeout": {"execution": "1m"}}]}
    origin = origin_of(data, "dev")
    assert origin(("schedule",)) == ("environments", "dev", "schedule")
    assert origin(("tasks", 0, "timeout", "execution")) == ("environments", "dev", "defaults", "timeout", "execution")
    assert origin(("tasks", 1, "timeout", "execution")) == ("tasks", 1, "timeout", "execution")
    assert origin(("concurrency",)) == ("concurrency",)
    assert origin_of(data, None)(("schedule",)) == ("schedule",)


# -- ids that fit in a log path (issue 12 item 5) ---------------------------------------------------------


@pytest.mark.parametrize("field", ["dagId", "taskId"])
def test_an_id_too_long_for_a_log_file_name_is_reported_at_the_id(findings: Findings, field: str) -> None:
    long = "x" * 300
    dag, task = (long, "a") if field == "dagId" else ("d", long)
    (finding,) = findings(f"dagId: {dag}\ntasks:\n  - taskId: {task}\n    operator: dummy\n")
    assert (finding.code, finding.line, finding.column) == ("FR002", 1 if field == "dagId" else 3, 8 if field == "dagId" else 13)
    assert "300 characters long; write at most 200" in finding.message


def test_an_id_of_200_characters_is_fine_and_its_log_path_parts_fit_name_max(findings: Findings, tmp_path: Path) -> None:
    name = "x" * 200
    assert findings(f"dagId: {name}\ntasks:\n  - taskId: {name}\n    operator: dummy\n") == []
    (tmp_path / name / name).mkdir(parents=True)  # each id is one directory of the log path
    (tmp_path / name / name / "1.log").write_text("ok", encoding="utf-8")


# -- dates the calendar does not have (issue 13 C.2) ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-30", "'2026-02-30' in startDate is not a real date: February 2026 has 28 days; write e.g. 2026-02-28"),
        ("2024-02-30", "'2024-02-30' in startDate is not a real date: February 2024 has 29 days; write e.g. 2024-02-29"),
        ("2026-13-01", "'2026-13-01' in startDate is not a real date: there is no month 13; write a month from 01 to 12"),
        ("2026-01-01T24:00:00Z", "'2026-01-01T24:00:00Z' in startDate is not a real time (hour must be from 0..23); write e.g. 2026-01-01T06:00:00Z"),
        ("2026-01-01t06:00z", "'2026-01-01t06:00z' in startDate is not a date; write e.g. 2026-01-01 or 2026-01-01T06:00:00Z"),
    ],
)
def test_impossible_start_dates_are_reported_at_the_value(findings: Findings, value: str, expected: str) -> None:
    assert lines(findings(f"dagId: d\nstartDate: {value}\ntasks:\n  - {{taskId: a, operator: dummy}}\n")) == [(2, 12, "FR002", expected)]


def test_impossible_start_date_in_an_overlay(findings: Findings) -> None:
    text = "dagId: d\nenvironments:\n  dev: {startDate: 2026-02-29}\ntasks:\n  - {taskId: a, operator: dummy}\n"
    assert [(f.line, f.column, f.code) for f in findings(text)] == [(3, 20, "FR002")]


@pytest.mark.parametrize("value", ["2024-02-29", "2026-12-31T23:59:59Z", "2026-01-01 06:00 +01:00", "2026-01-01T06:00:00.5+0100"])
def test_real_start_dates_pass(findings: Findings, value: str) -> None:
    assert findings(f"dagId: d\nstartDate: '{value}'\ntasks:\n  - {{taskId: a, operator: dummy}}\n") == []


# -- schema messages in plain words (issue 13 E.18) ------------------------------------------------------


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("concurrency: 0\n", "concurrency is 0; write 1 or more"),
        ("maxActiveRuns: -2\n", "maxActiveRuns is -2; write 1 or more"),
        ("defaults: {resources: {cpu: 0}}\n", "defaults.resources.cpu is 0; write a number above 0"),
        ("defaults: {retryPolicy: {jitter: 2}}\n", "defaults.retryPolicy.jitter is 2; write 1 or less"),
        ("params: {'my-param': {type: string}}\n", "'my-param' is not a valid name in params; write letters, digits and _, not starting with a digit, e.g. 'my_param'"),
        ("queues: {q: {concurrency: '2'}}\n", "queues.q.concurrency must be an integer, not a string ('2'); write 'concurrency: 2'"),
    ],
)
def test_schema_messages_say_what_to_write_in_words(findings: Findings, snippet: str, expected: str) -> None:
    (finding,) = findings("dagId: d\n" + snippet + "tasks:\n  - {taskId: a, operator: dummy}\n", "FR002")
    assert finding.message == expected
    assert "minimum" not in finding.message and "^" not in finding.message


def test_an_unknown_operator_is_not_also_a_missing_timeout(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - taskId: a\n    operator: BashOperator\n    params: {command: x}\n"
    assert [f.code for f in findings(text)] == ["FR002"]


def test_retries_on_an_http_task_is_not_also_a_missing_retry_policy(findings: Findings) -> None:
    text = "dagId: d\ntasks:\n  - taskId: a\n    operator: http\n    params: {url: 'https://x'}\n    retries: 3\n    timeout: {execution: 1m}\n"
    assert [f.code for f in findings(text)] == ["FR002"]


# -- run parameters whose own schema or default cannot work -------------------------------------------


@pytest.mark.parametrize(
    ("spec", "column", "expected"),
    [
        ("{type: integer, minimum: 1, default: 0}", 43, "parameter 'n' breaks its own schema: default is 0; write 1 or more"),
        ("{enum: [eu, us], default: asia}", 32, "parameter 'n' breaks its own schema: 'asia' is not a valid default; write one of: eu, us"),
        ("{type: str}", 13, "'str' in params.n.type is not a JSON Schema type; write 'string'"),
    ],
)
def test_a_param_default_that_breaks_its_schema_is_reported_at_the_default(findings: Findings, spec: str, column: int,
                                                                             expected: str) -> None:
    text = f"dagId: d\nparams:\n  n: {spec}\ntasks:\n  - {{taskId: a, operator: dummy}}\n"
    assert lines(findings(text, "FR002")) == [(3, column, "FR002", expected)]


def test_a_param_schema_with_a_ref_is_not_followed(findings: Findings) -> None:
    text = "dagId: d\nparams:\n  n: {$ref: 'http://127.0.0.1:9/x.json', default: 1}\ntasks:\n  - {taskId: a, operator: dummy}\n"
    assert findings(text, "FR002") == []
