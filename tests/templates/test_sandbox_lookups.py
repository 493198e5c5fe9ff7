"""`var.value`, `var.secret`, `var` and `ti` inside the sandbox (issue 12 item 5): a template reads
one variable or secret by a literal name and nothing else. No method lists or fetches secrets
(`all_values()`, `get('TOK')`), nothing iterates them, and a whole-object render is one clear
error, never a secret, an object's repr or an unhandled exception. The linter says the same:
a method call or a computed name is FR202, and `var.secret['TOK']` is read as `var.secret.TOK`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from runner.run.context import TaskInstance, Variables, template_context
from runner.templates.analyze import analyze
from runner.templates.render import TemplateProblem, render

Lint = Callable[..., list[tuple[int, int, str]]]

SECRETS = {"TOK": "s3cr3t-token-value", "OTHER": "never-named-secret"}


def context() -> dict[str, Any]:
    from datetime import datetime, timezone

    variables = Variables({"region": "eu-west", "zone": "b"}, SECRETS)
    ti = TaskInstance({"a": {"n": 1}}, frozenset({"a"}))
    return template_context("d", "r1", datetime(2026, 1, 2, tzinfo=timezone.utc), "t", 1, {"p": 1}, variables, ti)


@pytest.mark.parametrize("source", ["{{ var.secret.TOK }}", "{{ var.secret['TOK'] }}", "{{ var.secret.TOK | upper | lower }}"])
def test_a_secret_by_a_literal_name_renders(source: str) -> None:
    assert render(source, context()) == "s3cr3t-token-value"


def test_a_variable_by_a_literal_name_renders() -> None:
    assert render("{{ var.value.region }}-{{ var.value['zone'] }}", context()) == "eu-west-b"


# a template that would list, fetch or iterate secrets (or variables) fails with one clear line
REFUSED = [
    "{{ var.secret.all_values() }}",
    "{{ var.value.all_values() }}",
    "{{ var.secret.get('TOK') }}",
    "{{ var.value.get('region') }}",
    "{{ var.secret | list }}",
    "{{ var.value | list }}",
    "{{ var.secret | join(',') }}",
    "{{ var.secret | first }}",
    "{{ var.value | map('upper') | list }}",
    "{% for s in var.secret %}{{ s }}{% endfor %}",
    "{{ 'TOK' in var.secret }}",
    "{{ var.secret[0] }}",
    "{{ var.masker() }}",
    "{{ var.masker().short }}",
    "{{ var.secret | length }}",
    "{{ var.secret | dictsort }}",
    "{{ var.secret | items | list }}",
    "{{ var.other }}",
]


@pytest.mark.parametrize("source", REFUSED)
def test_methods_and_iteration_are_refused_with_one_clear_line(source: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render(source, context())
    message = str(caught.value)
    assert "\n" not in message and "s3cr3t" not in message and "never-named" not in message
    assert "runner." not in message and "Lookup" not in message and "object at 0x" not in message


# whole objects: a clear error naming what to write instead, never a repr, never a secret
WHOLE = {
    "{{ var }}": "var.secret.NAME",
    "{{ var.secret }}": "var.secret.NAME",
    "{{ var.value }}": "var.value.NAME",
    "{{ var.secret | string }}": "var.secret.NAME",
    "{{ var.secret | tojson }}": "var.secret.NAME",
    "{{ var | tojson }}": "var.secret.NAME",
    "{{ '%s' % var.secret }}": "var.secret.NAME",
    "{{ '{}'.format(var.secret) }}": "var.secret.NAME",
    "{{ var.secret ~ '' }}": "var.secret.NAME",
    "{{ ti }}": "ti.xcom_pull",
    "{{ ti | string }}": "ti.xcom_pull",
}


@pytest.mark.parametrize(("source", "hint"), WHOLE.items())
def test_whole_object_renders_say_what_to_write(source: str, hint: str) -> None:
    with pytest.raises(TemplateProblem) as caught:
        render(source, context())
    message = str(caught.value)
    assert hint in message, message
    assert "s3cr3t" not in message and "never-named" not in message and "object at 0x" not in message


def test_pprint_shows_no_secret_and_no_internal_name() -> None:
    out = render("{{ var.secret | pprint }} {{ var | pprint }}", context())
    assert "s3cr3t" not in out and "runner." not in out and "0x" not in out


def test_params_render_as_json() -> None:
    assert render("{{ params }}", context()) == '{"p": 1}'


def test_a_missing_secret_names_it_and_where_it_is_read_from() -> None:
    with pytest.raises(TemplateProblem, match="secret 'NOPE' is not set"):
        render("{{ var.secret.NOPE }}", context())


def test_attribute_walks_stay_refused() -> None:
    for source in ("{{ var.secret.__class__ }}", "{{ var.__class__.__init__.__globals__ }}", "{{ var.secret._resolve }}"):
        with pytest.raises(TemplateProblem):
            render(source, context())


def test_the_runner_keeps_its_own_lookups() -> None:
    variables = Variables({"a": "1"}, SECRETS)
    assert variables.secret.get("TOK") == "s3cr3t-token-value"
    assert sorted(variables.secret.all_values()) >= ["never-named-secret", "s3cr3t-token-value"]
    assert variables.masker().mask("x never-named-secret y") == "x *** y"


# -- static analysis -----------------------------------------------------------------------------


def test_item_access_by_a_literal_is_the_same_name() -> None:
    assert analyze("{{ var.secret['TOK'] }}").names == analyze("{{ var.secret.TOK }}").names == {"var.secret.TOK"}


def wf(expression: str) -> str:
    return f"""
        dagId: d
        params:
          which: {{type: string, default: TOK}}
        tasks:
          - taskId: t
            operator: bash
            params:
              command: ./run.sh
              env:
                X: "{expression}"
        """


@pytest.mark.parametrize(
    ("expression", "column"),
    [
        ("{{ var.secret.all_values() }}", 16),
        ("{{ var.secret.get('TOK') }}", 16),
        ("{{ var.value.get('region') }}", 16),
        ("{{ var.secret[params.which] }}", 16),
        ("{{ var.secret['T' ~ 'OK'] }}", 16),
        ("{{ var.value[0] }}", 16),
        ("{{ var.secret | list }}", 16),
        ("{{ var.secret }}", 16),
        ("{{ var }}", 16),
        ("{{ ti }}", 16),
    ],
)
def test_lint_reports_methods_computed_names_and_whole_objects(lint: Lint, expression: str, column: int) -> None:
    assert lint(wf(expression), "FR202") == [(10, column, "FR202")]


def test_lint_messages_say_what_to_write(findings: Callable[..., list[Any]]) -> None:
    method = findings(wf("{{ var.secret.get('TOK') }}"), "FR202")[0].message
    assert "no methods" in method and "var.secret.NAME" in method
    computed = findings(wf("{{ var.secret[params.which] }}"), "FR202")[0].message
    assert "computed" in computed and "literal" in computed


def test_lint_sees_a_secret_read_by_item_on_the_command_line(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params:
              command: "curl -H 'X: {{ var.secret['TOK'] }}' https://example.com"
        """
    assert lint(text, "FR303") == [(6, 32, "FR303")]


def test_lint_accepts_literal_names_and_string_methods_of_a_value(lint: Lint) -> None:
    text = wf("{{ var.secret.TOK }} {{ var.secret['TOK'] }} {{ var.value.region.upper() }} {{ ti.xcom_pull(task_ids='t') }}")
    assert lint(text, "FR202") == []


def test_a_missing_variable_takes_a_default_and_is_not_defined() -> None:
    out = render("{{ var.value.nope | default('eu') }} {{ 'y' if var.secret.NOPE is defined else 'n' }}", context())
    assert out == "eu n"
    assert render("{{ 'y' if var.secret.TOK is defined else 'n' }}", context()) == "y"
