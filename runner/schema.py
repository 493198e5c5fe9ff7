"""The JSON Schema of workflow files, and its errors turned into messages a person can act on."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "workflow.schema.json"

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def schema_text() -> str:
    return resources.files("runner").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@cache
def _validator() -> Any:
    """jsonschema's validator, walking a mapping or list shared by aliases once per subschema
    (use it inside `validating(data)`; see runner/schema_aliases.py)."""
    from jsonschema import Draft202012Validator

    from runner.schema_aliases import once_per_alias

    return once_per_alias(Draft202012Validator)(schema())


class SchemaError:
    """One violation: where it is (path, and whether the key itself is meant) and what to say."""

    __slots__ = ("key", "message", "path")

    def __init__(self, path: tuple[str | int, ...], message: str, key: bool = False) -> None:
        self.path, self.message, self.key = path, message, key


@cache
def _fast_validator() -> Any:
    """jsonschema-rs (Rust): answers "valid or not" in microseconds where jsonschema takes ~30 ms a
    file; the messages of an invalid file still come from jsonschema (`best_match`, paths)."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema())


def is_valid(data: Any) -> bool | None:
    """Whether `data` is valid per jsonschema-rs; None when it cannot tell (a value it cannot
    take, such as an integer beyond 64 bits)."""
    try:
        return bool(_fast_validator().is_valid(data))
    except Exception:
        return None


def validate(data: Any) -> Iterator[SchemaError]:
    if is_valid(data):
        return
    from runner.schema_aliases import validating

    seen: set[tuple[tuple[str | int, ...], str]] = set()
    with validating(data):
        errors = list(_validator().iter_errors(data))
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            error = _branch_error(error)
        for found in _explain(error, data):
            if (found.path, found.message) not in seen:  # one `required` error per missing key
                seen.add((found.path, found.message))
                yield found


def _branch_error(error: Any) -> Any:
    """The error of the branch the value was meant for: one whose type the value has.

    `best_match` alone prefers "must be an integer" for `timeout: 10 minutes`, when the string
    branch (a duration pattern) is the one the writer meant. When every branch wants another
    type, the anyOf error itself is kept and explained as "must be X or Y".
    """
    from jsonschema.exceptions import best_match

    typed = [e for e in error.context if not (e.validator == "type" and not e.path)]
    return best_match(typed) if typed else error


def _where(path: tuple[str | int, ...], data: Any) -> str:
    """`task 'b'`, `params of task 'b'`, `retryPolicy`, `the workflow` ..."""
    if len(path) >= 2 and path[0] == "tasks" and isinstance(path[1], int):
        task = _get(data, path[:2])
        name = task.get("taskId") if isinstance(task, dict) else None
        label = f"task '{name}'" if isinstance(name, str) else f"task #{path[1] + 1}"
        rest = _dotted(path[2:])
        return f"{rest} of {label}" if rest else label
    return _dotted(path) or "the workflow"


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _get(data: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _parent(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The path of the mapping holding the field (dropping list indices below it)."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return path[:-1]


def _field(path: tuple[str | int, ...]) -> str:
    for step in reversed(path):
        if isinstance(step, str):
            return step
    return "item"


def _show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def _explain(error: Any, data: Any) -> Iterator[SchemaError]:
    path = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        for key in value:
            if key in allowed or any(re.search(p, key) for p in patterns):
                continue
            hint = difflib.get_close_matches(key, allowed, n=1)
            extra = f"; did you mean '{hint[0]}'?" if hint else (f"; expected one of: {', '.join(allowed)}" if allowed else "")
            yield SchemaError((*path, key), f"unknown key '{key}' in {_where(path, data)}{extra}", key=True)
        return
    if kind == "required":
        missing = [k for k in error.validator_value if isinstance(value, dict) and k not in value]
        for key in missing or error.validator_value[:1]:
            yield SchemaError(path, f"missing required key '{key}' in {_where(path, data)}", key=bool(path))
        return
    where = _where(path, data)
    if kind == "enum":
        options = [str(o) for o in error.validator_value]
        hint = difflib.get_close_matches(str(value), options, n=1)
        tail = f"did you mean '{hint[0]}'?" if hint else f"expected one of: {', '.join(options)}"
        message = f"{_show(value)} is not a valid {_field(path)} in {_where(_parent(path), data)}; {tail}"
    elif kind == "const":
        message = f"{where} must be {_show(error.validator_value)}"
    elif kind == "type" or (kind in ("anyOf", "oneOf") and error.context):
        expected = [error.validator_value] if kind == "type" else [e.validator_value for e in error.context]
        names: list[str] = []
        for item in expected:
            names.extend(n for n in ([item] if isinstance(item, str) else item) if n not in names)
        wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        message = f"{where} must be {wanted}, not {_describe_type(value)}"
    elif kind == "pattern" and _is_duration_pattern(error.validator_value):
        message = f"{_show(value)} in {where} is not a duration; write e.g. 500ms, 30s, 10m, 1h30m, or an integer of milliseconds"
    elif kind == "pattern":
        message = f"{_show(value)} in {where} does not match the pattern {error.validator_value}"
    elif kind == "not" and isinstance(value, dict):
        message = f"{where}: {error.schema.get('description') or 'these keys cannot be used together'}"
    else:
        detail = error.message
        if len(detail) > 160:
            detail = detail[:157] + "..."
        message = f"{where}: {detail}"
    yield SchemaError(path, message)


def _is_duration_pattern(pattern: str) -> bool:
    return "ms|s|m|h|d" in pattern


def _describe_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return f"a string ({_show(value)})"
