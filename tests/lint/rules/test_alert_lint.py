"""Alert templates (issue 13 D.9, E.14): a condition written inside {{ }} is read as the
expression; at run time a run-level event defines the task fields (so `try_number >= 1` is false, not a
TypeError), and an alert whose template fails is recorded and printed, never dropped.

The lint rules on alerts have their tests with the other tests of each rule: FR201 in
tests/lint/rules/test_template_syntax.py, FR202 in test_undefined_template_name.py, FR007 in
test_duplicate_alert_id.py."""

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
