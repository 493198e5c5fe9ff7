"""Names users bring from other workflow tools (Airflow, GitHub Actions, Argo Workflows, Dagu,
Prefect), and the flowrun way to say each. Two tables, consulted before any spelling distance:

- TEMPLATE_NAMES: dotted names written inside `{{ }}` (`task_instance`, `dag_run.conf`,
  `secrets.X`, `inputs.parameters.x`, ...), used by FR202 (runner/lint/rules/undefined_template_name.py)
  and the alert checks (runner/lint/rules/alert_templates.py);
- YAML_KEYS: keys of a workflow file (`task_id`, `retries`, `needs`, `steps`, ...), for the
  schema's messages.

An entry's `write` is what to write instead (quoted in messages), `note` what else to know;
`{rest}` in `write` is replaced by what followed the foreign prefix (`secrets.TOKEN` ->
`var.secret.TOKEN`), or by `NAME` when nothing did. Plain data: cheap for any module to consult.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NamedTuple


class Foreign(NamedTuple):
    tool: str  # whose name it is: "Airflow", "GitHub Actions"
    write: str  # the flowrun way to write it (quoted in messages)
    note: str = ""  # what else to know, in words


AIRFLOW, GHA, ARGO, DAGU, PREFECT = "Airflow", "GitHub Actions", "Argo Workflows", "Dagu", "Prefect"

TEMPLATE_NAMES: dict[str, Foreign] = {
    # Airflow
    "task_instance": Foreign(AIRFLOW, "ti.xcom_pull(task_ids=...)"),
    "ti.xcom_push": Foreign(AIRFLOW, "ti.xcom_pull(task_ids=...)", "a task's output is the last line it prints"),
    "dag_run.conf": Foreign(AIRFLOW, "params.{rest}", "declare it under params; pass --param NAME=VALUE"),
    "dag_run.run_id": Foreign(AIRFLOW, "run_id"),
    "dag_run.logical_date": Foreign(AIRFLOW, "logical_date"),
    "dag_run.execution_date": Foreign(AIRFLOW, "execution_date"),
    "dag_run": Foreign(AIRFLOW, "run_id", "or logical_date, params.NAME"),
    "dag.dag_id": Foreign(AIRFLOW, "dag_id"),
    "dag": Foreign(AIRFLOW, "dag_id"),
    "task.task_id": Foreign(AIRFLOW, "task_id"),
    "task": Foreign(AIRFLOW, "task_id"),
    "var.json": Foreign(AIRFLOW, "var.value.{rest}", "the text: parse the JSON in the task"),
    "conf": Foreign(AIRFLOW, "var.value.NAME", "flowrun has no configuration object in templates"),
    "macros": Foreign(AIRFLOW, "ds", "or ds_nodash, ts; do date arithmetic in the task: date -d \"$DAY + 1 day\""),
    "ds_add": Foreign(AIRFLOW, "ds", "do date arithmetic in the task: date -d \"$DAY + 1 day\""),
    "ts_nodash": Foreign(AIRFLOW, "ts", "or ds_nodash for the date"),
    "data_interval_start": Foreign(AIRFLOW, "logical_date"),
    "data_interval_end": Foreign(AIRFLOW, "logical_date", "compute the end of the interval in the task"),
    "prev_ds": Foreign(AIRFLOW, "ds", "compute the previous date in the task"),
    "next_ds": Foreign(AIRFLOW, "ds", "compute the next date in the task"),
    "yesterday_ds": Foreign(AIRFLOW, "ds", "compute the day before in the task"),
    "tomorrow_ds": Foreign(AIRFLOW, "ds", "compute the day after in the task"),
    "prev_execution_date": Foreign(AIRFLOW, "execution_date", "compute the previous one in the task"),
    "next_execution_date": Foreign(AIRFLOW, "execution_date", "compute the next one in the task"),
    # GitHub Actions
    "secrets": Foreign(GHA, "var.secret.{rest}"),
    "vars": Foreign(GHA, "var.value.{rest}"),
    "env": Foreign(GHA, "var.value.{rest}", "or $NAME in a bash command: a task's env is its process environment"),
    "github.run_id": Foreign(GHA, "run_id"),
    "github": Foreign(GHA, "run_id", "or dag_id, try_number"),
    "needs": Foreign(GHA, "ti.xcom_pull(task_ids='TASK')"),
    "steps": Foreign(GHA, "ti.xcom_pull(task_ids='TASK')"),
    "inputs.parameters": Foreign(ARGO, "params.{rest}"),
    "inputs": Foreign(GHA, "params.{rest}"),
    "matrix": Foreign(GHA, "params.NAME", "flowrun has no matrix: write one task per value"),
    # Argo Workflows
    "workflow.parameters": Foreign(ARGO, "params.{rest}"),
    "workflow.name": Foreign(ARGO, "run_id"),
    "workflow.uid": Foreign(ARGO, "run_id"),
    "workflow": Foreign(ARGO, "run_id", "or dag_id"),
    "tasks": Foreign(ARGO, "ti.xcom_pull(task_ids='TASK')"),
    # Dagu (its names are environment variables, written $NAME)
    "DAG_NAME": Foreign(DAGU, "dag_id"),
    "DAG_RUN_ID": Foreign(DAGU, "run_id"),
    "DAG_REQUEST_ID": Foreign(DAGU, "run_id"),
    "DAG_EXECUTION_LOG_PATH": Foreign(DAGU, "run_id", "logs are under .flowrun/logs/DAG/RUN/TASK/"),
    # Prefect
    "prefect.variables": Foreign(PREFECT, "var.value.{rest}"),
    "prefect.blocks.secret": Foreign(PREFECT, "var.secret.{rest}"),
    "prefect.blocks": Foreign(PREFECT, "var.secret.NAME"),
    "prefect": Foreign(PREFECT, "var.value.NAME", "or var.secret.NAME"),
    "flow_run": Foreign(PREFECT, "run_id"),
    "parameters": Foreign(PREFECT, "params.{rest}"),
}

YAML_KEYS: dict[str, Foreign] = {
    # Airflow (DAG and operator arguments)
    "dag_id": Foreign(AIRFLOW, "dagId"),
    "task_id": Foreign(AIRFLOW, "taskId"),
    "schedule_interval": Foreign(AIRFLOW, "schedule"),
    "start_date": Foreign(AIRFLOW, "startDate"),
    "max_active_runs": Foreign(AIRFLOW, "maxActiveRuns"),
    "max_active_tasks": Foreign(AIRFLOW, "concurrency"),
    "default_args": Foreign(AIRFLOW, "defaults"),
    "retries": Foreign(AIRFLOW, "retryPolicy: {maxRetries: N}", "Prefect's too"),
    "retry_delay": Foreign(AIRFLOW, "retryPolicy: {retryDelay: 30s}"),
    "retry_exponential_backoff": Foreign(AIRFLOW, "retryPolicy: {exponentialBackoff: true}"),
    "max_retry_delay": Foreign(AIRFLOW, "retryPolicy: {maxRetryDelay: 10m}"),
    "execution_timeout": Foreign(AIRFLOW, "timeout: {execution: 10m}"),
    "sla": Foreign(AIRFLOW, "timeout: {sla: 1h}"),
    "trigger_rule": Foreign(AIRFLOW, "triggerRule"),
    "upstream": Foreign(AIRFLOW, "dependencies"),
    "bash_command": Foreign(AIRFLOW, "params: {command: ...}", "with operator: bash"),
    "python_callable": Foreign(AIRFLOW, "params: {pythonCode: ...}", "with operator: python"),
    "pool": Foreign(AIRFLOW, "queue", "declared under queues"),
    "priority_weight": Foreign(AIRFLOW, "priority"),
    "on_failure_callback": Foreign(AIRFLOW, "alerts", "on: [task_failed], with a notifier"),
    # GitHub Actions
    "jobs": Foreign(GHA, "tasks"),
    "needs": Foreign(GHA, "dependencies"),
    "runs-on": Foreign(GHA, "queue", "or metadata: {runAsUser: ...}"),
    "run": Foreign(GHA, "params: {command: ...}", "with operator: bash"),
    "timeout-minutes": Foreign(GHA, "timeout: {execution: 10m}"),
    "continue-on-error": Foreign(GHA, "triggerRule: all_done", "on the tasks after it"),
    "if": Foreign(GHA, "operator: branch", "a branch task before it, or a triggerRule"),
    "with": Foreign(GHA, "params"),
    "name": Foreign(GHA, "taskId", "or description"),
    # Argo Workflows
    "templates": Foreign(ARGO, "tasks"),
    "retryStrategy": Foreign(ARGO, "retryPolicy"),
    "activeDeadlineSeconds": Foreign(ARGO, "timeout: {execution: ...}"),
    "arguments": Foreign(ARGO, "params"),
    "when": Foreign(ARGO, "operator: branch", "a branch task before it"),
    # Dagu
    "steps": Foreign(DAGU, "tasks"),
    "depends": Foreign(DAGU, "dependencies"),
    "command": Foreign(DAGU, "params: {command: ...}", "with operator: bash"),
    "script": Foreign(DAGU, "params: {command: ...}", "with operator: bash"),
    "output": Foreign(DAGU, "ti.xcom_pull(task_ids=...)", "a task's output is the last line it prints"),
    "retryPolicy.limit": Foreign(DAGU, "retryPolicy: {maxRetries: N}"),
    "retryPolicy.intervalSec": Foreign(DAGU, "retryPolicy: {retryDelay: 30s}"),
    "handlerOn": Foreign(DAGU, "alerts", "or a task with triggerRule: all_done"),
    # Prefect
    "retry_delay_seconds": Foreign(PREFECT, "retryPolicy: {retryDelay: 30s}"),
    "timeout_seconds": Foreign(PREFECT, "timeout: {execution: 30s}"),
    "parameters": Foreign(PREFECT, "params"),
    "work_pool": Foreign(PREFECT, "queue"),
}


def _lookup(table: dict[str, Foreign], dotted: str) -> tuple[str, Foreign, str] | None:
    """The longest entry that `dotted` starts with (whole parts): (prefix, entry, the rest)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in table:
            return prefix, table[prefix], ".".join(parts[end:])
    return None


