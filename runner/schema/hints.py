"""The words of schema messages: where a value is (`retryPolicy of task 'b'`), what is wrong
with it in plain words (no regular expression, no "minimum of 1"), and what to write instead: an
example for a missing key, a value of the wrong type, or a name that breaks the identifier rules.
runner/schema/validate.py decides which errors to report; this module only phrases them."""

from __future__ import annotations

import json
import re
from typing import Any

from runner.findings import get_path
from runner.schema import keys as key_vocabulary

OPERATORS = "dummy, bash, python, http, email, branch, transfer"

# What to write for a required key that is missing, by key (and the operator, for params).
REQUIRED = {
    "dagId": "dagId: my_pipeline",
    "tasks": "tasks: [{taskId: a, operator: dummy}]",
    "taskId": "taskId: extract",
    "operator": "operator: bash",
    "command": "command: ./run.sh",
    "pythonCode": 'pythonCode: "print(1)"',
    "url": "url: https://example.com/api",
    "to": "to: ops@example.com",
    "subject": "subject: Daily report",
    "body": "body: ...",
    "condition": "condition: \"'a' if ... else 'b'\"",
    "branches": "branches: {a: task_a, b: task_b}",
    "sourceTask": "sourceTask: extract",
    "concurrency": "concurrency: 1",
    "id": "id: on_failure",
    "on": "on: [task_failed]",
    "notify": "notify: [{command: ./page.sh}]",
}
PARAMS = {
    "bash": "params: {command: ./run.sh}",
    "python": 'params: {pythonCode: "print(1)"}',
    "http": "params: {url: https://example.com/api}",
    "email": "params: {to: ops@example.com, subject: ..., body: ...}",
    "branch": "params: {condition: ..., branches: {a: task_a}}",
    "transfer": "params: {sourceTask: extract}",
}


def example_for(key: str, path: tuple[str | int, ...], data: Any) -> str:
    """`key: example` for a missing required key of the mapping at `path`, or ''."""
    if key == "params":
        node: Any = data
        for step in path:
            node = node[step] if isinstance(node, (dict, list)) else None  # type: ignore[index]
        operator = node.get("operator") if isinstance(node, dict) else None
        return PARAMS.get(operator, "params: {...}") if isinstance(operator, str) else "params: {...}"
    return REQUIRED.get(key, "")


def identifier_example(value: str, env_style: bool) -> str:
    """`value` made into a valid name: other characters become _, a leading digit gets a _."""
    cleaned = re.sub(r"[^A-Za-z0-9_]" if env_style else r"[^A-Za-z0-9_.-]", "_", value)[:60] or "name"
    if (env_style and cleaned[0].isdigit()) or (not env_style and not re.match(r"[A-Za-z0-9_]", cleaned)):
        cleaned = "_" + cleaned
    return cleaned


_BOOL_WORDS = {"yes": "true", "no": "false", "on": "true", "off": "false", "y": "true", "n": "false",
               "true": "true", "false": "false", "True": "true", "False": "false"}


def type_hint(path: tuple[str | int, ...], value: Any, wanted: list[str], operator: str | None = None) -> str:
    """What to write (quoted `field: example`) for a value of the wrong type, when it is obvious; else ''."""
    field = next((s for s in reversed(path) if isinstance(s, str)), "")
    shown = _plain(value)
    if field == "timeout" and shown is not None and "object" in wanted:
        return f"'{field}: {{execution: {shown}}}'"
    if field == "retryPolicy" and isinstance(value, int) and not isinstance(value, bool):
        return f"'{field}: {{maxRetries: {value}}}'"
    if field == "memory" and isinstance(value, str):
        megabytes = _megabytes(value)
        if megabytes is not None:
            return f"'memory: {megabytes}'"
    if field == "tasks" and isinstance(value, dict) and value:
        return f"each task as a list item, e.g. '- taskId: {next(iter(value))}'"
    if field == "params" and len(path) == 3 and isinstance(value, str) and operator in PARAMS:
        key = {"bash": "command", "python": "pythonCode", "http": "url"}.get(operator)
        return f"'params: {{{key}: {shown}}}'" if key and shown is not None else f"'{PARAMS[operator]}'"
    if field == "resources" and "object" in wanted:
        return "'resources: {cpu: 1, memory: 512}'"
    if ("integer" in wanted or "number" in wanted) and isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value.strip()):
        return f"'{field}: {value.strip()}'"
    if "array" in wanted and "string" not in wanted and shown is not None and not isinstance(path[-1], int):
        items = ", ".join(p.strip() for p in shown.split(",")) if isinstance(value, str) else shown
        return f"'{field}: [{items}]'"
    if "boolean" in wanted and isinstance(value, str) and value in _BOOL_WORDS:
        return f"'{field}: {_BOOL_WORDS[value]}'"
    if "string" in wanted and "integer" not in wanted and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and not isinstance(path[-1], int):
        return f"'{field}: \"{value}\"'"
    if path and isinstance(path[-1], int) and path[:1] == ("tasks",) and len(path) == 2:
        name = value if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,60}", value) else "a"
        return f"'- {{taskId: {name}, operator: dummy}}'"
    return ""


