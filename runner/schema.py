"""The JSON Schema of workflow files, and its errors turned into messages a person can act on.

Every message says what to write instead, in words: no regular expression, no "0 is less than
the minimum of 1". One mistake gives one error: a missing required key is not reported when an
unknown key of the same mapping stands for it (`task_id` for `taskId`, see key_vocabulary.py).
Values the pattern accepts but the calendar does not (`startDate: 2026-02-30`) are errors too.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from runner import key_vocabulary
from runner.schema_hints import OPERATORS, example_for, identifier_example, type_hint

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
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


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
    yield from _schema_errors(data)
    yield from _date_errors(data)


def _schema_errors(data: Any) -> Iterator[SchemaError]:
    if is_valid(data):
        return
    found: list[SchemaError] = []
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    for error in _validator().iter_errors(data):
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


def _where(path: tuple[str | int, ...], data: Any) -> str:
    """`task 'b'`, `params of task 'b'`, `retryPolicy`, `the workflow` ..."""
    if len(path) >= 2 and path[0] == "tasks" and isinstance(path[1], int):
        task = _get(data, path[:2])
        name = task.get("taskId") if isinstance(task, dict) else None
        label = f"task '{name if len(name) <= 40 else name[:37] + '...'}'" if isinstance(name, str) else f"task #{path[1] + 1}"
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


def _unknown_key(path: tuple[str | int, ...], key: str, mapping: dict[Any, Any], error: Any, data: Any) -> SchemaError:
    allowed = list(error.schema.get("properties", {}))
    where = _where(path, data)
    ctx = key_vocabulary.context(path, data)
    term = key_vocabulary.suggest(key, ctx, allowed, tuple(str(k) for k in mapping))
    if term is not None:
        form = term.write(mapping[key])
        operator = _get(data, (*path, "operator")) if ctx == "task" else None
        if isinstance(operator, str) and form.startswith(f"operator: {operator} and "):
            form = form[len(f"operator: {operator} and "):]  # the task already has that operator
        return _Unknown((*path, key), f"unknown key '{key}' in {where}: write '{form}'" if "(" not in form
                        else f"unknown key '{key}' in {where}: write {form}", _standing_for(mapping, term.replaces))
    hint = difflib.get_close_matches(key, allowed, n=1)
    if hint:
        return _Unknown((*path, key), f"unknown key '{key}' in {where}; did you mean '{hint[0]}'?", _standing_for(mapping, hint[0]))
    extra = f"; expected one of: {', '.join(allowed)}" if allowed else "; remove it"
    return _Unknown((*path, key), f"unknown key '{key}' in {where}{extra}", "")


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
            yield _unknown_key(path, str(key), value, error, data)
        return
    if kind == "required":
        missing = [k for k in error.validator_value if isinstance(value, dict) and k not in value]
        for key in missing or error.validator_value[:1]:
            message = f"missing required key '{key}' in {_where(path, data)}"
            example = example_for(key, path, data)
            if example:
                message += f": write '{example}'" + (f" (one of {OPERATORS})" if key == "operator" else "")
            yield _Missing(path, message, key, key=bool(path))
        return
    if "propertyNames" in error.relative_schema_path and isinstance(value, str):
        container = _where(path, data)
        yield SchemaError((*path, value), f"'{value}' is not a valid name in {container}; write letters, digits and _, "
                                          f"not starting with a digit, e.g. '{identifier_example(value, True)}'", key=True,
                          malformed=None)
        return
    yield SchemaError(path, _message(kind, error, path, value, data))


def _message(kind: str, error: Any, path: tuple[str | int, ...], value: Any, data: Any) -> str:
    where = _where(path, data)
    bound = error.validator_value
    if kind == "enum":
        return key_vocabulary.enum_message(value, _field(path), _where(_parent(path), data), [str(o) for o in bound])
    if kind == "const":
        return f"{where} must be {_show(bound)}; write {_show(bound)}"
    if kind == "type" or (kind in ("anyOf", "oneOf") and error.context):
        expected = [bound] if kind == "type" else [e.validator_value for e in error.context]
        names: list[str] = []
        for item in expected:
            names.extend(n for n in ([item] if isinstance(item, str) else item) if n not in names)
        wanted = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        task = _get(data, path[:2]) if path[:1] == ("tasks",) else None
        operator = task.get("operator") if isinstance(task, dict) and isinstance(task.get("operator"), str) else None
        hint = type_hint(path, value, names, operator)
        return f"{where} must be {wanted}, not {_describe_type(value)}" + (f"; write {hint}" if hint else "")
    if kind == "pattern":
        return _pattern_message(str(bound), where, value)
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {"minimum": f"{bound} or more", "exclusiveMinimum": f"a number above {bound}",
                 "maximum": f"{bound} or less", "exclusiveMaximum": f"a number below {bound}"}[kind]
        return f"{where} is {_show(value)}; write {words}"
    if kind == "maxLength":
        return f"{where} is {len(value)} characters long; write at most {bound} (it names files and log paths)"
    if kind == "minLength":
        return f"{where} is empty; write a value or leave the key out"
    if kind == "minItems":
        if path == ("tasks",):
            return "tasks is empty; write at least one task, e.g. '- {taskId: a, operator: dummy}'"
        return f"{where} is an empty list; write at least one item or leave the key out"
    if kind == "minProperties":
        return f"{where} is empty; write at least one entry, e.g. 'key: value'"
    if kind == "maxProperties" and isinstance(value, dict):
        return f"{where} sets {', '.join(map(str, value))}; write one per list item (each notifier is one of email, command or webhook)"
    if kind == "uniqueItems":
        return f"{where} lists a value twice; write each value once"
    if kind == "not" and isinstance(value, dict):
        return f"{where}: {error.schema.get('description') or 'these keys cannot be used together'}; write only one of them"
    detail = error.message
    if len(detail) > 160:
        detail = detail[:157] + "..."
    return f"{where}: {detail}"


def _pattern_message(pattern: str, where: str, value: Any) -> str:
    if "ms|s|m|h|d" in pattern:
        return f"{_show(value)} in {where} is not a duration; write e.g. 500ms, 30s, 10m, 1h30m, or an integer of milliseconds"
    if pattern.startswith("^[A-Za-z0-9_]"):
        return (f"{_show(value)} in {where} is not a valid name; write letters, digits and _ (then also . and -), "
                f"e.g. '{identifier_example(str(value), False)}'")
    if pattern.startswith("^[0-9]{4}"):
        return f"{_show(value)} in {where} is not a date; write e.g. 2026-01-01 or 2026-01-01T06:00:00Z"
    if pattern.startswith("^(https?"):
        return f"{_show(value)} in {where} is not an http(s) URL; write e.g. https://hooks.example.com/x or {{{{ var.secret.HOOK_URL }}}}"
    return f"{_show(value)} in {where} is not in the expected form"


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
                    yield SchemaError((*prefix, name), f"{_show(value)} in {_where((*prefix, name), data)} {problem}")


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
