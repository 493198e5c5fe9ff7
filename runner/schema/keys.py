"""Keys people bring from Airflow, GitHub Actions, Argo, Dagu and Prefect, and the flowrun way
to say them.

`retries: 3` is not a misspelling of `resources`: spelling distance alone suggests the wrong
key. The schema messages consult this table first (`suggest`), then spelling. Each entry says
which flowrun key it stands for in the same mapping (`replaces`), so that the schema can drop
the "missing required key" error that the same typo would otherwise cause: one mistake, one
finding.

Contexts are where the key sits: `workflow` (top level), `environment` (an overlay), `task`,
`defaults`, `params:<operator>`, `retryPolicy`, `timeout`, `resources`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from runner.findings import get_path


@dataclass(frozen=True)
class Term:
    replaces: str  # the flowrun key of the same mapping it stands for
    form: str  # what to write; `{v}` is the user's value when it is a plain scalar, else `example`
    example: str = ""

    def write(self, value: Any) -> str:
        if self.form == f"{self.replaces}: {{v}}":  # a plain rename: the key is what to write
            return self.replaces
        if isinstance(value, list) and "[{v}]" in self.form:
            items = [_scalar(v) for v in value]
            if items and all(items):
                return self.form.replace("{v}", ", ".join(str(i) for i in items))
        shown = _scalar(value)
        return self.form.replace("{v}", shown if shown is not None else self.example)


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value and len(value) <= 40 and "\n" not in value:
        return value if re.fullmatch(r"[\w./:@-]+", value) else json.dumps(value)
    return None


def _t(replaces: str, form: str, example: str = "") -> Term:
    return Term(replaces, form, example)


TASK_ID = _t("taskId", "taskId: {v}", "extract")
OPERATOR = _t("operator", "operator: {v}", "bash")
DEPENDENCIES = _t("dependencies", "dependencies: [{v}]", "extract")
MAX_RETRIES = _t("retryPolicy", "retryPolicy: {maxRetries: {v}}", "3")
RETRY_DELAY = _t("retryPolicy", "retryPolicy: {retryDelay: {v}}", "30s")
BACKOFF = _t("retryPolicy", "retryPolicy: {exponentialBackoff: true}")
MAX_DELAY = _t("retryPolicy", "retryPolicy: {maxRetryDelay: {v}}", "10m")
EXECUTION = _t("timeout", "timeout: {execution: {v}}", "10m")
SLA = _t("timeout", "timeout: {sla: {v}}", "1h")
COMMAND = _t("params", "operator: bash and params: {command: {v}}", "./run.sh")
PYTHON_CODE = _t("params", "operator: python and params: {pythonCode: {v}}", '"print(1)"')
TASK_ENV = _t("params", "params: {env: {NAME: value}} (environment variables of a bash or python task)")
CWD = _t("params", "params: {cwd: {v}}", "/srv/app")
TRIGGER = _t("triggerRule", "triggerRule: {v}", "all_done")
QUEUE = _t("queue", "queue: {v}", "ml-queue")
PRIORITY = _t("priority", "priority: {v}", "10")
DESCRIPTION = _t("description", "description: {v}", "what it does")
PARAMS = _t("params", "params: {...} (the operator's parameters)")
RUN_AS = _t("metadata", "metadata: {runAsUser: {v}}", "etl")
URL = _t("params", "operator: http and params: {url: {v}}", "https://example.com")

_TASK: dict[str, Term] = {
    **dict.fromkeys(("id", "task_id", "taskid", "task-id", "taskID", "name", "task", "key", "task_name", "taskName"), TASK_ID),
    **dict.fromkeys(("type", "kind", "uses", "operator_type", "op", "executor_type"), OPERATOR),
    **dict.fromkeys(("depends_on", "dependsOn", "depends", "needs", "upstream", "upstream_tasks", "upstreams", "after",
                     "requires", "deps", "wait_for", "waitFor"), DEPENDENCIES),
    **dict.fromkeys(("retries", "retry", "max_retries", "maxRetries", "retry_count", "retryCount", "attempts",
                     "max_attempts", "retryStrategy", "retry_strategy"), MAX_RETRIES),
    **dict.fromkeys(("retry_delay", "retryDelay", "retry_delay_seconds", "retry_interval", "retryInterval"), RETRY_DELAY),
    **dict.fromkeys(("retry_exponential_backoff", "exponential_backoff", "exponentialBackoff"), BACKOFF),
    **dict.fromkeys(("max_retry_delay", "maxRetryDelay"), MAX_DELAY),
    **dict.fromkeys(("execution_timeout", "executionTimeout", "timeout_minutes", "timeout-minutes", "timeout_seconds",
                     "timeoutSeconds", "activeDeadlineSeconds", "timelimit", "time_limit"), EXECUTION),
    **dict.fromkeys(("sla", "deadline"), SLA),
    **dict.fromkeys(("cmd", "command", "run", "script", "bash_command", "shell", "commands", "bash", "sh", "exec"), COMMAND),
    **dict.fromkeys(("python_callable", "pythonCode", "python_code", "code", "python", "source"), PYTHON_CODE),
    **dict.fromkeys(("env", "environment", "envs", "env_vars", "environment_variables", "variables"), TASK_ENV),
    **dict.fromkeys(("cwd", "working_dir", "working-directory", "workingDir", "workdir", "dir"), CWD),
    **dict.fromkeys(("trigger_rule", "trigger", "if", "when"), TRIGGER),
    **dict.fromkeys(("pool", "queue_name", "queueName"), QUEUE),
    **dict.fromkeys(("priority_weight", "weight"), PRIORITY),
    **dict.fromkeys(("doc", "doc_md", "docs", "desc", "documentation", "summary"), DESCRIPTION),
    **dict.fromkeys(("op_kwargs", "parameters", "with", "inputs", "args", "arguments", "kwargs", "config"), PARAMS),
    **dict.fromkeys(("run_as_user", "runAsUser", "user", "run_as"), RUN_AS),
    **dict.fromkeys(("url", "endpoint", "http_conn_id"), URL),
    **dict.fromkeys(("inlet", "input_datasets", "reads"), _t("inlets", 'inlets: ["s3://bucket/path"] (datasets the task reads)')),
    **dict.fromkeys(("outlet", "output_datasets", "writes"), _t("outlets", 'outlets: ["postgres://host/db.table"] (datasets the task writes)')),
    "retry_policy": _t("retryPolicy", "retryPolicy: {maxRetries: 3}"),
    "output_schema": _t("outputSchema", "outputSchema: {type: object}"),
    "timeout": EXECUTION,
}

_WORKFLOW: dict[str, Term] = {
    **dict.fromkeys(("dag_id", "dagid", "dag-id", "dagID", "id", "name", "dag", "dag_name", "dagName", "pipeline",
                     "workflow", "workflow_id", "flow_name"), _t("dagId", "dagId: {v}", "etl")),
    **dict.fromkeys(("schedule_interval", "scheduleInterval", "cron", "crontab", "schedules", "on", "trigger",
                     "timetable"), _t("schedule", 'schedule: "{v}" (5 cron fields or @daily; quote it)', "0 6 * * *")),
    **dict.fromkeys(("start_date", "startdate", "start"), _t("startDate", "startDate: {v}", "2026-01-01")),
    **dict.fromkeys(("tz", "time_zone", "timeZone", "TZ"), _t("timezone", "timezone: {v}", "Europe/Berlin")),
    **dict.fromkeys(("catch_up", "catchUp", "backfill"), _t("catchup", "catchup: {v}", "false")),
    **dict.fromkeys(("max_active_runs", "maxactiveruns", "max_runs"), _t("maxActiveRuns", "maxActiveRuns: {v}", "1")),
    **dict.fromkeys(("max_active_tasks", "maxActiveTasks", "concurrency_limit", "parallelism", "max_parallel",
                     "maxParallel", "max-parallel"), _t("concurrency", "concurrency: {v}", "4")),
    **dict.fromkeys(("default_args", "defaultArgs", "default", "task_defaults", "taskDefaults", "defaults_args"),
                    _t("defaults", "defaults: {retryPolicy: {maxRetries: 1}, timeout: {execution: 10m}}")),
    **dict.fromkeys(("jobs", "steps", "task", "templates", "nodes", "stages", "operators"),
                    _t("tasks", "tasks: [{taskId: a, operator: bash, params: {command: ...}}]")),
    **dict.fromkeys(("env", "environment", "envs", "variables", "vars"),
                    _t("", "params: {env: {NAME: value}} on each bash or python task, or var.value.NAME in a template "
                           "(environments: is for overlays)")),
    **dict.fromkeys(("on_failure_callback", "on_failure", "notifications", "notify", "alert", "handlers", "hooks"),
                    _t("alerts", "alerts: [{id: failed, on: [task_failed], notify: [{command: ./page.sh}]}]")),
    **dict.fromkeys(("doc_md", "doc", "desc", "summary"), _t("description", "description: {v}", "what it does")),
    **dict.fromkeys(("parameters", "inputs", "arguments", "param"), _t("params", "params: {NAME: {type: string, default: ...}}")),
    "queue": _t("queues", "queues: {NAME: {concurrency: 1}}, and queue: NAME on a task"),
    **dict.fromkeys(("openlineage", "open_lineage", "openLineage"), _t("lineage", "lineage: {namespace: my-team}")),
    "pools": _t("queues", "queues: {NAME: {concurrency: 1}}"),
    "environment_overlays": _t("environments", "environments: {development: {schedule: null}}"),
}

_DEFAULTS: dict[str, Term] = {k: v for k, v in _TASK.items() if v.replaces in ("retryPolicy", "timeout", "triggerRule", "queue", "priority", "metadata")}

_RETRY: dict[str, Term] = {
    **dict.fromkeys(("retries", "max_retries", "maxretries", "limit", "count", "attempts", "max_attempts", "retry"),
                    _t("maxRetries", "maxRetries: {v}", "3")),
    **dict.fromkeys(("delay", "retry_delay", "retrydelay", "interval", "wait", "backoff", "duration"),
                    _t("retryDelay", "retryDelay: {v}", "30s")),
    **dict.fromkeys(("exponential", "exponential_backoff", "exponentialbackoff"), _t("exponentialBackoff", "exponentialBackoff: {v}", "true")),
    **dict.fromkeys(("factor", "multiplier", "backoff_multiplier", "backoff_factor"), _t("backoffMultiplier", "backoffMultiplier: {v}", "2")),
    **dict.fromkeys(("max_delay", "maxDelay", "max_retry_delay", "maxDuration", "cap"), _t("maxRetryDelay", "maxRetryDelay: {v}", "10m")),
}

_TIMEOUT: dict[str, Term] = {
    **dict.fromkeys(("execution_timeout", "executionTimeout", "exec", "run", "try", "task", "timeout", "seconds",
                     "minutes", "limit", "duration", "per_try"), _t("execution", "execution: {v}", "10m")),
    **dict.fromkeys(("deadline", "total", "whole"), _t("sla", "sla: {v}", "1h")),
}

_RESOURCES: dict[str, Term] = {
    **dict.fromkeys(("cpus", "cores", "vcpu", "vcpus", "cpu_count"), _t("cpu", "cpu: {v}", "1")),
    **dict.fromkeys(("mem", "ram", "memory_mb", "memoryMb"), _t("memory", "memory: {v} (MB, an integer)", "512")),
    **dict.fromkeys(("gpus", "nvidia.com/gpu"), _t("gpu", "gpu: {v}", "1")),
}

_PROCESS_PARAMS: dict[str, Term] = {
    **dict.fromkeys(("environment", "envs", "env_vars", "environment_variables", "variables", "vars"), _t("env", "env: {NAME: value}")),
    **dict.fromkeys(("working_dir", "working-directory", "workingDir", "workdir", "dir", "directory"), _t("cwd", "cwd: {v}", "/srv/app")),
}

_PARAMS: dict[str, dict[str, Term]] = {
    "bash": {
        **dict.fromkeys(("cmd", "run", "script", "bash_command", "shell", "commands", "bash", "sh", "exec", "cmdline",
                         "shell_command", "args"), _t("command", "command: {v}", "./run.sh")),
        **_PROCESS_PARAMS,
    },
    "python": {
        **dict.fromkeys(("code", "python_callable", "script", "source", "python_code", "python", "pythoncode", "run",
                         "command", "cmd"), _t("pythonCode", "pythonCode: {v}", '"print(1)"')),
        **_PROCESS_PARAMS,
    },
    "http": {
        **dict.fromkeys(("endpoint", "uri", "address", "link", "http_conn_id"), _t("url", "url: {v}", "https://example.com")),
        **dict.fromkeys(("verb", "http_method", "httpMethod", "request_method"), _t("method", "method: {v}", "POST")),
        **dict.fromkeys(("data", "payload", "request_body", "content"), _t("body", "body: {v} (or json: for a JSON body)", "...")),
        **dict.fromkeys(("status", "expect_status", "expected_status", "status_code", "statusCode", "successCodes",
                         "response_check", "expectedStatus"), _t("expectStatus", "expectStatus: {v}", "200")),
        **dict.fromkeys(("header", "http_headers"), _t("headers", "headers: {Name: value}")),
    },
    "email": {
        **dict.fromkeys(("recipients", "recipient", "to_addr", "email", "emails", "mail_to", "address"), _t("to", "to: {v}", "ops@example.com")),
        **dict.fromkeys(("title", "topic"), _t("subject", "subject: {v}", "...")),
        **dict.fromkeys(("text", "html_content", "content", "message", "html", "msg"), _t("body", "body: {v}", "...")),
        **dict.fromkeys(("sender", "from_email", "from_addr", "mail_from"), _t("from", "from: {v}", "flowrun@example.com")),
    },
    "branch": {
        **dict.fromkeys(("choices", "options", "cases", "paths", "targets", "branch"), _t("branches", "branches: {key: taskId}")),
        **dict.fromkeys(("expr", "expression", "if", "when", "python_callable", "switch"), _t("condition", "condition: {v}", "\"'a' if ... else 'b'\"")),
    },
    "transfer": {
        **dict.fromkeys(("source", "source_task", "from", "task", "task_id", "taskId", "upstream"), _t("sourceTask", "sourceTask: {v}", "extract")),
    },
}


def context(path: tuple[str | int, ...], data: Any) -> str:
    """The vocabulary context of the mapping at `path` of the document `data`."""
    if not path:
        return "workflow"
    if len(path) == 2 and path[0] == "tasks" and isinstance(path[1], int):
        return "task"
    if len(path) == 3 and path[0] == "tasks" and path[2] == "params":
        task = get_path(data, path[:2])
        operator = task.get("operator") if isinstance(task, dict) else None
        return f"params:{operator}" if isinstance(operator, str) else ""
    if len(path) == 2 and path[0] == "environments":
        return "environment"
    last = path[-1]
    if last == "defaults":
        return "defaults"
    if last in ("retryPolicy", "timeout", "resources"):
        return str(last)
    return ""


_TABLES: dict[str, dict[str, Term]] = {
    "workflow": _WORKFLOW,
    "environment": _WORKFLOW,
    "task": _TASK,
    "defaults": _DEFAULTS,
    "retryPolicy": _RETRY,
    "timeout": _TIMEOUT,
    "resources": _RESOURCES,
    **{f"params:{op}": table for op, table in _PARAMS.items()},
}


def suggest(key: str, ctx: str, allowed: list[str], present: tuple[str, ...] = ()) -> Term | None:
    """What to write instead of the unknown `key` in a mapping of context `ctx`, or None.

    A key that differs from an allowed one only in case, `_` or `-` (`retry_policy`, `DagId`) is
    that key; then the table, by exact name and by lower-cased name."""
    flat = _flat(key)
    for name in allowed:
        if _flat(name) == flat:
            return Term(name, f"{name}: {{v}}", "...")
    table = _TABLES.get(ctx, {})
    term = table.get(key)
    if term is None:
        term = next((t for k, t in table.items() if _flat(k) == flat), None)
    if term is None or (term.replaces and term.replaces not in allowed and ctx != "task"):
        return None
    if term.replaces in present and ctx != "task":
        return None  # `cmd` beside `command`: not a rename; the spelling or the key list says more
    return term


def _flat(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()




# Values of enumerations people bring along (Airflow operator class names, shells ...).
OPERATOR_VALUES = {
    **dict.fromkeys(("BashOperator", "shell", "sh", "command", "cmd", "script", "run", "bash_operator", "ssh",
                     "SSHOperator", "exec"), "bash"),
    **dict.fromkeys(("PythonOperator", "python3", "py", "python_operator", "PythonVirtualenvOperator",
                     "ExternalPythonOperator"), "python"),
    **dict.fromkeys(("SimpleHttpOperator", "HttpOperator", "HttpSensor", "http_request", "https", "request", "rest",
                     "webhook", "curl", "api"), "http"),
    **dict.fromkeys(("EmailOperator", "mail", "smtp", "send_email"), "email"),
    **dict.fromkeys(("BranchPythonOperator", "BranchOperator", "switch", "if", "condition", "choice"), "branch"),
    **dict.fromkeys(("DummyOperator", "EmptyOperator", "empty", "noop", "no-op", "none", "pass"), "dummy"),
}
TRIGGER_VALUES = {
    "all_succeeded": "all_success", "success": "all_success", "on_success": "all_success",
    "failure": "one_failed", "on_failure": "one_failed", "all_finished": "all_done", "finished": "all_done",
    "done": "all_done", "completed": "all_done", "always()": "always", "dummy": "always",
}


def enum_message(value: Any, field: str, where: str, options: list[str]) -> str:
    """`'BashOperator' is not a valid operator in task 'b'; write 'bash'` and the like."""
    import difflib

    shown = f"'{value}'" if isinstance(value, str) else json.dumps(value, default=str)
    table = OPERATOR_VALUES if field == "operator" else TRIGGER_VALUES if field == "triggerRule" else {}
    mapped = table.get(str(value)) or next((v for k, v in table.items() if _flat(k) == _flat(str(value))), None)
    if mapped is None:
        mapped = next((o for o in options if o.lower() == str(value).lower()), None)
    if mapped in options:
        return f"{shown} is not a valid {field} in {where}; write '{mapped}'"
    hint = difflib.get_close_matches(str(value), options, n=1)
    tail = f"did you mean '{hint[0]}'?" if hint else f"write one of: {', '.join(options)}"
    return f"{shown} is not a valid {field} in {where}; {tail}"
