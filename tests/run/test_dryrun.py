"""runner/run/dryrun.py: `flowrun run --dry-run`, the plan with its templates rendered as far as
they can be without running anything: secrets as `***`, outputs of other tasks as placeholders,
branch conditions as written; nothing started, opened or written."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from runner.model import Workflow
from runner.run.context import Variables
from runner.run.dryrun import as_text, describe
from runner.run.plan import compile_plan

RunCli = Callable[..., subprocess.CompletedProcess[str]]
LOGICAL = datetime(2026, 11, 25, tzinfo=timezone.utc)

WORKFLOW: dict[str, Any] = {
    "dagId": "etl",
    "params": {"limit": {"type": "integer", "default": 10}},
    "tasks": [
        {"taskId": "extract", "operator": "bash",
         "params": {"command": "fetch --day {{ ds }} --limit {{ params.limit }} --region {{ var.value.region }}",
                    "env": {"TOKEN": "{{ var.secret.token }}"}}},
        {"taskId": "check", "operator": "branch", "dependencies": ["extract"],
         "params": {"condition": "'full' if ti.xcom_pull(task_ids='extract') else 'none'",
                    "branches": {"full": "load", "none": "skip"}}},
        {"taskId": "load", "operator": "bash", "dependencies": ["check"],
         "params": {"command": "load {{ ti.xcom_pull(task_ids='extract') }}"}},
        {"taskId": "skip", "operator": "dummy", "dependencies": ["check"]},
    ],
}


@pytest.fixture
def doc(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.delenv("FLOWRUN_ENV", raising=False)
    monkeypatch.setenv("FLOWRUN_SECRET_token", "hunter2")
    plan = compile_plan(Workflow.from_dict(WORKFLOW))
    return describe(plan, {"limit": 5}, Variables({"region": "eu"}), LOGICAL)


def params(doc: dict[str, Any], task_id: str) -> dict[str, Any]:
    (task,) = [t for t in doc["tasks"] if t["taskId"] == task_id]
    return dict(task["params"])


def test_the_graph_of_the_plan(doc: dict[str, Any]) -> None:
    assert doc["dagId"] == "etl"
    assert (doc["order"], doc["roots"], doc["leaves"]) == (["extract", "check", "load", "skip"], ["extract"], ["load", "skip"])
    assert doc["stages"] == [["extract"], ["check"], ["load", "skip"]]
    assert [(t["taskId"], t["operator"], t["dependencies"]) for t in doc["tasks"]] == [
        ("extract", "bash", []), ("check", "branch", ["extract"]), ("load", "bash", ["check"]), ("skip", "dummy", ["check"])]


def test_templates_are_rendered_with_the_run_values(doc: dict[str, Any]) -> None:
    assert params(doc, "extract")["command"] == "fetch --day 2026-11-25 --limit 5 --region eu"


def test_secrets_are_masked_and_outputs_are_placeholders(doc: dict[str, Any]) -> None:
    assert params(doc, "extract")["env"] == {"TOKEN": "***"}
    assert params(doc, "load")["command"] == "load <output of extract>"
    assert "hunter2" not in json.dumps(doc)


def test_a_branch_condition_is_shown_as_written(doc: dict[str, Any]) -> None:
    assert params(doc, "check") == WORKFLOW["tasks"][1]["params"]


def test_a_template_that_cannot_render_is_shown_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWRUN_ENV", raising=False)
    plan = compile_plan(Workflow.from_dict(WORKFLOW))
    doc = describe(plan, {"limit": 5}, Variables(), LOGICAL)  # no variable `region`
    assert params(doc, "extract")["command"] == WORKFLOW["tasks"][0]["params"]["command"]


def test_the_text_form(doc: dict[str, Any]) -> None:
    text = as_text(doc)
    assert text.startswith("Plan of 'etl' (4 tasks), nothing executed\n\nOrder:  extract, check, load, skip\n")
    assert "Roots:  extract\nLeaves: load, skip\nStages:\n  0: extract\n  1: check\n  2: load, skip\nTasks:\n" in text
    assert "  extract (bash)\n    command: fetch --day 2026-11-25 --limit 5 --region eu\n    env: {\"TOKEN\": \"***\"}\n" in text
    assert "  load (bash) after check\n" in text
    assert text.endswith("  skip (dummy) after check\n")


def test_the_text_form_keeps_lines_aligned_and_escapes_control_characters() -> None:
    doc = {"dagId": "d", "order": ["t"], "stages": [["t"]], "roots": ["t"], "leaves": ["t"],
           "tasks": [{"taskId": "t", "operator": "bash", "dependencies": [], "params": {"command": "a\nb\x1b[2Jc"}}]}
    text = as_text(doc)
    assert "    command: a\n             b" in text
    assert "\x1b" not in text


def test_the_command_starts_nothing_and_writes_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "wf.yaml").write_text(
        "dagId: d\ntasks:\n  - taskId: t\n    operator: bash\n    params: {command: \"touch created\"}\n"
        "    timeout: {execution: 10s}\n"
    )
    result = run_cli("run", "--dry-run", "wf.yaml")
    assert result.returncode == 0, result.stderr
    assert "command: touch created" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wf.yaml"]  # no store, no log, no file of the task
