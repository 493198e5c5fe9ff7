"""runner/run/plan.py: a valid workflow, after its `--env` overlay and `defaults`, compiled into
the immutable plan the engine runs (SPEC sections 1 and 3)."""

from __future__ import annotations

from typing import Any

import pytest

from runner.errors import FlowrunError
from runner.model import Workflow
from runner.run.plan import Plan, PlannedTask, compile_plan, thaw


def etl(**top: Any) -> dict[str, Any]:
    """extract -> transform -> load, plus `report` after extract; `top` adds or replaces keys."""
    data: dict[str, Any] = {
        "dagId": "etl",
        "tasks": [
            {"taskId": "extract", "operator": "bash", "params": {"command": "echo {{ ds }}"}},
            {"taskId": "transform", "operator": "python", "params": {"pythonCode": "print(1)"},
             "dependencies": ["extract"]},
            {"taskId": "load", "operator": "dummy", "dependencies": ["transform"]},
            {"taskId": "report", "operator": "dummy", "dependencies": ["extract"]},
        ],
    }
    data.update(top)
    return data


def workflow(**top: Any) -> Workflow:
    return Workflow.from_dict(etl(**top))


def task(plan: Plan, task_id: str) -> PlannedTask:
    (found,) = [t for t in plan.tasks if t.task_id == task_id]
    return found


@pytest.fixture(autouse=True)
def _no_environment_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWRUN_ENV", raising=False)


def test_the_graph_of_the_plan() -> None:
    plan = compile_plan(workflow())
    assert plan.dag_id == "etl"
    assert [t.task_id for t in plan.tasks] == ["extract", "transform", "load", "report"]
    assert plan.order.index("extract") < plan.order.index("transform") < plan.order.index("load")
    assert plan.stages == (("extract",), ("transform", "report"), ("load",))
    assert (plan.roots, plan.leaves) == (("extract",), ("load", "report"))
    assert dict(plan.downstream) == {"extract": ("transform", "report"), "transform": ("load",),
                                     "load": (), "report": ()}
    assert task(plan, "transform").dependencies == ("extract",)


def test_what_a_task_leaves_out_takes_the_documented_defaults() -> None:
    plan = compile_plan(workflow())
    load = task(plan, "load")
    assert (load.trigger_rule, load.queue, load.priority) == ("all_success", "default", 0)
    assert (load.retry.max_retries, load.retry.delay, load.execution_timeout, load.sla) == (0, 0.0, None, None)
    assert dict(load.resources) == {} and load.output_schema is None
    assert (plan.concurrency, plan.max_active_runs, dict(plan.queues)) == (16, 1, {})


def test_defaults_fill_the_tasks_that_do_not_set_a_field() -> None:
    data = etl(defaults={"retryPolicy": {"maxRetries": 1, "retryDelay": "30s"}, "timeout": {"execution": "10m"},
                         "queue": "slow", "priority": 3})
    data["tasks"][1]["retryPolicy"] = {"maxRetries": 4}
    wf = Workflow.from_dict(data)
    plan = compile_plan(wf)
    extract, transform = task(plan, "extract"), task(plan, "transform")
    assert (extract.retry.max_retries, extract.retry.delay) == (1, 30.0)
    assert (extract.execution_timeout, extract.queue, extract.priority) == (600.0, "slow", 3)
    # a task's own field replaces the default as a whole: no key of the default's retryPolicy is merged in
    assert (transform.retry.max_retries, transform.retry.delay) == (4, 0.0)
    assert transform.execution_timeout == 600.0
    assert "retryPolicy" not in wf.data["tasks"][0]  # the workflow itself is not changed


def test_the_retry_policy_and_timeouts_in_durations() -> None:
    data = etl()
    data["tasks"][0].update(
        retryPolicy={"maxRetries": 3, "retryDelay": 1500, "exponentialBackoff": True, "backoffMultiplier": 3,
                     "maxRetryDelay": "4s", "jitter": 0.5},
        timeout={"execution": "1h30m", "sla": "2h"},
    )
    wf = Workflow.from_dict(data)
    extract = task(compile_plan(wf), "extract")
    retry = extract.retry
    assert (retry.max_retries, retry.delay, retry.exponential, retry.multiplier, retry.max_delay, retry.jitter) == \
        (3, 1.5, True, 3.0, 4.0, 0.5)  # an integer duration is milliseconds
    assert (extract.execution_timeout, extract.sla) == (5400.0, 7200.0)


