"""Tests of schemas/workflow.schema.json, the JSON Schema of workflow files (SPEC section 1, 3, 5)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "workflow.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema)


# A workflow that uses every field of the contract and every operator.
FULL_WORKFLOW: dict[str, Any] = {
    "$schema": "../schemas/workflow.schema.json",
    "dagId": "intelligence_pipeline",
    "description": "Pull, check and publish threat data",
    "version": "1.0.0",
    "schedule": "0 */6 * * *",
    "startDate": "2026-01-01",
    "timezone": "Europe/Berlin",
    "catchup": False,
    "concurrency": 5,
    "maxActiveRuns": 1,
    "params": {
        "user_query": {"type": "string", "default": "", "maxLength": 200},
        "limit": {"type": "integer"},
    },
    "defaults": {
        "retryPolicy": {"maxRetries": 1, "retryDelay": "30s"},
        "timeout": {"execution": "10m", "sla": "1h"},
        "resources": {"cpu": 0.5, "memory": 256, "gpu": 0},
        "queue": "default",
        "priority": 0,
        "triggerRule": "all_success",
        "metadata": {"team": "intel"},
    },
    "queues": {"ml-queue": {"concurrency": 1}, "io": {"concurrency": 4}},
    "environments": {
        "development": {"schedule": None, "concurrency": 2},
        "production": {
            "description": "prod",
            "version": 2,
            "schedule": "@hourly",
            "startDate": "2026-02-01T00:00:00Z",
            "timezone": "UTC",
            "catchup": True,
            "concurrency": 10,
            "maxActiveRuns": 2,
            "params": {"limit": {"type": "integer", "default": 100}},
            "defaults": {"timeout": {"execution": "5m"}},
            "queues": {"ml-queue": {"concurrency": 2}},
            "alerts": [
                {"id": "prod_fail", "on": "run_failed", "notify": [{"command": "./page.sh"}]}
            ],
        },
    },
    "alerts": [
        {
            "id": "sla_breach",
            "on": ["sla_missed"],
            "condition": "duration > 600",
            "severity": "critical",
            "message": "Task {{ task_id }} exceeded its SLA in {{ run_id }}",
            "cooldown": "5m",
            "notify": [
                {"email": {"to": "ops@example.com"}},
                {
                    "email": {
                        "to": ["a@example.com", "b@example.com"],
                        "cc": "c@example.com",
                        "subject": "SLA",
                    }
                },
                {"command": "./page-oncall.sh"},
                {"webhook": "https://hooks.example.com/x"},
                {
                    "webhook": {
                        "url": "https://hooks.example.com/y",
                        "headers": {"X-Token": "{{ var.secret.T }}"},
                    }
                },
                {"webhook": "{{ var.secret.SLACK_URL }}"},
            ],
        },
        {
            "id": "failures",
            "on": ["task_failed", "task_retry", "run_failed", "run_succeeded"],
            "severity": "warning",
            "cooldown": 60000,
            "notify": [{"command": "./notify.sh"}],
        },
    ],
    "tasks": [
        {
            "taskId": "start",
            "operator": "dummy",
            "description": "entry point",
        },
        {
            "taskId": "fetch_data",
            "operator": "bash",
            "params": {
                "command": "./fetch_data.sh {{ ds }}",
                "env": {"TOKEN": "{{ var.secret.TOKEN }}", "RETRIES": 3, "VERBOSE": True},
                "cwd": "/tmp",
            },
            "dependencies": ["start"],
            "triggerRule": "all_success",
            "retryPolicy": {
                "maxRetries": 3,
                "retryDelay": "1.5s",
                "exponentialBackoff": True,
                "backoffMultiplier": 2,
                "maxRetryDelay": "1h30m",
                "jitter": 0.25,
            },
            "timeout": {"execution": 600000, "sla": "2h"},
            "resources": {"cpu": 2, "memory": 1024, "gpu": 1},
            "queue": "ml-queue",
            "priority": 10,
            "metadata": {"runAsUser": "etl", "owner": "intel"},
            "outputSchema": {"type": "object", "required": ["rows"]},
            "description": "download the feed",
        },
        {
            "taskId": "process_data",
            "operator": "python",
            "params": {"pythonCode": "print(1)", "env": {"A": "b"}, "cwd": "."},
            "dependencies": ["fetch_data"],
        },
        {
            "taskId": "check",
            "operator": "http",
            "params": {
                "url": "https://api.example.com/health",
                "method": "POST",
                "headers": {"Idempotency-Key": "{{ run_id }}"},
                "json": {"q": [1, 2, 3]},
                "expectStatus": [200, 201],
                "timeout": "30s",
            },
            "dependencies": ["process_data"],
        },
        {
            "taskId": "ping",
            "operator": "http",
            "params": {"url": "https://api.example.com/ping", "body": "hello", "expectStatus": 204},
            "dependencies": ["process_data"],
        },
        {
            "taskId": "decide",
            "operator": "branch",
            "params": {
                "condition": "'proceed' if ti.xcom_pull(task_ids='check').status == 'healthy' else 'circuit_open'",
                "branches": {"proceed": ["publish", "forward"], "circuit_open": "notify_ops"},
            },
            "dependencies": ["check", "ping"],
            "triggerRule": "none_failed_min_one_success",
        },
        {
            "taskId": "publish",
            "operator": "dummy",
            "params": {},
            "dependencies": ["decide"],
        },
        {
            "taskId": "forward",
            "operator": "transfer",
            "params": {"sourceTask": "check"},
            "dependencies": ["decide"],
        },
        {
            "taskId": "notify_ops",
            "operator": "email",
            "params": {
                "to": ["ops@example.com"],
                "subject": "circuit open",
                "body": "see {{ run_id }}",
                "cc": ["lead@example.com"],
                "from": "flowrun@example.com",
            },
            "dependencies": ["decide"],
            "triggerRule": "always",
        },
    ],
}

MINIMAL: dict[str, Any] = {
    "dagId": "d",
    "tasks": [{"taskId": "a", "operator": "dummy"}],
}


def errors_of(validator: Draft202012Validator, instance: Any) -> list[ValidationError]:
    return sorted(validator.iter_errors(instance), key=lambda e: e.json_path)


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://flowrun.dev/schemas/workflow.schema.json"
    assert schema["title"]


def test_schema_file_is_two_space_indented_json(schema: dict[str, Any]) -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert text.startswith('{\n  "$schema"')
    assert "\t" not in text
    assert text.endswith("}\n")


def test_top_level_and_task_properties_have_descriptions(schema: dict[str, Any]) -> None:
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"top-level {name} has no description"
    for name, prop in schema["$defs"]["task"]["properties"].items():
        assert prop.get("description"), f"task field {name} has no description"


def test_defs_names(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    for name in (
        "duration",
        "identifier",
        "triggerRule",
        "retryPolicy",
        "timeout",
        "resources",
        "task",
        "alert",
        "notifier",
        "params",
    ):
        assert name in defs
    assert set(defs["params"]) - {"description"} == {
        "dummy",
        "bash",
        "python",
        "http",
        "email",
        "branch",
        "transfer",
    }
    assert defs["task"]["properties"]["operator"]["enum"] == [
        "dummy",
        "bash",
        "python",
        "http",
        "email",
        "branch",
        "transfer",
    ]
    assert len(defs["triggerRule"]["enum"]) == 12


def test_operator_params_are_if_then_blocks(schema: dict[str, Any]) -> None:
    task = schema["$defs"]["task"]
    assert "oneOf" not in task
    blocks = task["allOf"]
    operators = [b["if"]["properties"]["operator"]["const"] for b in blocks]
    assert operators == task["properties"]["operator"]["enum"]
    for op, block in zip(operators, blocks, strict=True):
        assert block["if"]["required"] == ["operator"]
        assert block["then"]["properties"]["params"] == {"$ref": f"#/$defs/params/{op}"}
        assert block["then"].get("required") == (None if op == "dummy" else ["params"])


def test_full_workflow_is_valid(validator: Draft202012Validator) -> None:
    errors = errors_of(validator, FULL_WORKFLOW)
    assert errors == [], [f"{e.json_path}: {e.message}" for e in errors]
    ops = {t["operator"] for t in FULL_WORKFLOW["tasks"]}
    assert ops == {"dummy", "bash", "python", "http", "email", "branch", "transfer"}


def test_minimal_workflow_is_valid(validator: Draft202012Validator) -> None:
    assert errors_of(validator, MINIMAL) == []


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Mutation that sets the value at a /-separated path (list indexes as numbers)."""

    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _del(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[int(last) if isinstance(node, list) else last]

    return mutate


def _rename(path: str, old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        node: Any = doc
        for part in path.split("/"):
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[new] = node.pop(old)

    return mutate


def _use_every_trigger_rule(doc: dict[str, Any]) -> None:
    """Give the tasks the trigger rules FULL_WORKFLOW does not already use."""
    rules = [
        "all_failed",
        "all_done",
        "all_skipped",
        "all_done_min_one_success",
        "one_success",
        "one_failed",
        "one_done",
        "none_failed",
        "none_skipped",
    ]
    for task, rule in zip(doc["tasks"], rules, strict=True):
        task["triggerRule"] = rule


# Accepted alternative spellings, on top of FULL_WORKFLOW.
VALID_VARIANTS = [
    ("version_number", _set("version", 1.0)),
    ("schedule_null", _set("schedule", None)),
    ("schedule_macro", _set("schedule", "@daily")),
    ("start_date_time", _set("startDate", "2026-01-01T00:00:00Z")),
    ("start_date_time_offset", _set("startDate", "2026-01-01T06:30:00.5+02:00")),
    ("start_date_space", _set("startDate", "2026-01-01 00:00:00")),
    ("alert_on_single_string", _set("alerts/0/on", "sla_missed")),
    ("duration_int_ms", _set("tasks/1/retryPolicy/retryDelay", 0)),
    ("duration_ms", _set("tasks/1/retryPolicy/retryDelay", "500ms")),
    ("duration_days", _set("tasks/1/timeout/sla", "1d12h")),
    ("email_to_string", _set("tasks/8/params/to", "ops@example.com")),
    ("email_cc_string", _set("tasks/8/params/cc", "x@example.com")),
    ("http_json_null", _set("tasks/3/params/json", None)),
    ("http_only_url", _set("tasks/3/params", {"url": "https://x"})),
    ("dummy_params_absent", _del("tasks/6/params")),
    ("all_trigger_rules", _use_every_trigger_rule),
    ("negative_priority", _set("tasks/1/priority", -5)),
    ("jitter_bounds", _set("tasks/1/retryPolicy/jitter", 1)),
    ("metadata_free_form", _set("tasks/2/metadata", {"anything": [1, {"x": None}]})),
    ("dag_id_dots_dashes", _set("dagId", "team.etl-daily_v2")),
    ("dag_id_leading_digit", _set("dagId", "1st_dag")),
    ("schema_key_absent", _del("$schema")),
]


@pytest.mark.parametrize(("name", "mutate"), VALID_VARIANTS, ids=[v[0] for v in VALID_VARIANTS])
def test_valid_variants(validator: Draft202012Validator, name: str, mutate: Any) -> None:
    doc = copy.deepcopy(FULL_WORKFLOW)
    mutate(doc)
    errors = errors_of(validator, doc)
    assert errors == [], [f"{e.json_path}: {e.message}" for e in errors]


# (id, mutation of FULL_WORKFLOW, expected json_path of the best error, expected validator)
INVALID_CASES = [
    # top level
    ("unknown_top_level_key", _set("scheduel", "@daily"), "$", "additionalProperties"),
    ("missing_dag_id", _del("dagId"), "$", "required"),
    ("missing_tasks", _del("tasks"), "$", "required"),
    ("empty_tasks", _set("tasks", []), "$.tasks", "minItems"),
    ("bad_dag_id", _set("dagId", "my dag"), "$.dagId", "pattern"),
    ("dag_id_leading_dash", _set("dagId", "-dag"), "$.dagId", "pattern"),
    ("schedule_number", _set("schedule", 5), "$.schedule", "type"),
    ("start_date_not_iso", _set("startDate", "01/02/2026"), "$.startDate", "pattern"),
    ("catchup_yes_string", _set("catchup", "yes"), "$.catchup", "type"),
    ("concurrency_zero", _set("concurrency", 0), "$.concurrency", "minimum"),
    ("max_active_runs_zero", _set("maxActiveRuns", 0), "$.maxActiveRuns", "minimum"),
    ("param_not_object", _set("params/user_query", "string"), "$.params.user_query", "type"),
    ("param_bad_name", _set("params/user-query", {"type": "string"}), "$.params", "pattern"),
    ("defaults_task_id", _set("defaults/taskId", "x"), "$.defaults", "additionalProperties"),
    (
        "defaults_dependencies",
        _set("defaults/dependencies", []),
        "$.defaults",
        "additionalProperties",
    ),
    (
        "defaults_bad_trigger_rule",
        _set("defaults/triggerRule", "sometimes"),
        "$.defaults.triggerRule",
        "enum",
    ),
    ("queue_unknown_key", _set("queues/io/limit", 3), "$.queues.io", "additionalProperties"),
    (
        "queue_concurrency_zero",
        _set("queues/io/concurrency", 0),
        "$.queues.io.concurrency",
        "minimum",
    ),
    (
        "environment_sets_tasks",
        _set("environments/development/tasks", []),
        "$.environments.development",
        "additionalProperties",
    ),
    (
        "environment_sets_dag_id",
        _set("environments/development/dagId", "x"),
        "$.environments.development",
        "additionalProperties",
    ),
    (
        "environment_sets_environments",
        _set("environments/development/environments", {}),
        "$.environments.development",
        "additionalProperties",
    ),
    (
        "environment_bad_value",
        _set("environments/production/concurrency", 0),
        "$.environments.production.concurrency",
        "minimum",
    ),
    # tasks
    (
        "task_unknown_key_typo",
        _rename("tasks/1", "dependencies", "dependecies"),
        "$.tasks[1]",
        "additionalProperties",
    ),
    ("task_missing_task_id", _del("tasks/0/taskId"), "$.tasks[0]", "required"),
    ("task_missing_operator", _del("tasks/0/operator"), "$.tasks[0]", "required"),
    ("task_unknown_operator", _set("tasks/0/operator", "docker"), "$.tasks[0].operator", "enum"),
    ("task_bad_task_id", _set("tasks/0/taskId", "a b"), "$.tasks[0].taskId", "pattern"),
    (
        "dependencies_not_list",
        _set("tasks/2/dependencies", "fetch_data"),
        "$.tasks[2].dependencies",
        "type",
    ),
    (
        "trigger_rule_typo",
        _set("tasks/5/triggerRule", "all_sucess"),
        "$.tasks[5].triggerRule",
        "enum",
    ),
    (
        "max_retries_negative",
        _set("tasks/1/retryPolicy/maxRetries", -1),
        "$.tasks[1].retryPolicy.maxRetries",
        "minimum",
    ),
    (
        "retry_policy_unknown_key",
        _set("tasks/1/retryPolicy/retries", 3),
        "$.tasks[1].retryPolicy",
        "additionalProperties",
    ),
    (
        "backoff_multiplier_below_one",
        _set("tasks/1/retryPolicy/backoffMultiplier", 0.5),
        "$.tasks[1].retryPolicy.backoffMultiplier",
        "minimum",
    ),
    (
        "jitter_above_one",
        _set("tasks/1/retryPolicy/jitter", 1.5),
        "$.tasks[1].retryPolicy.jitter",
        "maximum",
    ),
    (
        "duration_words",
        _set("tasks/1/timeout/execution", "10 minutes"),
        "$.tasks[1].timeout.execution",
        "pattern",
    ),
    (
        "duration_no_unit",
        _set("tasks/1/retryPolicy/retryDelay", "30"),
        "$.tasks[1].retryPolicy.retryDelay",
        "pattern",
    ),
    (
        "duration_negative_int",
        _set("tasks/1/retryPolicy/retryDelay", -1),
        "$.tasks[1].retryPolicy.retryDelay",
        "minimum",
    ),
    ("duration_bad_unit", _set("defaults/timeout/sla", "2w"), "$.defaults.timeout.sla", "pattern"),
    (
        "timeout_unknown_key",
        _set("tasks/1/timeout/total", "1h"),
        "$.tasks[1].timeout",
        "additionalProperties",
    ),
    ("cpu_zero", _set("tasks/1/resources/cpu", 0), "$.tasks[1].resources.cpu", "exclusiveMinimum"),
    ("memory_float", _set("tasks/1/resources/memory", 1.5), "$.tasks[1].resources.memory", "type"),
    ("gpu_negative", _set("tasks/1/resources/gpu", -1), "$.tasks[1].resources.gpu", "minimum"),
    (
        "resources_unknown_key",
        _set("tasks/1/resources/disk", 5),
        "$.tasks[1].resources",
        "additionalProperties",
    ),
    ("priority_string", _set("tasks/1/priority", "high"), "$.tasks[1].priority", "type"),
    (
        "metadata_run_as_user_int",
        _set("tasks/1/metadata/runAsUser", 0),
        "$.tasks[1].metadata.runAsUser",
        "type",
    ),
    (
        "output_schema_string",
        _set("tasks/1/outputSchema", "object"),
        "$.tasks[1].outputSchema",
        "type",
    ),
    # operator params
    (
        "dummy_with_params",
        _set("tasks/0/params", {"command": "x"}),
        "$.tasks[0].params",
        "additionalProperties",
    ),
    (
        "bash_without_command",
        _set("tasks/1/params", {"cwd": "/tmp"}),
        "$.tasks[1].params",
        "required",
    ),
    ("bash_without_params", _del("tasks/1/params"), "$.tasks[1]", "required"),
    (
        "bash_unknown_param",
        _set("tasks/1/params/shell", "zsh"),
        "$.tasks[1].params",
        "additionalProperties",
    ),
    (
        "bash_python_param",
        _set("tasks/1/params/pythonCode", "x"),
        "$.tasks[1].params",
        "additionalProperties",
    ),
    ("bash_env_list", _set("tasks/1/params/env", ["A=1"]), "$.tasks[1].params.env", "type"),
    ("bash_env_nested", _set("tasks/1/params/env/A", {"x": 1}), "$.tasks[1].params.env.A", "type"),
    ("python_without_code", _set("tasks/2/params", {"env": {}}), "$.tasks[2].params", "required"),
    (
        "python_command_param",
        _set("tasks/2/params/command", "x"),
        "$.tasks[2].params",
        "additionalProperties",
    ),
    ("http_without_url", _del("tasks/3/params/url"), "$.tasks[3].params", "required"),
    ("http_json_and_body", _set("tasks/3/params/body", "raw"), "$.tasks[3].params", "not"),
    ("http_bad_method", _set("tasks/3/params/method", "FETCH"), "$.tasks[3].params.method", "enum"),
    (
        "http_header_int",
        _set("tasks/3/params/headers/X-N", 1),
        "$.tasks[3].params.headers['X-N']",
        "type",
    ),
    (
        "http_status_out_of_range",
        _set("tasks/3/params/expectStatus", 700),
        "$.tasks[3].params.expectStatus",
        "maximum",
    ),
    (
        "http_status_list_item",
        _set("tasks/3/params/expectStatus", [200, 99]),
        "$.tasks[3].params.expectStatus[1]",
        "minimum",
    ),
    (
        "http_bad_timeout",
        _set("tasks/3/params/timeout", "soon"),
        "$.tasks[3].params.timeout",
        "pattern",
    ),
    ("email_without_subject", _del("tasks/8/params/subject"), "$.tasks[8].params", "required"),
    ("email_without_body", _del("tasks/8/params/body"), "$.tasks[8].params", "required"),
    ("email_empty_to", _set("tasks/8/params/to", []), "$.tasks[8].params.to", "minItems"),
    (
        "email_unknown_param",
        _set("tasks/8/params/bcc", "x"),
        "$.tasks[8].params",
        "additionalProperties",
    ),
    (
        "branch_empty_branches",
        _set("tasks/5/params/branches", {}),
        "$.tasks[5].params.branches",
        "minProperties",
    ),
    ("branch_without_condition", _del("tasks/5/params/condition"), "$.tasks[5].params", "required"),
    (
        "branch_target_empty_list",
        _set("tasks/5/params/branches/proceed", []),
        "$.tasks[5].params.branches.proceed",
        "minItems",
    ),
    (
        "branch_target_int",
        _set("tasks/5/params/branches/proceed", 3),
        "$.tasks[5].params.branches.proceed",
        "anyOf",
    ),
    ("transfer_without_source", _set("tasks/7/params", {}), "$.tasks[7].params", "required"),
    ("transfer_without_params", _del("tasks/7/params"), "$.tasks[7]", "required"),
    # alerts
    (
        "alert_unknown_event",
        _set("alerts/0/on", ["sla_missed", "task_succeeded"]),
        "$.alerts[0].on[1]",
        "enum",
    ),
    ("alert_unknown_event_string", _set("alerts/0/on", "task_succeeded"), "$.alerts[0].on", "enum"),
    ("alert_empty_on", _set("alerts/0/on", []), "$.alerts[0].on", "minItems"),
    ("alert_missing_id", _del("alerts/0/id"), "$.alerts[0]", "required"),
    ("alert_missing_on", _del("alerts/0/on"), "$.alerts[0]", "required"),
    ("alert_missing_notify", _del("alerts/0/notify"), "$.alerts[0]", "required"),
    ("alert_empty_notify", _set("alerts/0/notify", []), "$.alerts[0].notify", "minItems"),
    ("alert_bad_severity", _set("alerts/0/severity", "fatal"), "$.alerts[0].severity", "enum"),
    ("alert_bad_cooldown", _set("alerts/0/cooldown", "5 min"), "$.alerts[0].cooldown", "pattern"),
    ("alert_unknown_key", _set("alerts/0/channel", "#ops"), "$.alerts[0]", "additionalProperties"),
    (
        "notifier_two_kinds",
        _set("alerts/0/notify/2/webhook", "https://x"),
        "$.alerts[0].notify[2]",
        "maxProperties",
    ),
    ("notifier_empty", _set("alerts/0/notify/2", {}), "$.alerts[0].notify[2]", "minProperties"),
    (
        "notifier_unknown_kind",
        _set("alerts/0/notify/2", {"slack": "#ops"}),
        "$.alerts[0].notify[2]",
        "additionalProperties",
    ),
    (
        "notifier_email_without_to",
        _set("alerts/0/notify/0/email", {"subject": "x"}),
        "$.alerts[0].notify[0].email",
        "required",
    ),
    (
        "notifier_webhook_not_url",
        _set("alerts/0/notify/3/webhook", "hooks.example.com"),
        "$.alerts[0].notify[3].webhook",
        "pattern",
    ),
    (
        "notifier_webhook_object_typo",
        _set("alerts/0/notify/4/webhook", {"url": "https://x", "header": {}}),
        "$.alerts[0].notify[4].webhook",
        "additionalProperties",
    ),
]


@pytest.mark.parametrize(
    ("name", "mutate", "path", "keyword"), INVALID_CASES, ids=[c[0] for c in INVALID_CASES]
)
def test_invalid_cases(
    validator: Draft202012Validator, name: str, mutate: Any, path: str, keyword: str
) -> None:
    doc = copy.deepcopy(FULL_WORKFLOW)
    mutate(doc)
    errors = errors_of(validator, doc)
    assert errors, f"{name}: expected a schema error"
    error = best_match(errors)
    assert (error.json_path, error.validator) == (path, keyword), error.message


def test_unknown_task_key_reports_the_key(validator: Draft202012Validator) -> None:
    doc = copy.deepcopy(FULL_WORKFLOW)
    _rename("tasks/1", "dependencies", "dependecies")(doc)
    (error,) = errors_of(validator, doc)
    assert list(error.absolute_path) == ["tasks", 1]
    assert "dependecies" in error.message


def test_bash_without_command_reports_one_error(validator: Draft202012Validator) -> None:
    doc = copy.deepcopy(MINIMAL)
    doc["tasks"] = [{"taskId": "a", "operator": "bash", "params": {}}]
    (error,) = errors_of(validator, doc)
    assert list(error.absolute_path) == ["tasks", 0, "params"]
    assert error.validator == "required"
    assert "'command'" in error.message


def test_operator_params_do_not_leak_between_operators(validator: Draft202012Validator) -> None:
    # An unknown operator gets only the enum error, no params errors.
    doc = copy.deepcopy(MINIMAL)
    doc["tasks"] = [{"taskId": "a", "operator": "docker", "params": {"image": "x"}}]
    errors = errors_of(validator, doc)
    assert [(e.json_path, e.validator) for e in errors] == [("$.tasks[0].operator", "enum")]
