"""Names users bring from other workflow tools (Airflow, GitHub Actions, Argo Workflows, Dagu,
Prefect), and the flowrun way to say each. Two tables, consulted before any spelling distance:

- TEMPLATE_NAMES: dotted names written inside `{{ }}` (`task_instance`, `dag_run.conf`,
  `secrets.X`, `inputs.parameters.x`, ...), used by FR202 (runner/rules/undefined_template_name.py)
  and the alert checks (runner/rules/alert_templates.py);
- YAML_KEYS: keys of a workflow file (`task_id`, `retries`, `needs`, `steps`, ...), for the
  schema's messages.

An entry's `write` is what to write instead; `{rest}` in it is replaced by what followed the
foreign prefix (`secrets.TOKEN` -> `var.secret.TOKEN`), or by `NAME` when nothing did. Plain
data, no imports: cheap for any module to consult.
"""

from __future__ import annotations

from typing import NamedTuple


class Foreign(NamedTuple):
    tool: str  # whose name it is, as a possessive reads: "Airflow", "GitHub Actions"
    write: str  # the flowrun way to say it


AIRFLOW, GHA, ARGO, DAGU, PREFECT = "Airflow", "GitHub Actions", "Argo Workflows", "Dagu", "Prefect"

TEMPLATE_NAMES: dict[str, Foreign] = {
    # Airflow
    "task_instance": Foreign(AIRFLOW, "ti.xcom_pull(task_ids=...)"),
    "ti.xcom_push": Foreign(AIRFLOW, "print the value as the task's last stdout line (its output); read it with ti.xcom_pull(task_ids=...)"),
    "dag_run.conf": Foreign(AIRFLOW, "params.{rest} (declare it under params, pass --param NAME=VALUE)"),
    "dag_run.run_id": Foreign(AIRFLOW, "run_id"),
    "dag_run.logical_date": Foreign(AIRFLOW, "logical_date"),
    "dag_run.execution_date": Foreign(AIRFLOW, "execution_date"),
    "dag_run": Foreign(AIRFLOW, "run_id, logical_date or params.NAME"),
    "dag.dag_id": Foreign(AIRFLOW, "dag_id"),
    "dag": Foreign(AIRFLOW, "dag_id"),
    "task.task_id": Foreign(AIRFLOW, "task_id"),
    "task": Foreign(AIRFLOW, "task_id"),
    "var.json": Foreign(AIRFLOW, "var.value.{rest} (the text; parse the JSON in the task)"),
    "conf": Foreign(AIRFLOW, "var.value.NAME (flowrun has no configuration object in templates)"),
    "macros": Foreign(AIRFLOW, "ds, ds_nodash or ts, and do date arithmetic in the task (date -d \"{{ ds }} + 1 day\")"),
    "ds_add": Foreign(AIRFLOW, "ds, and do date arithmetic in the task (date -d \"{{ ds }} + 1 day\")"),
    "ts_nodash": Foreign(AIRFLOW, "ts (or ds_nodash for the date)"),
    "data_interval_start": Foreign(AIRFLOW, "logical_date"),
    "data_interval_end": Foreign(AIRFLOW, "logical_date (the end of an interval is computed in the task)"),
    "prev_ds": Foreign(AIRFLOW, "ds, and compute the previous date in the task"),
    "next_ds": Foreign(AIRFLOW, "ds, and compute the next date in the task"),
    "yesterday_ds": Foreign(AIRFLOW, "ds, and compute the day before in the task"),
    "tomorrow_ds": Foreign(AIRFLOW, "ds, and compute the day after in the task"),
    "prev_execution_date": Foreign(AIRFLOW, "execution_date, and compute the previous one in the task"),
    "next_execution_date": Foreign(AIRFLOW, "execution_date, and compute the next one in the task"),
    # GitHub Actions
    "secrets": Foreign(GHA, "var.secret.{rest}"),
    "vars": Foreign(GHA, "var.value.{rest}"),
    "env": Foreign(GHA, "$NAME in the command (a task's env is its process environment), or var.value.{rest}"),
    "github.run_id": Foreign(GHA, "run_id"),
    "github": Foreign(GHA, "dag_id, run_id or try_number"),
    "needs": Foreign(GHA, "ti.xcom_pull(task_ids='TASK')"),
    "steps": Foreign(GHA, "ti.xcom_pull(task_ids='TASK')"),
    "inputs.parameters": Foreign(ARGO, "params.{rest}"),
    "inputs": Foreign(GHA, "params.{rest}"),
    "matrix": Foreign(GHA, "params.NAME (flowrun has no matrix; write one task per value)"),
    # Argo Workflows
    "workflow.parameters": Foreign(ARGO, "params.{rest}"),
    "workflow.name": Foreign(ARGO, "run_id"),
    "workflow.uid": Foreign(ARGO, "run_id"),
    "workflow": Foreign(ARGO, "dag_id or run_id"),
    "tasks": Foreign(ARGO, "ti.xcom_pull(task_ids='TASK')"),
    # Dagu (its names are environment variables, written $NAME)
    "DAG_NAME": Foreign(DAGU, "dag_id"),
    "DAG_RUN_ID": Foreign(DAGU, "run_id"),
    "DAG_REQUEST_ID": Foreign(DAGU, "run_id"),
    "DAG_EXECUTION_LOG_PATH": Foreign(DAGU, "run_id (logs are under .flowrun/logs/DAG/RUN/TASK/)"),
    # Prefect
    "prefect.variables": Foreign(PREFECT, "var.value.{rest}"),
    "prefect.blocks.secret": Foreign(PREFECT, "var.secret.{rest}"),
    "prefect.blocks": Foreign(PREFECT, "var.secret.NAME"),
    "prefect": Foreign(PREFECT, "var.value.NAME or var.secret.NAME"),
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
    "retries": Foreign(AIRFLOW, "retryPolicy: {maxRetries: N}"),
    "retry_delay": Foreign(AIRFLOW, "retryPolicy: {retryDelay: 30s}"),
    "retry_exponential_backoff": Foreign(AIRFLOW, "retryPolicy: {exponentialBackoff: true}"),
    "max_retry_delay": Foreign(AIRFLOW, "retryPolicy: {maxRetryDelay: 10m}"),
    "execution_timeout": Foreign(AIRFLOW, "timeout: {execution: 10m}"),
    "sla": Foreign(AIRFLOW, "timeout: {sla: 1h}"),
    "trigger_rule": Foreign(AIRFLOW, "triggerRule"),
    "upstream": Foreign(AIRFLOW, "dependencies"),
    "bash_command": Foreign(AIRFLOW, "operator: bash with params: {command: ...}"),
    "python_callable": Foreign(AIRFLOW, "operator: python with params: {pythonCode: ...}"),
    "pool": Foreign(AIRFLOW, "queue (declared under queues)"),
    "priority_weight": Foreign(AIRFLOW, "priority"),
    "on_failure_callback": Foreign(AIRFLOW, "alerts: [{id: ..., on: [task_failed], notify: [...]}]"),
    # GitHub Actions
    "jobs": Foreign(GHA, "tasks"),
    "needs": Foreign(GHA, "dependencies"),
    "runs-on": Foreign(GHA, "queue, or metadata: {runAsUser: ...}"),
    "run": Foreign(GHA, "operator: bash with params: {command: ...}"),
    "timeout-minutes": Foreign(GHA, "timeout: {execution: 10m}"),
    "continue-on-error": Foreign(GHA, "triggerRule: all_done on the tasks after it"),
    "if": Foreign(GHA, "a branch task (operator: branch) or a triggerRule"),
    "with": Foreign(GHA, "params"),
    "name": Foreign(GHA, "taskId, or description"),
    # Argo Workflows
    "templates": Foreign(ARGO, "tasks"),
    "retryStrategy": Foreign(ARGO, "retryPolicy"),
    "activeDeadlineSeconds": Foreign(ARGO, "timeout: {execution: ...}"),
    "arguments": Foreign(ARGO, "params"),
    "when": Foreign(ARGO, "a branch task (operator: branch)"),
    # Dagu
    "steps": Foreign(DAGU, "tasks"),
    "depends": Foreign(DAGU, "dependencies"),
    "command": Foreign(DAGU, "operator: bash with params: {command: ...}"),
    "script": Foreign(DAGU, "operator: bash with params: {command: ...}"),
    "output": Foreign(DAGU, "the last stdout line is the task's output; read it with ti.xcom_pull(task_ids=...)"),
    "retryPolicy.limit": Foreign(DAGU, "retryPolicy: {maxRetries: N}"),
    "retryPolicy.intervalSec": Foreign(DAGU, "retryPolicy: {retryDelay: 30s}"),
    "handlerOn": Foreign(DAGU, "alerts, or a task with triggerRule: all_done"),
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


def template_hint(dotted: str) -> str | None:
    """"'task_instance' is Airflow's name; write 'ti.xcom_pull(task_ids=...)'", or None."""
    found = _lookup(TEMPLATE_NAMES, dotted)
    if found is None:
        return None
    prefix, entry, rest = found
    write = entry.write.replace("{rest}", rest.split(".")[0] or "NAME")
    return f"'{prefix}' is {entry.tool}'s name; write " + (f"'{write}'" if " " not in write else write)


def key_hint(key: str) -> str | None:
    """"'task_id' is Airflow's name; write 'taskId'", or None (for `parent.key` too)."""
    entry = YAML_KEYS.get(key)
    if entry is None:
        return None
    return f"'{key}' is {entry.tool}'s name; write " + (f"'{entry.write}'" if " " not in entry.write else entry.write)
