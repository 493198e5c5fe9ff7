"""Names users bring from Airflow, GitHub Actions, Argo, Dagu and Prefect (issue 13 E.12, the
template half): FR202 answers each with the flowrun way to write it, from the table in
runner/vocabulary.py, consulted before any spelling distance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from runner.templates.render import CONTEXT_NAMES
from runner.vocabulary import TEMPLATE_NAMES, YAML_KEYS, key_hint, template_hint

Findings = Callable[..., list[Any]]


def command(template: str) -> str:
    return f"""
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params:
              command: "echo {template}"
        """


# template -> (column of the reported name, the message's start)
CASES: dict[str, tuple[int, str]] = {
    "{{ task_instance.xcom_pull(task_ids='a') }}": (
        25, "'task_instance' is Airflow's name; write 'ti.xcom_pull(task_ids=...)'"),
    "{{ ti.xcom_push(key='a', value=1) }}": (25, "'ti.xcom_push' is Airflow's name; write 'ti.xcom_pull(task_ids=...)'"),
    "{{ dag_run.conf['region'] }}": (25, "'dag_run.conf' is Airflow's name; write 'params.region'"),
    "{{ dag_run.conf.region }}": (25, "'dag_run.conf' is Airflow's name; write 'params.region'"),
    "{{ macros.ds_add(ds, 1) }}": (25, "'macros' is Airflow's name; write 'ds'"),
    "{{ var.json.settings }}": (25, "'var.json' is Airflow's name; write 'var.value.settings'"),
    "{{ conf }}": (25, "'conf' is Airflow's name; write 'var.value.NAME'"),
    "{{ prev_ds }}": (25, "'prev_ds' is Airflow's name; write 'ds'"),
    "${{ secrets.TOKEN }}": (26, "'secrets' is GitHub Actions' name; write 'var.secret.TOKEN'; and drop the '$'"),
    "{{ secrets.TOKEN }}": (25, "'secrets' is GitHub Actions' name; write 'var.secret.TOKEN' (task"),
    "{{ env.HOME }}": (25, "'env' is GitHub Actions' name; write 'var.value.HOME'"),
    "{{ inputs.region }}": (25, "'inputs' is GitHub Actions' name; write 'params.region'"),
    "{{ inputs.parameters.region }}": (25, "'inputs.parameters' is Argo Workflows' name; write 'params.region'"),
    "{{ workflow.parameters.region }}": (25, "'workflow.parameters' is Argo Workflows' name; write 'params.region'"),
    "{{ tasks.extract.outputs.result }}": (25, "'tasks' is Argo Workflows' name; write 'ti.xcom_pull(task_ids='TASK')'"),
    "{{ DAG_RUN_ID }}": (25, "'DAG_RUN_ID' is Dagu's name; write 'run_id'"),
    "{{ prefect.variables.region }}": (25, "'prefect.variables' is Prefect's name; write 'var.value.region'"),
    "{{ prefect.blocks.secret.db }}": (25, "'prefect.blocks.secret' is Prefect's name; write 'var.secret.db'"),
    "{{ flow_run.id }}": (25, "'flow_run' is Prefect's name; write 'run_id'"),
}


@pytest.mark.parametrize(("template", "expected"), CASES.items(), ids=list(CASES))
def test_foreign_names_get_the_flowrun_way(findings: Findings, template: str, expected: tuple[int, str]) -> None:
    column, message = expected
    (found,) = findings(command(template), "FR202")
    assert (found.line, found.column, found.code) == (6, column, "FR202")
    assert found.message.startswith(message), found.message


def test_the_table_is_consulted_before_spelling_distance(findings: Findings) -> None:
    (found,) = findings(command("{{ task }}"), "FR202")
    assert "Airflow" in found.message and "did you mean" not in found.message


def test_a_plain_typo_still_gets_a_suggestion(findings: Findings) -> None:
    (found,) = findings(command("{{ execution_dt }}"), "FR202")
    assert found.message.startswith("'execution_dt' is not a template name; did you mean 'execution_date'?")


def test_flowrun_names_are_never_in_the_table() -> None:
    assert not set(TEMPLATE_NAMES) & set(CONTEXT_NAMES)
    assert template_hint("ds") is None and template_hint("params.x") is None and template_hint("ti.xcom_pull") is None


def test_a_local_variable_named_like_a_foreign_name_is_not_reported(findings: Findings) -> None:
    assert findings(command("{% set env = 'prod' %}{{ env }}{% for task in ['a'] %}{{ task }}{% endfor %}"), "FR202") == []


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("task_id", "'task_id' is Airflow's name; write 'taskId'"),
        ("needs", "'needs' is GitHub Actions' name; write 'dependencies'"),
        ("retryStrategy", "'retryStrategy' is Argo Workflows' name; write 'retryPolicy'"),
        ("depends", "'depends' is Dagu's name; write 'dependencies'"),
        ("retry_delay_seconds", "'retry_delay_seconds' is Prefect's name; write 'retryPolicy: {retryDelay: 30s}'"),
    ],
)
def test_yaml_keys_table_for_schema_messages(key: str, message: str) -> None:
    assert key_hint(key) == message


def test_yaml_keys_table_holds_no_flowrun_key() -> None:
    flowrun_keys = {"dagId", "taskId", "schedule", "params", "tasks", "dependencies", "retryPolicy", "timeout", "alerts"}
    assert not set(YAML_KEYS) & flowrun_keys
    assert key_hint("taskId") is None


@pytest.mark.parametrize(
    ("template", "hint"),
    [
        ("{{ $DB_HOST }}", "'{{ $NAME }}' is Prefect's way to read the environment; write 'var.value.NAME'"),
        ("{{ .Values.region }}", "'{{ .Name }}' is a Go template (Argo, Helm); write '{{ params.NAME }}'"),
    ],
)
def test_foreign_template_syntax_gets_a_hint(findings: Findings, template: str, hint: str) -> None:
    (found,) = findings(command(template), "FR201")
    assert (found.line, found.column) == (6, 17)
    assert hint in found.message
