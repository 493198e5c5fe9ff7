"""runner/run/plan_diff.py: two compiled plans compared, one kind of change at a time, and the
same plan written differently found the same."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from runner.model import Workflow
from runner.run.plan import compile_plan
from runner.run.plan_diff import PlanDiff, diff_plans

BASE: dict[str, Any] = {
    "dagId": "etl",
    "schedule": "0 6 * * *",
    "params": {"limit": {"type": "integer", "default": 10}},
    "defaults": {"timeout": {"execution": "1m"}, "retryPolicy": {"maxRetries": 1}},
    "alerts": [{"id": "failed", "on": ["run_failed"], "notify": [{"command": "true"}]}],
    "tasks": [
        {"taskId": "extract", "operator": "bash", "params": {"command": "echo one\necho two"}},
        {"taskId": "transform", "operator": "python", "dependencies": ["extract"],
         "params": {"pythonCode": "print(1)"}},
        {"taskId": "load", "operator": "bash", "dependencies": ["transform"], "params": {"command": "true"}},
        {"taskId": "report", "operator": "bash", "dependencies": ["load"], "params": {"command": "true"}},
    ],
}


def diff(change: Any) -> PlanDiff:
    new = copy.deepcopy(BASE)
    change(new)
    return diff_plans(compile_plan(Workflow.from_dict(BASE)), compile_plan(Workflow.from_dict(new)), "old", "new")


def task(data: dict[str, Any], task_id: str) -> dict[str, Any]:
    return next(t for t in data["tasks"] if t["taskId"] == task_id)


def test_the_same_workflow_is_the_same_plan() -> None:
    d = diff(lambda w: None)
    assert d.same and d.as_dict()["same"] is True


@pytest.mark.parametrize("rewrite", [
    lambda w: w.update({"tasks": list(reversed(w["tasks"]))}),  # tasks in another order
    lambda w: task(w, "extract").update({"timeout": {"execution": "60s"}}),  # 1m written as 60s
    lambda w: w["defaults"].update({"queue": "default"}),  # the default queue, written out
    lambda w: task(w, "load").update({"retryPolicy": {"maxRetries": 1}}),  # what defaults give anyway
], ids=["reordered", "60s-is-1m", "default-queue", "default-written-on-task"])
def test_the_same_plan_written_differently_is_the_same(rewrite: Any) -> None:
    assert diff(rewrite).same


@pytest.mark.parametrize(("key", "value"), [
    ("schedule", "0 7 * * *"), ("timezone", "Europe/Paris"), ("catchup", True), ("concurrency", 3),
    ("maxActiveRuns", 2),
])
def test_a_workflow_setting(key: str, value: Any) -> None:
    d = diff(lambda w: w.update({key: value}))
    assert [(c.what, c.new) for c in d.settings] == [(key, value)]
    assert not d.changed and not d.added


def test_params_entry_by_entry() -> None:
    def change(w: dict[str, Any]) -> None:
        w["params"] = {"limit": {"type": "integer", "default": 20}, "mode": {"type": "string", "default": "full"}}

    d = diff(change)
    assert [(c.what, c.old, c.new) for c in d.settings] == [
        ("params.limit", {"type": "integer", "default": 10}, {"type": "integer", "default": 20}),
        ("params.mode", None, {"type": "string", "default": "full"}),
    ]


def test_alerts_by_id() -> None:
    d = diff(lambda w: w["alerts"].append({"id": "slow", "on": ["sla_missed"], "notify": [{"command": "true"}]}))
    assert [(c.what, c.old is None) for c in d.settings] == [("alerts.slow", True)]


def test_added_removed_and_renamed_tasks() -> None:
    def change(w: dict[str, Any]) -> None:
        w["tasks"] = [t for t in w["tasks"] if t["taskId"] != "report"]
        w["tasks"].append({"taskId": "audit", "operator": "bash", "dependencies": ["load"], "params": {"command": "true"}})
        task(w, "extract")["taskId"] = "pull"
        task(w, "transform")["dependencies"] = ["pull"]

    d = diff(change)
    assert d.renamed == [("extract", "pull"), ("report", "audit")]  # the same definitions under other ids
    assert d.removed == [] and d.added == []
    assert [t.task_id for t in d.changed] == ["transform"]  # it names the renamed task
    assert ("pull", "transform") in d.edges_added and ("extract", "transform") in d.edges_removed
    assert d.resume() == {"changed": ["transform"], "run": ["audit", "pull"], "dropped": ["extract", "report"]}


@pytest.mark.parametrize(("field", "value"), [
    ("operator", "dummy"), ("triggerRule", "all_done"), ("retryPolicy", {"maxRetries": 4}),
    ("timeout", {"execution": "5m"}), ("resources", {"cpu": 2}), ("queue", "heavy"), ("priority", 7),
    ("outputSchema", {"type": "object"}), ("metadata", {"runAsUser": "nobody"}),
])
def test_each_task_field(field: str, value: Any) -> None:
    def change(w: dict[str, Any]) -> None:
        if field == "queue":
            w["queues"] = {"heavy": {"concurrency": 1}}
        if field == "operator":
            del task(w, "load")["params"]  # a dummy task takes none
        task(w, "load")[field] = value

    d = diff(change)
    assert [t.task_id for t in d.changed] == ["load"]
    shown = "runAsUser" if field == "metadata" else field
    fields = [(c.what, c.new) for c in d.changed[0].fields]
    assert fields[0] == (shown, "nobody" if field == "metadata" else value)
    assert fields[1:] == []
    assert list(d.changed[0].text) == (["command"] if field == "operator" else [])  # its command, removed
    assert d.impact == ["load", "report"]  # the changed task and everything downstream


def test_dependencies_and_a_command_as_a_unified_diff() -> None:
    def change(w: dict[str, Any]) -> None:
        task(w, "report")["dependencies"] = ["transform"]
        task(w, "extract")["params"]["command"] = "echo one\necho three"

    d = diff(change)
    by_id = {t.task_id: t for t in d.changed}
    assert (by_id["report"].dependencies_added, by_id["report"].dependencies_removed) == (["transform"], ["load"])
    lines = by_id["extract"].text["command"]
    assert "-echo two" in lines and "+echo three" in lines and " echo one" in lines
    assert d.impact == ["extract", "transform", "load", "report"]


def test_an_environment_overlay_is_compared_as_applied() -> None:
    def change(w: dict[str, Any]) -> None:
        w["environments"] = {"prod": {"concurrency": 2}}

    d = diff(change)
    assert d.same  # the overlay is not applied without --env: the plan is the same
    new = copy.deepcopy(BASE)
    change(new)
    prod = diff_plans(compile_plan(Workflow.from_dict(BASE)), compile_plan(Workflow.from_dict(new), "prod"), "a", "b")
    assert [(c.what, c.new) for c in prod.settings] == [("concurrency", 2)]
