"""Alerts are linted (issue 13 D.9, E.14): FR201 and FR202 on an alert's `condition` and
`message` with the names its events provide (SPEC section 5), FR007 on a duplicate alert id;
at run time a run-level event defines the task fields (so `try_number >= 1` is false, not a
TypeError), and an alert whose template fails is recorded and printed, never dropped."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.alert_events import ABSENT, event_context
from runner.model import Workflow
from runner.run.session import run_workflow
from runner.templates.render import TemplateProblem, evaluate, render

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Any]]


def alerting(alert: str) -> str:
    """A workflow whose one alert (YAML lines, indented 4) starts on line 3."""
    return "dagId: d\nalerts:\n" + alert + "tasks:\n  - taskId: t\n    operator: dummy\n"


def test_fr201_broken_message(lint: Lint, findings: Findings) -> None:
    text = alerting('  - id: a\n    on: [run_failed]\n    message: "Run {{ run_id } failed"\n    notify: [{command: "true"}]\n')
    assert lint(text, "FR201") == [(5, 15, "FR201")]
    assert "alert 'a'" in findings(text, "FR201")[0].message


def test_fr201_broken_message_on_its_line_in_a_block_scalar(lint: Lint) -> None:
    text = alerting("  - id: a\n    on: [run_failed]\n    message: |\n      first line\n      {{ run_id }\n    notify: [{command: \"true\"}]\n")
    assert lint(text, "FR201") == [(7, 7, "FR201")]


def test_fr201_broken_condition(lint: Lint) -> None:
    text = alerting('  - id: a\n    on: [task_failed]\n    condition: "duration >"\n    notify: [{command: "true"}]\n')
    assert lint(text, "FR201") == [(5, 17, "FR201")]


def test_fr202_misspelled_condition_field_with_a_suggestion(lint: Lint, findings: Findings) -> None:
    text = alerting('  - id: slow\n    on: [sla_missed]\n    condition: "durration > 5"\n    notify: [{command: "true"}]\n')
    assert lint(text, "FR202") == [(5, 17, "FR202")]
    assert "did you mean 'duration'?" in findings(text, "FR202")[0].message


def test_fr202_misspelled_message_field(lint: Lint, findings: Findings) -> None:
    text = alerting('  - id: a\n    on: [task_failed]\n    message: "task {{ taskid }} failed"\n    notify: [{command: "true"}]\n')
    assert lint(text, "FR202") == [(5, 23, "FR202")]
    assert "'task_id'" in findings(text, "FR202")[0].message


def test_fr202_field_of_another_event(findings: Findings) -> None:
    text = alerting('  - id: a\n    on: [sla_missed]\n    condition: "exit_code == 3"\n    notify: [{command: "true"}]\n')
    (found,) = findings(text, "FR202")
    assert (found.line, found.column) == (5, 17)
    assert "'exit_code' is not a field of sla_missed events" in found.message and "sla" in found.message


def test_fr202_task_template_names_are_not_event_fields(findings: Findings) -> None:
    text = alerting('  - id: a\n    on: [run_failed]\n    message: "{{ ds }} {{ params.x }}"\n    notify: [{command: "true"}]\n')
    assert [(f.line, f.column) for f in findings(text, "FR202")] == [(5, 18), (5, 27)]


def test_fields_of_every_event_of_the_alert_pass(lint: Lint) -> None:
    text = alerting(
        "  - id: a\n    on: [task_failed, task_retry, sla_missed, run_failed]\n"
        '    condition: "try_number >= 1 and exit_code != 0 or delay > 1 or sla < duration"\n'
        '    message: "{{ event }} {{ dag_id }} {{ run_id }} {{ task_id }} {{ error }} {{ range(2) | list }}"\n'
        '    notify: [{command: "true"}]\n'
    )
    assert lint(text, ("FR201", "FR202")) == []


def test_fr007_duplicate_alert_id(lint: Lint, findings: Findings) -> None:
    text = alerting(
        '  - id: page\n    on: [task_failed]\n    notify: [{command: "true"}]\n'
        '  - id: page\n    on: [sla_missed]\n    notify: [{command: "true"}]\n'
    )
    assert lint(text, "FR007") == [(6, 9, "FR007")]
    assert "first used on line 3" in findings(text, "FR007")[0].message


# -- conditions written inside {{ }} (E.14) ------------------------------------------------------


def test_a_condition_wrapped_in_braces_is_read_as_the_expression(lint: Lint) -> None:
    text = """
        dagId: d
        alerts:
          - id: a
            on: [task_failed]
            condition: "{{ exit_code == 3 }}"
            notify: [{command: "true"}]
        tasks:
          - taskId: b
            operator: branch
            params:
              condition: "{{ 'yes' if ds else 'no' }}"
              branches: {"yes": y, "no": n}
          - {taskId: y, operator: dummy, dependencies: [b]}
          - {taskId: n, operator: dummy, dependencies: [b]}
        """
    assert lint(text, ("FR201", "FR202")) == []
    assert evaluate("{{ 'yes' if x else 'no' }}", {"x": 1}) == "yes"
    assert evaluate("{{- x -}}", {"x": 2}) == 2


def test_a_condition_with_braces_inside_says_to_drop_them(findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: b
            operator: branch
            params:
              condition: "{{ ds }} == 'x'"
              branches: {"yes": y}
          - {taskId: y, operator: dummy, dependencies: [b]}
        """
    (found,) = findings(text, "FR201")
    assert (found.line, found.column) == (6, 19)
    assert "a condition is an expression; write it without {{ }}" in found.message
    with pytest.raises(TemplateProblem, match="write it without"):
        evaluate("{{ ds }} == 'x'", {"ds": "x"})


