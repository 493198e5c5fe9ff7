"""Examples for schema messages: what to write for a missing key, a value of the wrong type, or
a name that breaks the identifier rules. Kept apart from runner/schema.py, which decides which
error to report; this module only phrases the fix."""

from __future__ import annotations

import re
from typing import Any

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