_UNITS = {"": 1, "m": 1, "mb": 1, "mi": 1.048576, "mib": 1.048576, "g": 1000, "gb": 1000, "gi": 1073.741824,
          "gib": 1073.741824, "k": 0.001, "kb": 0.001, "ki": 0.001024, "kib": 0.001024}


def _megabytes(text: str) -> int | None:
    """`2GB` -> 2000, `512Mi` -> 537: memory is an integer of MB."""
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    if not match or match.group(2).lower() not in _UNITS:
        return None
    return max(1, round(float(match.group(1)) * _UNITS[match.group(2).lower()]))


def _plain(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value and len(value) <= 40 and "\n" not in value:
        return value
    return None


TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def where(path: tuple[str | int, ...], data: Any) -> str:
    """`task 'b'`, `params of task 'b'`, `retryPolicy`, `the workflow` ..."""
    if len(path) >= 2 and path[0] == "tasks" and isinstance(path[1], int):
        task = get_path(data, path[:2])
        name = task.get("taskId") if isinstance(task, dict) else None
        label = f"task '{name if len(name) <= 40 else name[:37] + '...'}'" if isinstance(name, str) else f"task #{path[1] + 1}"
        rest = dotted(path[2:])
        return f"{rest} of {label}" if rest else label
    return dotted(path) or "the workflow"


def dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out




def parent_path(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The path of the mapping holding the field (dropping list indices below it)."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return path[:-1]


def field_name(path: tuple[str | int, ...]) -> str:
    for step in reversed(path):
        if isinstance(step, str):
            return step
    return "item"


def show(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def message(kind: str, error: Any, path: tuple[str | int, ...], value: Any, data: Any) -> str:
    place = where(path, data)
    bound = error.validator_value
    if kind == "enum":
        return key_vocabulary.enum_message(value, field_name(path), where(parent_path(path), data), [str(o) for o in bound])
    if kind == "const":
        return f"{place} must be {show(bound)}; write {show(bound)}"
    if kind == "type" or (kind in ("anyOf", "oneOf") and error.context):
        expected = [bound] if kind == "type" else [e.validator_value for e in error.context]
        names: list[str] = []
        for item in expected:
            names.extend(n for n in ([item] if isinstance(item, str) else item) if n not in names)
        wanted = " or ".join(TYPE_NAMES.get(n, n) for n in names)
        task = get_path(data, path[:2]) if path[:1] == ("tasks",) else None
        operator = task.get("operator") if isinstance(task, dict) and isinstance(task.get("operator"), str) else None
        hint = type_hint(path, value, names, operator)
        return f"{place} must be {wanted}, not {describe_type(value)}" + (f"; write {hint}" if hint else "")
    if kind == "pattern":
        return pattern_message(str(bound), place, value)
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {"minimum": f"{bound} or more", "exclusiveMinimum": f"a number above {bound}",
                 "maximum": f"{bound} or less", "exclusiveMaximum": f"a number below {bound}"}[kind]
        return f"{place} is {show(value)}; write {words}"
    if kind == "maxLength":
        return f"{place} is {len(value)} characters long; write at most {bound} (it names files and log paths)"
    if kind == "minLength":
        return f"{place} is empty; write a value or leave the key out"
    if kind == "minItems":
        if path == ("tasks",):
            return "tasks is empty; write at least one task, e.g. '- {taskId: a, operator: dummy}'"
        return f"{place} is an empty list; write at least one item or leave the key out"
    if kind == "minProperties":
        return f"{place} is empty; write at least one entry, e.g. 'key: value'"
    if kind == "maxProperties" and isinstance(value, dict):
        return f"{place} sets {', '.join(map(str, value))}; write one per list item (each notifier is one of email, command or webhook)"
    if kind == "uniqueItems":
        return f"{place} lists a value twice; write each value once"
    if kind == "not" and isinstance(value, dict):
        return f"{place}: {error.schema.get('description') or 'these keys cannot be used together'}; write only one of them"
    detail = error.message
    if len(detail) > 160:
        detail = detail[:157] + "..."
    return f"{place}: {detail}"


def pattern_message(pattern: str, place: str, value: Any) -> str:
    if "ms|s|m|h|d" in pattern:
        return f"{show(value)} in {place} is not a duration; write e.g. 500ms, 30s, 10m, 1h30m, or an integer of milliseconds"
    if pattern.startswith("^[A-Za-z0-9_]"):
        return (f"{show(value)} in {place} is not a valid name; write letters, digits and _ (then also . and -), "
                f"e.g. '{identifier_example(str(value), False)}'")
    if pattern.startswith("^[0-9]{4}"):
        return f"{show(value)} in {place} is not a date; write e.g. 2026-01-01 or 2026-01-01T06:00:00Z"
    if pattern.startswith("^(https?"):
        return f"{show(value)} in {place} is not an http(s) URL; write e.g. https://hooks.example.com/x or {{{{ var.secret.HOOK_URL }}}}"
    return f"{show(value)} in {place} is not in the expected form"


def describe_type(value: Any) -> str:
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
    return f"a string ({show(value)})"