def test_retry_delays_grow_are_capped_then_jittered() -> None:
    data = etl()
    data["tasks"][0]["retryPolicy"] = {"maxRetries": 5, "retryDelay": "1s", "exponentialBackoff": True,
                                          "maxRetryDelay": "5s", "jitter": 0.5}
    wf = Workflow.from_dict(data)
    retry = task(compile_plan(wf), "extract").retry
    # 1s * 2^(n-1), capped at 5s, times a factor in [1 - jitter, 1 + jitter]
    assert [retry.delay_for(n, rand=0.5) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert retry.delay_for(4, rand=0.0) == 2.5
    assert retry.delay_for(4, rand=0.999) == pytest.approx(7.495)


def test_a_constant_delay_without_backoff() -> None:
    data = etl()
    data["tasks"][0]["retryPolicy"] = {"maxRetries": 2, "retryDelay": "2s"}
    wf = Workflow.from_dict(data)
    retry = task(compile_plan(wf), "extract").retry
    assert [retry.delay_for(n) for n in (1, 2, 3)] == [2.0, 2.0, 2.0]


def test_an_environment_overlay_replaces_top_level_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    wf = workflow(concurrency=5, environments={"development": {"concurrency": 2, "defaults": {"priority": 7}},
                                               "production": {"concurrency": 10}})
    assert compile_plan(wf).concurrency == 5
    development = compile_plan(wf, "development")
    assert development.concurrency == 2 and task(development, "load").priority == 7
    monkeypatch.setenv("FLOWRUN_ENV", "production")
    assert compile_plan(wf).concurrency == 10  # FLOWRUN_ENV when no --env is given
    assert wf.data["concurrency"] == 5


def test_an_unknown_environment_names_the_known_ones() -> None:
    wf = workflow(environments={"development": {"concurrency": 2}})
    with pytest.raises(FlowrunError, match="unknown environment 'prod' \\(known: development\\)"):
        compile_plan(wf, "prod")


def test_a_workflow_with_errors_does_not_compile() -> None:
    data = etl()
    data["tasks"][2]["dependencies"] = ["transfrom"]
    wf = Workflow.from_dict(data)
    with pytest.raises(FlowrunError) as caught:
        compile_plan(wf)
    assert caught.value.exit_code == 2
    assert [f.code for f in caught.value.findings] == ["FR004"]  # type: ignore[attr-defined]


def test_the_plan_is_frozen_and_thaw_gives_plain_data_back() -> None:
    data = etl()
    data["tasks"][0]["metadata"] = {"owner": "ops", "tags": ["x", {"y": 2}]}
    wf = Workflow.from_dict(data)
    extract = task(compile_plan(wf), "extract")
    with pytest.raises(TypeError):
        extract.params["command"] = "rm -rf /"  # type: ignore[index]
    assert thaw(extract.params) == {"command": "echo {{ ds }}"}
    plain = thaw(extract.metadata)
    assert plain == {"owner": "ops", "tags": ["x", {"y": 2}]}
    assert type(plain) is dict and type(plain["tags"]) is list and type(plain["tags"][1]) is dict
    plain["tags"][1]["y"] = 3
    assert thaw(extract.metadata)["tags"][1]["y"] == 2


def test_digests_tell_which_task_changed() -> None:
    before = compile_plan(workflow())
    changed = etl()
    changed["tasks"][1]["params"]["pythonCode"] = "print(2)"
    after = compile_plan(Workflow.from_dict(changed))
    assert before.digest != after.digest
    assert [t.task_id for t, u in zip(before.tasks, after.tasks, strict=True) if t.digest != u.digest] == ["transform"]
    assert compile_plan(workflow()).digest == before.digest