# -- run time -------------------------------------------------------------------------------------


def test_run_events_define_the_task_fields() -> None:
    context = event_context("run_failed", "d", "r1", None, {})
    assert evaluate("try_number >= 1", context) is False
    assert evaluate("duration > 600 or exit_code < 0 or duration / 60 > 1", context) is False
    assert evaluate("task_id == 'x' or 'timeout' in error", context) is False
    assert evaluate("not task_id and exit_code is none and exit_code == none", context) is True
    assert render("[{{ task_id }}]{{ try_number }}", context) == "[]"
    assert context["task_id"] is ABSENT


def _events(db: Path, kind: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT payload FROM events WHERE kind=? ORDER BY id", (kind,)).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_a_task_condition_on_a_run_event_is_false_not_a_crash(tmp_path: Path) -> None:
    wf = Workflow.from_dict({
        "dagId": "d",
        "alerts": [{"id": "tries", "on": ["task_failed", "run_failed"], "condition": "try_number >= 1",
                    "notify": [{"command": f"cat > {tmp_path / 'fired.json'}"}]}],
        "tasks": [{"taskId": "job", "operator": "bash", "params": {"command": "exit 3"}}],
    })
    result = run_workflow(wf, state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    assert result.state == "failed"
    assert _events(tmp_path / "s.db", "alert_failed") == []
    fired = _events(tmp_path / "s.db", "alert_fired")
    assert [f["event"] for f in fired] == ["task_failed"]
    body = json.loads((tmp_path / "fired.json").read_text())
    assert body["task_id"] == "job" and body["try_number"] == 1


def test_a_failing_alert_template_is_recorded_printed_and_still_delivered(tmp_path: Path) -> None:
    """Templates that lint clean and fail at run time (the linter catches the rest, and `run`
    refuses a workflow with lint errors)."""
    (tmp_path / "wf.yaml").write_text(
        "dagId: d\n"
        "alerts:\n"
        "  - id: broken_message\n"
        "    on: [task_failed]\n"
        '    message: "{{ error.split()[99] }}"\n'
        f'    notify: [{{command: "cat > {tmp_path}/delivered.json"}}]\n'
        "  - id: broken_condition\n"
        "    on: [task_failed]\n"
        '    condition: "duration / 0 > 1"\n'
        f'    notify: [{{command: "touch {tmp_path}/never"}}]\n'
        "tasks:\n"
        "  - taskId: job\n"
        "    operator: bash\n"
        '    params: {command: "exit 3"}\n'
    )
    proc = subprocess.run([sys.executable, "-m", "runner.cli", "run", "wf.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout + proc.stderr
    assert "alert 'broken_message': its message failed: " in out
    assert "alert 'broken_condition': its condition failed: ZeroDivisionError" in out
    assert "Traceback" not in out
    failed = _events(tmp_path / ".flowrun" / "state.db", "alert_failed")
    assert sorted((f["alert_id"], f["notifier"]) for f in failed) == [("broken_condition", "condition"), ("broken_message", "message")]
    delivered = json.loads((tmp_path / "delivered.json").read_text())
    assert delivered["event"] == "task_failed" and "its message template failed" in delivered["message"]
    assert not (tmp_path / "never").exists()


def test_a_branch_condition_in_braces_runs(tmp_path: Path) -> None:
    wf = Workflow.from_dict({
        "dagId": "d",
        "tasks": [
            {"taskId": "b", "operator": "branch",
             "params": {"condition": "{{ 'left' if dag_id == 'd' else 'right' }}", "branches": {"left": "l", "right": "r"}}},
            {"taskId": "l", "operator": "dummy", "dependencies": ["b"]},
            {"taskId": "r", "operator": "dummy", "dependencies": ["b"]},
        ],
    })
    result = run_workflow(wf, state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    assert result.state == "success"
    assert (result.tasks["b"].output, result.tasks["l"].state, result.tasks["r"].state) == ("left", "success", "skipped")