def _possessive(tool: str) -> str:
    return tool + ("'" if tool.endswith("s") else "'s")


def _message(name: str, entry: Foreign, rest: str = "NAME") -> str:
    write = entry.write.replace("{rest}", rest)
    return f"'{name}' is {_possessive(entry.tool)} name; write '{write}'" + (f" ({entry.note})" if entry.note else "")


def template_hint(dotted: str) -> str | None:
    """"'task_instance' is Airflow's name; write 'ti.xcom_pull(task_ids=...)'", or None."""
    found = _lookup(TEMPLATE_NAMES, dotted)
    if found is None:
        return None
    prefix, entry, rest = found
    return _message(prefix, entry, rest.split(".")[0] or "NAME")


def key_hint(key: str, allowed: Collection[str] | None = None) -> str | None:
    """"'task_id' is Airflow's name; write 'taskId'", or None; with `allowed` (the keys of the
    mapping the key is in), only a hint whose key may be written there."""
    entry = YAML_KEYS.get(key)
    if entry is None:
        return None
    if allowed is not None and entry.write.split(":")[0].split(" ")[0] not in allowed:
        return None
    return _message(key, entry)


# Template syntax of other tools that Jinja cannot parse: (pattern, hint)
FOREIGN_SYNTAX: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\{\{-?\s*\$[A-Za-z_]"), "'{{ $NAME }}' is Prefect's way to read the environment; write "
                                        "'var.value.NAME' (FLOWRUN_VAR_NAME), or $NAME in a bash command"),
    (re.compile(r"\{\{-?\s*\.[A-Za-z_]"), "'{{ .Name }}' is a Go template (Argo, Helm); write '{{ params.NAME }}'"),
]


def syntax_hint(source: str) -> str | None:
    """What to write instead of another tool's template syntax in `source`, or None."""
    for pattern, hint in FOREIGN_SYNTAX:
        if pattern.search(source):
            return hint
    for opening, closing in (("{{", "}}"), ("{%", "%}"), ("{#", "#}")):
        if source.count(opening) != source.count(closing):
            return f"every '{opening}' needs its '{closing}': write '{opening} ... {closing}'"
    return None
