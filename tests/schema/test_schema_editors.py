"""The schema as editors read it: the stable and the versioned copy, the annotations users see on
hover and completion, and the keywords yaml-language-server understands (draft-07 plus `$defs`)."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from runner.lint.linter import lint_text
from runner.schema.published import SCHEMA_ID, SCHEMA_VERSION, modeline, versioned_url
from runner.schema.validate import schema as packaged_schema
from runner.schema.validate import validate
from runner.yaml.loader import load

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
LATEST = SCHEMAS / "workflow.schema.json"
EXAMPLES = sorted((ROOT / "workflows").glob("*.yaml"))

# Every keyword the schema may use. Validation keywords: draft-07's (yaml-language-server "supports
# JSON Schema 7 and below") plus `$defs` (which it resolves as a JSON pointer like `definitions`);
# no 2019-09/2020-12-only keyword (unevaluatedProperties, dependentRequired, prefixItems,
# $anchor, $dynamicRef...), whose absence keeps jsonschema's and yaml-language-server's verdicts the
# same. Annotations: the standard ones plus VS Code's (markdownDescription,
# markdownEnumDescriptions, defaultSnippets), which validators ignore.
VALIDATION = {
    "$ref", "type", "enum", "const", "required", "properties", "additionalProperties", "propertyNames",
    "items", "minItems", "uniqueItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "minProperties", "maxProperties", "anyOf", "allOf", "not", "if", "then",
}
STRUCTURE = {"$schema", "$id", "$defs"}
ANNOTATIONS = {"title", "description", "markdownDescription", "markdownEnumDescriptions", "examples", "default",
               "defaultSnippets"}
REF_SIBLINGS_ALLOWED = ANNOTATIONS  # a draft-07 reader ignores (or overwrites) what sits beside $ref

SCHEMA_MAPS = {"properties", "$defs"}
SCHEMA_VALUES = {"additionalProperties", "propertyNames", "items", "not", "if", "then"}
SCHEMA_LISTS = {"anyOf", "allOf"}


# Published versions older than SCHEMA_VERSION never change: a release that makes v<N+1> adds
# v<N>'s sha256 here (see runner/schema/published.py).
FROZEN: dict[int, str] = {}


@pytest.fixture(scope="module")
def latest() -> dict[str, Any]:
    return json.loads(LATEST.read_text(encoding="utf-8"))


def subschemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(node, dict):
        return  # a boolean schema (`additionalProperties: false`)
    yield where, node
    for key, value in node.items():
        if key in SCHEMA_MAPS:
            for name, sub in value.items():
                yield from subschemas(sub, f"{where}/{key}/{name}")
        elif key in SCHEMA_VALUES:
            yield from subschemas(value, f"{where}/{key}")
        elif key in SCHEMA_LISTS:
            for i, sub in enumerate(value):
                yield from subschemas(sub, f"{where}/{key}/{i}")
        elif where == "#/$defs/params" and isinstance(value, dict):
            # `$defs/params` groups the operators' parameter schemas (`$ref: #/$defs/params/bash`)
            yield from subschemas(value, f"{where}/{key}")


def test_stable_id_and_versioned_copy(latest: dict[str, Any]) -> None:
    assert latest["$id"] == SCHEMA_ID == "https://flowrun.dev/schemas/workflow.schema.json"
    assert packaged_schema() == latest  # runner/schema/workflow.schema.json is the same file
    current = SCHEMAS / f"v{SCHEMA_VERSION}" / "workflow.schema.json"
    versioned = json.loads(current.read_text(encoding="utf-8"))
    assert versioned["$id"] == versioned_url() == "https://flowrun.dev/schemas/v1/workflow.schema.json"
    # the current version's copy is the newest schema, byte for byte but its $id
    expected = LATEST.read_text(encoding="utf-8").replace(f'"$id": "{SCHEMA_ID}"', f'"$id": "{versioned_url()}"', 1)
    assert current.read_text(encoding="utf-8") == expected
    # every version published so far is still there
    assert sorted(p.name for p in SCHEMAS.glob("v*")) == [f"v{n}" for n in range(1, SCHEMA_VERSION + 1)]
    assert sorted(FROZEN) == list(range(1, SCHEMA_VERSION))
    for version, digest in FROZEN.items():
        frozen = SCHEMAS / f"v{version}" / "workflow.schema.json"
        assert hashlib.sha256(frozen.read_bytes()).hexdigest() == digest, f"v{version} was published: never edit it"
    Draft202012Validator.check_schema(versioned)


def test_modeline_names_the_versioned_url() -> None:
    assert modeline() == "# yaml-language-server: $schema=https://flowrun.dev/schemas/v1/workflow.schema.json"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_carries_the_stable_modeline(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == modeline()


def test_keywords_stay_within_draft_07_plus_defs(latest: dict[str, Any]) -> None:
    used: set[str] = set()
    for where, node in subschemas(latest):
        keys = set(node) - ({"dummy", "bash", "python", "http", "email", "branch", "transfer"}
                            if where == "#/$defs/params" else set())
        used |= keys
        if "$ref" in node:
            assert keys - {"$ref"} <= REF_SIBLINGS_ALLOWED, f"{where}: validation beside $ref"
        if where != "#":
            assert not keys & {"$schema", "$id"}, f"{where}: nested $id/$schema"
    unknown = used - VALIDATION - STRUCTURE - ANNOTATIONS
    assert not unknown, f"keywords yaml-language-server may not read: {sorted(unknown)}"
    # the list is the list: a keyword dropped from the schema is dropped from it too
    assert used == VALIDATION | STRUCTURE | ANNOTATIONS


def _as_draft_07(schema: dict[str, Any]) -> dict[str, Any]:
    draft7 = copy.deepcopy(schema)
    draft7["$schema"] = "http://json-schema.org/draft-07/schema#"
    return draft7


def test_examples_get_the_same_verdict_under_draft_07(latest: dict[str, Any]) -> None:
    """How a draft-07 reader (yaml-language-server) sees the schema: $ref siblings ignored, `$defs`
    a plain pointer target. Same verdicts on the examples and on broken variants of them."""
    old, new = Draft7Validator(_as_draft_07(latest)), Draft202012Validator(latest)
    for path in EXAMPLES:
        data = load(path).data
        assert old.is_valid(data) and new.is_valid(data), path.name
        task = data["tasks"][0]
        for key, bad in (("operator", "BashOperator"), ("triggerRule", "all_sucess"), ("timeout", {"execution": "10 min"}),
                         ("retryPolicy", {"retries": 3}), ("params", {}), ("dependencies", "a")):
            broken = copy.deepcopy(data)
            broken["tasks"][0] = {**task, key: bad}
            assert not old.is_valid(broken) and not new.is_valid(broken), (path.name, key)
        assert not old.is_valid({**data, "schedule": ""}) and not new.is_valid({**data, "schedule": ""})


MINIMAL = {"dagId": "d", "tasks": [{"taskId": "a", "operator": "dummy"}]}
TYPED_MOST = {  # field -> (its schema, where its examples go)
    "operator": (("$defs", "task", "properties", "operator"), ("tasks", 0, "operator")),
    "triggerRule": (("$defs", "triggerRule"), ("tasks", 0, "triggerRule")),
    "retryPolicy": (("$defs", "retryPolicy"), ("tasks", 0, "retryPolicy")),
    "timeout": (("$defs", "timeout"), ("tasks", 0, "timeout")),
    "schedule": (("properties", "schedule"), ("schedule",)),
}
PARAMS = {"dummy": None, "bash": {"command": "true"}, "python": {"pythonCode": "pass"}, "http": {"url": "http://x"}}


@pytest.mark.parametrize("field", list(TYPED_MOST))
def test_fields_users_type_most_are_documented_with_valid_examples(latest: dict[str, Any], field: str) -> None:
    where, at = TYPED_MOST[field]
    node: Any = latest
    for part in where:
        node = node[part]
    assert node["title"] and node["description"] and node["markdownDescription"], field
    assert "`" in node["markdownDescription"]  # markdown, not the plain text again
    assert len(node["examples"]) >= 2
    for example in node["examples"]:
        data = copy.deepcopy(MINIMAL)
        target: Any = data
        for part in at[:-1]:
            target = target[part]
        target[at[-1]] = example
        if field == "operator":
            data["tasks"][0]["params"] = PARAMS[example]
        assert [e.message for e in validate(data)] == [], (field, example)
    if "enum" in node and "markdownEnumDescriptions" in node:
        assert len(node["markdownEnumDescriptions"]) == len(node["enum"])


def _fill(body: Any) -> Any:
    """A snippet body as yaml-language-server inserts it with its placeholders' defaults."""
    if isinstance(body, dict):
        return {k: _fill(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill(v) for v in body]
    if isinstance(body, str):
        text = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", body)
        return json.loads(text[1:]) if text.startswith("^") else text  # "^" inserts the text unquoted
    return body


def test_new_task_snippets_make_lint_clean_tasks(latest: dict[str, Any]) -> None:
    snippets = latest["$defs"]["task"]["defaultSnippets"]
    assert {s["label"] for s in snippets} >= {"bash task", "python task", "http task"}
    for snippet in snippets:
        assert snippet["description"]
        task = _fill(snippet["body"])
        upstream = [{"taskId": dep, "operator": "dummy"} for dep in task.get("dependencies", [])]
        text = json.dumps({"dagId": "snippets", "tasks": [*upstream, task]}, indent=2)  # JSON is YAML
        assert [f"{f.code} {f.message}" for f in lint_text(text, "new.flowrun.yaml")] == [], snippet["label"]
    retry = _fill(latest["$defs"]["retryPolicy"]["defaultSnippets"][0]["body"])
    assert [e.message for e in validate({**MINIMAL, "tasks": [{**MINIMAL["tasks"][0], "retryPolicy": retry}]})] == []
