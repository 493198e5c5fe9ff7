"""runner/run/context.py: what templates see at run time (SPEC section 2): the identity of the
try, its dates, `params` (schema defaults overridden by `--param`), `var.value` / `var.secret`
(environment first, then the --vars / --secrets file) and `ti.xcom_pull`. Rendered through the
real sandbox (runner/templates/render.py)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from runner.errors import UsageError
from runner.run.context import (
    TaskInstance,
    Variables,
    read_vars_file,
    resolve_params,
    template_context,
)
from runner.templates.render import TemplateProblem, render

LOGICAL = datetime(2026, 11, 25, 6, 30, tzinfo=timezone(timedelta(hours=1)))


def context(variables: Variables | None = None, params: dict[str, Any] | None = None,
            outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    ti = TaskInstance(outputs or {}, frozenset({"extract", "transform", "load"}))
    return template_context("etl", "run_1", LOGICAL, "load", 2, params or {}, variables or Variables(), ti)


@pytest.fixture(autouse=True)
def _no_variables_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("FLOWRUN_VAR_", "FLOWRUN_SECRET_")):
            monkeypatch.delenv(name)


def test_identity_and_dates_of_the_try() -> None:
    text = "{{ dag_id }}|{{ task_id }}|{{ run_id }}|{{ execution_id }}|{{ try_number }}|{{ ds }}|{{ ds_nodash }}"
    assert render(text, context()) == "etl|load|run_1|run_1|2|2026-11-25|20261125"
    assert render("{{ ts }}|{{ execution_date }}|{{ logical_date }}", context()) == \
        "|".join(["2026-11-25T06:30:00+01:00"] * 3)


def test_params_are_seen_as_given() -> None:
    assert render("{{ params.limit * 2 }} {{ params['region'] }}", context(params={"limit": 5, "region": "eu"})) == "10 eu"
    with pytest.raises(TemplateProblem, match="missing"):
        render("{{ params.missing }}", context(params={"limit": 5}))


def test_variables_come_from_the_environment_before_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    variables = Variables({"region": "eu", "bucket": "from-file"})
    monkeypatch.setenv("FLOWRUN_VAR_bucket", "exact-case")
    monkeypatch.setenv("FLOWRUN_VAR_ZONE", "upper-case")
    assert render("{{ var.value.region }} {{ var.value.bucket }} {{ var.value.zone }}", context(variables)) == \
        "eu exact-case upper-case"
    assert render("{{ var.value['region'] }}", context(variables)) == "eu"


def test_a_missing_variable_fails_naming_it_unless_defaulted() -> None:
    with pytest.raises(TemplateProblem, match="secret 'token' is not set"):
        render("{{ var.secret.token }}", context())
    assert render("{{ var.value.region | default('us') }}", context()) == "us"
    assert render("{{ 'y' if var.value.region is defined else 'n' }}", context(Variables({"region": "eu"}))) == "y"


def test_secrets_are_read_by_name_and_never_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWRUN_SECRET_TOKEN", "s3cr3t-env")
    variables = Variables(secrets={"db": "hunter2-file"})
    assert render("{{ var.secret.token }}:{{ var.secret.db }}", context(variables)) == "s3cr3t-env:hunter2-file"
    for template in ("{{ var.secret }}", "{% for k in var.secret %}{{ k }}{% endfor %}", "{{ var.secret.keys() }}",
                     "{{ var }}", "{{ var.other }}"):
        with pytest.raises(TemplateProblem):
            render(template, context(variables))


def test_the_masker_hides_every_secret_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWRUN_SECRET_TOKEN", "s3cr3t-env")
    masker = Variables({"region": "eu"}, {"db": "hunter2-file"}).masker()
    assert masker.mask("db=hunter2-file token=s3cr3t-env region=eu") == "db=*** token=*** region=eu"


def test_outputs_of_other_tasks_through_ti() -> None:
    ctx = context(outputs={"extract": {"rows": 3}, "transform": "ok"})
    assert render("{{ ti.xcom_pull(task_ids='extract').rows }}", ctx) == "3"
    assert render("{{ ti.xcom_pull(task_ids=['extract', 'transform']) }}", ctx) == '[{"rows": 3}, "ok"]'
    with pytest.raises(TemplateProblem, match="no task 'extrct' in this workflow"):
        render("{{ ti.xcom_pull(task_ids='extrct') }}", ctx)
    with pytest.raises(TemplateProblem, match="needs task_ids"):
        render("{{ ti.xcom_pull() }}", ctx)


def test_a_vars_file_of_env_lines(tmp_path: Path) -> None:
    path = tmp_path / "vars.env"
    path.write_text("# settings\n\nREGION=eu\nexport BUCKET = 'my bucket'\nQUOTED=\"a=b\"\nEMPTY=\n")
    assert read_vars_file(str(path)) == {"REGION": "eu", "BUCKET": "my bucket", "QUOTED": "a=b", "EMPTY": ""}
    path.write_text("REGION=eu\njust a line\n")
    with pytest.raises(UsageError, match=f"^{path}:2:1: expected NAME=value$"):
        read_vars_file(str(path))


def test_a_vars_file_in_yaml_and_files_that_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "vars.yaml"
    path.write_text("region: eu\nretries: 3\nnothing:\n")
    assert read_vars_file(str(path)) == {"region": "eu", "retries": "3", "nothing": ""}
    with pytest.raises(UsageError, match="cannot read"):
        read_vars_file(str(tmp_path / "absent.env"))
    binary = tmp_path / "bin.env"
    binary.write_bytes(b"A=\xff\n")
    with pytest.raises(UsageError, match="not UTF-8"):
        read_vars_file(str(binary))


SCHEMA = {
    "limit": {"type": "integer", "minimum": 1, "default": 10},
    "code": {"type": "string", "default": "000"},
    "ratio": {"type": "number"},
}


def test_params_defaults_overridden_by_yaml_scalars() -> None:
    assert resolve_params(SCHEMA, {"ratio": "0.5"}) == {"limit": 10, "code": "000", "ratio": 0.5}
    assert resolve_params(SCHEMA, {"ratio": "2", "limit": "7", "code": "007"}) == {"limit": 7, "code": "007", "ratio": 2}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({}, "parameter 'ratio' has no default; pass --param ratio=VALUE"),
        ({"ratio": "1", "limt": "3"}, "unknown parameter 'limt' (declared: limit, code, ratio)"),
        ({"ratio": "1", "limit": "0"}, "parameter 'limit': 0 is less than the minimum of 1"),
        ({"ratio": ".nan"}, "parameter 'ratio': NaN and infinity are not JSON numbers; give a finite number"),
    ],
)
def test_params_that_cannot_be_used_are_one_usage_error(given: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_params(SCHEMA, given)
    assert str(caught.value) == message
