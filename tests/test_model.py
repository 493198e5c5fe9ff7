"""runner/model.py: one home for retry policies, task defaults and branch targets; the model
knows nothing of the linter (runner/api.py attaches it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import runner
from runner import api
from runner.model import DEFAULTABLE, RetryPolicy, Workflow, apply_defaults, branch_targets
from runner.run.operators.branch import targets
from runner.run.plan import compile_plan

# -- RetryPolicy.from_data --------------------------------------------------------------------------


def test_retry_policy_from_data_reads_every_field() -> None:
    policy = RetryPolicy.from_data({"maxRetries": 3, "retryDelay": "10s", "exponentialBackoff": True,
                                    "backoffMultiplier": 3, "maxRetryDelay": "1m", "jitter": 0.5})
    assert policy == RetryPolicy(3, 10.0, True, 3.0, 60.0, 0.5)
    assert RetryPolicy.from_data({"maxRetries": 2.0}).max_retries == 2  # `integer` in JSON Schema
    assert RetryPolicy.from_data({"retryDelay": 1500}).delay == 1.5  # an integer is milliseconds


@pytest.mark.parametrize("data", [
    None, "3", [], {"maxRetries": "3"}, {"maxRetries": -1}, {"maxRetries": True}, {"maxRetries": float("inf")},
    {"maxRetries": 1.5}, {"retryDelay": "soon"}, {"exponentialBackoff": "yes"}, {"backoffMultiplier": "2"},
    {"jitter": None},
])
def test_retry_policy_from_data_takes_a_wrong_value_as_not_given(data: Any) -> None:
    assert RetryPolicy.from_data(data) == RetryPolicy()


def test_the_plan_reads_its_policy_through_from_data() -> None:
    data = {"dagId": "p", "tasks": [{"taskId": "a", "operator": "dummy",
                                     "retryPolicy": {"maxRetries": 2, "retryDelay": "5s", "exponentialBackoff": True}}]}
    (task,) = compile_plan(Workflow.from_dict(data)).tasks
    assert task.retry == RetryPolicy.from_data(data["tasks"][0]["retryPolicy"])
    assert [task.retry.delay_for(n) for n in (1, 2, 3)] == [5.0, 10.0, 20.0]


# -- defaults ---------------------------------------------------------------------------------------

DEFAULTS: dict[str, Any] = {
    "dagId": "d",
    "defaults": {"timeout": {"execution": "1m"}, "queue": "slow"},
    "tasks": [
        {"taskId": "a", "operator": "dummy"},
        {"taskId": "b", "operator": "dummy", "timeout": {"execution": "5s"}},
        "not a task",
    ],
}


def test_apply_defaults_fills_what_a_task_does_not_set_and_copies() -> None:
    data = apply_defaults(DEFAULTS)
    assert data["tasks"][0] == {"taskId": "a", "operator": "dummy", "timeout": {"execution": "1m"}, "queue": "slow"}
    assert data["tasks"][1]["timeout"] == {"execution": "5s"} and data["tasks"][1]["queue"] == "slow"
    assert data["tasks"][2] == "not a task"
    assert "timeout" not in DEFAULTS["tasks"][0]  # the input is not changed
    assert data["tasks"][0]["timeout"] is not DEFAULTS["defaults"]["timeout"]
    assert apply_defaults({"tasks": []}) == {"tasks": []}


def test_effective_agrees_with_apply_defaults() -> None:
    workflow = Workflow.from_dict(DEFAULTS)
    filled = apply_defaults(workflow.data)
    for task in workflow.tasks[:2]:
        for key in DEFAULTABLE:
            assert workflow.effective(task, key) == filled["tasks"][task.index].get(key)
    a, b = workflow.tasks[:2]
    assert workflow.effective_path(a, "timeout") == ("defaults", "timeout")
    assert workflow.effective_path(b, "timeout") == ("tasks", 1, "timeout")
    assert workflow.effective(a, "operator") == "dummy" and workflow.effective(a, "params") is None


# -- branch targets ---------------------------------------------------------------------------------


def test_branch_targets_of_a_task() -> None:
    workflow = Workflow.from_dict({"dagId": "b", "tasks": [
        {"taskId": "br", "operator": "branch", "params": {"condition": "'x'", "branches": {"x": "c", "y": ["d", 3, "c"], "z": 1}}},
        {"taskId": "other", "operator": "dummy", "params": {"branches": {"x": "c"}}},
    ]})
    br, other = workflow.tasks
    assert br.branch_targets() == [
        (("params", "branches", "x"), "c"), (("params", "branches", "y", 0), "d"), (("params", "branches", "y", 2), "c"),
    ]
    assert other.branch_targets() == []
    assert branch_targets("not a mapping") == []


def test_the_branch_operator_reads_the_same_targets_from_a_plan() -> None:
    data = {"dagId": "b", "tasks": [
        {"taskId": "br", "operator": "branch", "params": {"condition": "'y'", "branches": {"x": "c", "y": ["c", "d"]}}},
        {"taskId": "c", "operator": "dummy", "dependencies": ["br"]},
        {"taskId": "d", "operator": "dummy", "dependencies": ["br"]},
    ]}
    planned = compile_plan(Workflow.from_dict(data)).tasks[0]
    assert targets(planned.params["branches"], "y") == ["c", "d"]
    assert targets(planned.params["branches"], "x") == ["c"]
    assert targets(planned.params["branches"], "none") == []


# -- the model without the linter -------------------------------------------------------------------


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_model_does_not_load_the_linter() -> None:
    modules = _modules_after("from runner.model import Workflow\nw = Workflow.from_dict({'dagId': 'x', 'tasks': []})\n"
                             "w.topological_order(); w.schema_errors")
    assert "runner.model" in modules
    assert not {"runner.lint.linter", "runner.lint.rules", "runner.api"} & modules


def test_the_public_workflow_is_the_model_with_the_linter_attached(tmp_path: Path) -> None:
    assert runner.Workflow is api.Workflow and issubclass(api.Workflow, Workflow)
    assert not hasattr(Workflow, "validate")
    path = tmp_path / "w.yaml"
    path.write_text("dagId: w\ntasks:\n  - taskId: a\n    operator: dummy\n    dependencies: [b]\n", encoding="utf-8")
    loaded = runner.load_workflow(path)
    assert isinstance(loaded, api.Workflow) and loaded.path == str(path)
    assert [(f.code, f.line) for f in loaded.validate().errors] == [("FR004", 5)]
    assert isinstance(runner.Workflow.from_dict({"dagId": "x", "tasks": []}), api.Workflow)


def test_run_workflow_is_imported_only_when_asked_for() -> None:
    modules = _modules_after("import runner\nrunner.Workflow.from_dict({'dagId': 'x', 'tasks': []}).validate()")
    assert "runner.lint.linter" in modules and "runner.api" in modules
    assert not {"runner.run.session", "trio"} & modules
    from runner.run.session import run_workflow

    assert runner.run_workflow is run_workflow is api.run_workflow
    with pytest.raises(AttributeError):
        api.no_such_name  # noqa: B018
