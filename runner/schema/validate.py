"""The JSON Schema of workflow files, and its errors turned into messages a person can act on.

Every message says what to write instead, in words: no regular expression, no "0 is less than
the minimum of 1". One mistake gives one error: a missing required key is not reported when an
unknown key of the same mapping stands for it (`task_id` for `taskId`, see keys.py).
Values the pattern accepts but the calendar does not (`startDate: 2026-02-30`) are errors too.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from runner.findings import get_path

SCHEMA_FILE = "workflow.schema.json"

def schema_text() -> str:
    return resources.files("runner.schema").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@cache
def _validator() -> Any:
    """jsonschema's validator of the workflow schema, walking a mapping or list shared by aliases
    once per subschema (use it inside `validating(data)`; see runner/schema/aliases.py)."""
    return json_schema_validator(schema(), aliases_once=True)


def json_schema_validator(spec: Mapping[str, Any], aliases_once: bool = False) -> Any:
    """jsonschema's validator of `spec` in the one dialect flowrun reads, Draft 2020-12: the
    workflow schema, a run parameter's schema, a task's `outputSchema`. jsonschema is imported
    here, on first use (~40 ms)."""
    from jsonschema import Draft202012Validator

    if not aliases_once:
        return Draft202012Validator(spec)
    from runner.schema.aliases import once_per_alias

    return once_per_alias(Draft202012Validator)(spec)


def json_schema_errors(spec: Mapping[str, Any], value: Any) -> list[Any]:
    """The violations of `spec` by `value` (jsonschema's errors), in the order of their paths."""
    return sorted(json_schema_validator(spec).iter_errors(value), key=lambda e: list(e.path))


class SchemaError:
    """One violation: where it is (path, and whether the key itself is meant) and what to say.

    `malformed` is the path of the value the error declares malformed (for a missing key, the
    path the key would have), or None: later rules do not report on it again. A bad key name or
    an unknown key declares no value malformed (a credential under it is still reported)."""

    __slots__ = ("key", "malformed", "message", "path")

    def __init__(self, path: tuple[str | int, ...], message: str, key: bool = False,
                 malformed: tuple[str | int, ...] | bool | None = True) -> None:
        self.path, self.message, self.key = path, message, key
        self.malformed: tuple[str | int, ...] | None = (
            path if malformed is True else None if malformed is False or malformed is None else malformed
        )


@cache
def fast_validator() -> Any:
    """jsonschema-rs (Rust): answers "valid or not" in microseconds where jsonschema takes ~30 ms a
    file; the messages of an invalid file still come from jsonschema (`best_match`, paths)."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema())


def is_valid(data: Any) -> bool | None:
    """Whether `data` is valid per jsonschema-rs; None when it cannot tell (a value it cannot
    take, such as an integer beyond 64 bits)."""
    try:
        return bool(fast_validator().is_valid(data))
    except Exception:
        return None


def validate(data: Any) -> Iterator[SchemaError]:
    yield from _schema_errors(data)
    yield from _date_errors(data)
    yield from _param_errors(data)


def _schema_errors(data: Any) -> Iterator[SchemaError]:
    if is_valid(data):
        return
    from runner.schema.aliases import validating

    found: list[SchemaError] = []
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    with validating(data):
        errors = list(_validator().iter_errors(data))
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            error = _branch_error(error)
        for item in _explain(error, data):
            if (item.path, item.message) not in seen:  # one `required` error per missing key
                seen.add((item.path, item.message))
                found.append(item)
    # a missing key that an unknown key of the same mapping stands for is that key's finding
    covered = {(e.path[:-1], r) for e in found if e.key for r in _replaces(e)}
    for item in found:
        if not (isinstance(item, _Missing) and (item.path, item.missing) in covered):
            yield item


class _Missing(SchemaError):
    __slots__ = ("missing",)

    def __init__(self, path: tuple[str | int, ...], message: str, missing: str, key: bool) -> None:
        super().__init__(path, message, key=key, malformed=(*path, missing))
        self.missing = missing


class _Unknown(SchemaError):
    __slots__ = ("replaces",)

    def __init__(self, path: tuple[str | int, ...], message: str, replaces: str) -> None:
        # the absent key it stands for is declared malformed: `depends_on` makes no "no dependencies"
        super().__init__(path, message, key=True, malformed=(*path[:-1], replaces) if replaces else None)
        self.replaces = replaces


def _standing_for(mapping: dict[Any, Any], key: str) -> str:
    """`key` when the mapping lacks it (an unknown key can stand for it), else ''."""
    return key if key and key not in mapping else ""


def _replaces(error: SchemaError) -> list[str]:
    return [error.replaces] if isinstance(error, _Unknown) and error.replaces else []


def _branch_error(error: Any) -> Any:
    """The error of the branch the value was meant for: one whose type the value has.

    `best_match` alone prefers "must be an integer" for `timeout: 10 minutes`, when the string
    branch (a duration pattern) is the one the writer meant. When every branch wants another
    type, the anyOf error itself is kept and explained as "must be X or Y".
    """
    from jsonschema.exceptions import best_match

    typed = [e for e in error.context if not (e.validator == "type" and not e.path)]
    return best_match(typed) if typed else error


def _unknown_key(path: tuple[str | int, ...], key: str, mapping: dict[Any, Any], error: Any, data: Any) -> SchemaError:
    from runner.schema import hints as phrase
    from runner.schema import keys as key_vocabulary
    from runner.vocabulary import key_hint

    allowed = list(error.schema.get("properties", {}))
    where = phrase.where(path, data)
    ctx = key_vocabulary.context(path, data)
    if ctx == "environment" and key in ("dagId", "tasks", "environments"):
        return _Unknown((*path, key), f"'{key}' in {where} cannot be overlaid (an overlay sets only top-level settings); "
                                      f"remove it, or write a separate workflow file", "")
    term = key_vocabulary.suggest(key, ctx, allowed, tuple(str(k) for k in mapping))
    if term is not None:
        form = term.write(mapping[key])
        operator = get_path(data, (*path, "operator")) if ctx == "task" else None
        if isinstance(operator, str) and form.startswith(f"operator: {operator} and "):
            form = form[len(f"operator: {operator} and "):]  # the task already has that operator
        return _Unknown((*path, key), f"unknown key '{key}' in {where}: write '{form}'" if "(" not in form
                        else f"unknown key '{key}' in {where}: write {form}", _standing_for(mapping, term.replaces))
    # another tool's key that belongs here under flowrun's name (a workflow's params are run
    # parameters, not a task's: no hint leads there)
    foreign = key_hint(key, [a for a in allowed if not (a == "params" and ctx in ("workflow", "environment"))])
    if foreign is not None:
        return _Unknown((*path, key), f"unknown key '{key}' in {where}: {foreign}", "")
    hint = difflib.get_close_matches(key, allowed, n=1)
    if hint:
        return _Unknown((*path, key), f"unknown key '{key}' in {where}; did you mean '{hint[0]}'?", _standing_for(mapping, hint[0]))
    extra = f"; expected one of: {', '.join(allowed)}" if allowed else "; remove it"
    return _Unknown((*path, key), f"unknown key '{key}' in {where}{extra}", "")


def _explain(error: Any, data: Any) -> Iterator[SchemaError]:
    from runner.schema import hints as phrase
    from runner.schema.hints import OPERATORS, example_for, identifier_example

    path = tuple(error.absolute_path)
    kind = error.validator
    value = error.instance
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = list(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        for key in value:
            if key in allowed or any(re.search(p, key) for p in patterns):
                continue
            yield _unknown_key(path, str(key), value, error, data)
        return
    if kind == "required":
        missing = [k for k in error.validator_value if isinstance(value, dict) and k not in value]
        for key in missing or error.validator_value[:1]:
            message = f"missing required key '{key}' in {phrase.where(path, data)}"
            example = example_for(key, path, data)
            if example:
                message += f": write '{example}'" + (f" (one of {OPERATORS})" if key == "operator" else "")
            yield _Missing(path, message, key, key=bool(path))
        return
    if "propertyNames" in error.relative_schema_path and isinstance(value, str):
        container = phrase.where(path, data)
        yield SchemaError((*path, value), f"'{value}' is not a valid name in {container}; write letters, digits and _, "
                                          f"not starting with a digit, e.g. '{identifier_example(value, True)}'", key=True,
                          malformed=None)
        return
    yield SchemaError(path, phrase.message(kind, error, path, value, data))


# -- dates the pattern accepts and the calendar does not ------------------------------------------

DATE_FIELDS = ("startDate",)


def _date_errors(data: Any) -> Iterator[SchemaError]:
    if not isinstance(data, dict):
        return
    places: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    envs = data.get("environments")
    if isinstance(envs, dict):
        places += [(("environments", name), overlay) for name, overlay in envs.items()]
    for prefix, mapping in places:
        for name in DATE_FIELDS:
            value = mapping.get(name) if isinstance(mapping, dict) else None
            if isinstance(value, str) and re.fullmatch(schema()["properties"][name]["pattern"], value):
                problem = date_problem(value)
                if problem:
                    from runner.schema import hints as phrase

                    yield SchemaError((*prefix, name), f"{phrase.show(value)} in {phrase.where((*prefix, name), data)} {problem}")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def date_problem(text: str) -> str | None:
    """Why `text` (of the startDate form) is no real date or time, with what to write; or None.

    The scheduler reads it with `datetime.fromisoformat` (a trailing Z as +00:00)."""
    year, month, day = int(text[:4]), int(text[5:7]), int(text[8:10])
    if not 1 <= month <= 12:
        return f"is not a real date: there is no month {month}; write a month from 01 to 12"
    try:
        date(year, month, day)
    except ValueError:
        last = 31
        while last > 28:
            try:
                date(year, month, last)
                break
            except ValueError:
                last -= 1
        return (f"is not a real date: {MONTHS[month - 1]} {year} has {last} days; "
                f"write e.g. {year:04d}-{month:02d}-{last:02d}")
    if len(text) == 10:
        return None
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        reason = str(exc).replace("must be in", "must be from").split(", not ")[0]
        return f"is not a real time ({reason}); write e.g. {text[:10]}T06:00:00Z"
    return None


# -- run parameters: each a JSON Schema, whose default must satisfy it ------------------------------

JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")
TYPE_WORDS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "list": "array",
              "dict": "object", "text": "string", "double": "number", "map": "object", "none": "null"}


def _param_errors(data: Any) -> Iterator[SchemaError]:
    """A parameter whose schema is no JSON Schema (`type: str`), or whose default breaks it
    (`{type: integer, minimum: 1, default: 0}`): every run without --param would be refused."""
    if not isinstance(data, dict):
        return
    places: list[tuple[tuple[str | int, ...], Any]] = [(("params",), data.get("params"))]
    envs = data.get("environments")
    if isinstance(envs, dict):
        places += [(("environments", name, "params"), overlay.get("params")) for name, overlay in envs.items()
                   if isinstance(overlay, dict)]
    for prefix, params in places:
        for name, spec in params.items() if isinstance(params, dict) else ():
            # a $ref could name a remote document: lint never opens a connection
            if isinstance(spec, dict) and spec and "$ref" not in json.dumps(spec, default=str) \
                    and "$dynamicRef" not in json.dumps(spec, default=str):
                yield from _param_error((*prefix, name), spec)


def _param_error(path: tuple[str | int, ...], spec: dict[str, Any]) -> Iterator[SchemaError]:
    import jsonschema_rs

    try:
        checker = jsonschema_rs.validator_for(spec)
    except Exception:
        from runner.schema import hints as phrase

        kind = spec.get("type")
        if isinstance(kind, str) and kind not in JSON_TYPES:
            better = TYPE_WORDS.get(kind.lower()) or next(iter(difflib.get_close_matches(kind, JSON_TYPES, n=1)), "string")
            yield SchemaError((*path, "type"), f"'{kind}' in {phrase.dotted(path)}.type is not a JSON Schema type; write '{better}'")
        else:
            yield SchemaError(path, f"{phrase.dotted(path)} is not a valid JSON Schema; write e.g. '{{type: string, default: \"\"}}'")
        return
    if "default" not in spec:
        return
    try:
        if checker.is_valid(spec["default"]):
            return
    except Exception:
        return
    from jsonschema.exceptions import best_match

    error = best_match(json_schema_validator(spec).iter_errors(spec["default"]))
    if error is None:
        return
    from runner.schema import hints as phrase

    inner = ("default", *error.absolute_path)
    detail = phrase.message(error.validator, error, inner, error.instance, {})
    detail = detail.replace(" in the workflow;", ";")
    yield SchemaError((*path, *inner), f"parameter '{path[-1]}' breaks its own schema: {detail}")
