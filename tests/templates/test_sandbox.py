"""runner/templates/sandbox.py: the Jinja environment of SPEC section 2 (immutable sandbox,
StrictUndefined, dicts and lists rendered as JSON), its filters `shell_quote`, `tojson` and
`pyliteral`, and the bounds that refuse a huge value before it is computed."""

from __future__ import annotations

import ast
import math
import subprocess
from typing import Any

import pytest

from runner.templates.sandbox import (
    MAX_JSON_INDENT,
    SecurityError,
    UndefinedError,
    environment,
    py_literal,
    shell_quote,
    to_json,
)


def render(template: str, **context: Any) -> str:
    return environment().from_string(template).render(**context)


@pytest.mark.parametrize("value", ["plain", "it's", 'a "quoted" $HOME `id` ; rm -rf / && echo', "new\nline", "", "*"])
def test_shell_quote_gives_the_shell_one_word(value: str) -> None:
    script = "printf %s " + render("{{ v | shell_quote }}", v=value)
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout == value


def test_shell_quote_of_data_and_of_nothing() -> None:
    assert shell_quote({"a": [1, "x y"]}) == "'{\"a\": [1, \"x y\"]}'"
    assert shell_quote(None) == "''"


def test_tojson_and_dicts_and_lists_render_as_json() -> None:
    assert render("{{ v }}", v={"name": "Zoë", "ids": [1, 2]}) == '{"name": "Zoë", "ids": [1, 2]}'
    assert render("{{ v | tojson }}", v="say \"hi\"") == '"say \\"hi\\""'
    assert to_json([1], indent=2) == "[\n  1\n]"
    with pytest.raises(SecurityError, match=f"limit {MAX_JSON_INDENT}"):
        render("{{ v | tojson(indent=999) }}", v=[1])


@pytest.mark.parametrize("value", ["it's \"both\"\n", 3, 2.5, True, None, [1, "a"], {"k": {"n": [None]}}])
def test_pyliteral_reads_back_as_the_same_value(value: Any) -> None:
    assert ast.literal_eval(render("{{ v | pyliteral }}", v=value)) == value


def test_pyliteral_of_non_finite_numbers() -> None:
    assert py_literal(float("inf")) == "float('inf')"
    assert math.isnan(eval(py_literal(float("nan")), {"__builtins__": {"float": float}}))  # float('nan'): valid Python, unlike a bare nan


def test_an_unknown_name_fails_naming_it() -> None:
    with pytest.raises(UndefinedError, match="'dss' is undefined"):
        render("{{ dss }}", ds="2026-11-25")


@pytest.mark.parametrize("template", ["{{ ''.__class__.__mro__ }}", "{{ x.append(4) }}", "{{ x.__len__() }}"])
def test_attribute_walks_and_mutation_are_refused(template: str) -> None:
    x = [1, 2, 3]
    with pytest.raises(SecurityError):
        render(template, x=x)
    assert x == [1, 2, 3]


@pytest.mark.parametrize(
    "template",
    [
        "{{ 9 ** 9999999 }}",
        "{{ 'a' * 10**10 }}",
        "{{ [0] * 10**7 }}",
        "{{ ('a' * 1000000) | replace('a', 'aaaaaaaaaaaa') }}",
        "{{ 'x'.ljust(10**8) }}",
        "{{ '%99999999s' % 'x' }}",
        "{{ '{:>99999999}'.format('x') }}",
    ],
)
def test_huge_values_are_refused_before_they_are_computed(template: str) -> None:
    with pytest.raises(SecurityError):
        render(template)


def test_ordinary_arithmetic_and_strings_still_work() -> None:
    assert render("{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ 'x' ~ 1 }} {{ '%5s' % 'ok' }} {{ ['a', 'b'] | join('-') }}") == \
        "1024 ababab x1    ok a-b"


def test_lipsum_is_not_available_and_none_is_a_test() -> None:
    with pytest.raises(UndefinedError):
        render("{{ lipsum(n=10**6) }}")
    assert render("{{ x is none }} {{ y is none }}", x=None, y=0) == "True False"
