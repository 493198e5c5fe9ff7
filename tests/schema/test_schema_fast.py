"""The fast schema check (jsonschema-rs) must agree with jsonschema on every document: a file
it calls valid gets no FR002 at all, so a disagreement would hide errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from test_fuzz import budget, mutate, valid_workflow, workflows

from runner.lint.rules import RULES
from runner.schema.validate import is_valid, schema
from runner.yaml.loader import parse

ROOT = Path(__file__).resolve().parents[2]
SLOW = Draft202012Validator(schema())


def agree(data: Any) -> None:
    expected = not any(True for _ in SLOW.iter_errors(data))
    assert is_valid(data) in (expected, None), data


@budget(400)
@given(workflows(mutations=4))
def test_agrees_with_jsonschema_on_mutated_workflows(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    agree(case[0])


@budget(200)
@given(valid_workflow(), st.randoms(use_true_random=False), st.integers(5, 12))
def test_agrees_with_jsonschema_on_heavily_mutated_workflows(data: dict[str, Any], rnd: Any, count: int) -> None:
    agree(mutate(data, rnd, count))


def _examples() -> list[str]:
    texts = [p.read_text() for p in sorted((ROOT / "workflows").glob("*.yaml"))]
    for rule in RULES:
        doc = rule.__doc__ or ""
        texts += [block.split("```", 1)[0] for block in doc.split("```yaml\n")[1:]]
    return texts


def test_agrees_on_the_examples_and_rule_documentation() -> None:
    texts = _examples()
    assert len(texts) > 40
    for text in texts:
        try:
            data = parse(text).data
        except Exception:
            continue
        agree(data)


@pytest.mark.parametrize("value", [2**70, -(2**70), float("nan"), float("inf"), "\udcff"])
def test_values_it_cannot_take_fall_back_to_jsonschema(value: Any) -> None:
    data = {"dagId": "d", "tasks": [{"taskId": "a", "operator": "dummy", "priority": value}]}
    agree(data)
    assert is_valid({"dagId": "d", "tasks": [{"taskId": "a", "operator": "dummy"}]}) is True
