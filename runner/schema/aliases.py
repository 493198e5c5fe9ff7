"""Schema validation that walks a mapping or list shared by aliases once per place in the schema.

jsonschema walks the data it is given, and the data of a file with aliases shares the aliased
mappings and lists: `env: *e` in 300 tasks made it walk the 300 copies of `e` (a 24 KB file took
30 s and gave 90,000 findings). Here every keyword is wrapped: a shared container already checked
against the same subschema is not checked again, so its errors are reported once, at the first
place (the anchor's position, as every finding inside an aliased node). The same container under
another subschema (`x-base: &b` allowing anything, then `retryPolicy: *b`) is still checked there.

The skipping applies only where errors are reported: inside `anyOf`, `oneOf`, `not` and the
condition of `if`, which look at errors to decide, every copy is checked as before (those parts of
the schema test a few fields, such as `operator`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# keywords that evaluate subschemas to decide, not to report (their errors are context only)
_DECIDING = frozenset({"anyOf", "oneOf", "not", "contains", "dependentSchemas", "unevaluatedItems", "unevaluatedProperties"})


class _State(threading.local):
    def __init__(self) -> None:
        self.shared: frozenset[int] = frozenset()  # ids of the containers reachable more than once
        self.seen: set[tuple[int, int, str]] = set()  # (container, subschema, keyword) checked where it reports
        self.deciding = 0  # depth of keywords evaluating subschemas to decide


_state = _State()


def shared_containers(data: Any) -> frozenset[int]:
    """Ids of the mappings and lists that appear at more than one place in `data` (aliases);
    each is walked once here."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if id(value) in seen:
            shared.add(id(value))
            continue
        seen.add(id(value))
        stack.extend(child for child in children if isinstance(child, (dict, list)))
    return frozenset(shared)


@contextmanager
def validating(data: Any) -> Iterator[None]:
    """The state of one validation of `data` (the wrapped keywords read it)."""
    _state.shared, _state.seen, _state.deciding = shared_containers(data), set(), 0
    try:
        yield
    finally:
        _state.shared, _state.seen, _state.deciding = frozenset(), set(), 0


def _once(keyword: str, check: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        if _state.deciding == 0 and id(instance) in _state.shared and isinstance(instance, (dict, list)):
            key = (id(instance), id(schema), keyword)
            if key in _state.seen:
                return ()
            _state.seen.add(key)
        return check(validator, value, instance, schema)

    return wrapped


def _deciding(check: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        _state.deciding += 1
        try:
            errors = list(check(validator, value, instance, schema) or ())
        finally:
            _state.deciding -= 1
        yield from errors

    return wrapped


def _if(validator: Any, if_schema: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's `if`, its condition evaluated as deciding, `then`/`else` as reporting."""
    _state.deciding += 1
    try:
        holds = validator.evolve(schema=if_schema).is_valid(instance)
    finally:
        _state.deciding -= 1
    if holds:
        if "then" in schema:
            yield from validator.descend(instance, schema["then"], schema_path="then")
    elif "else" in schema:
        yield from validator.descend(instance, schema["else"], schema_path="else")


def once_per_alias(base: Any) -> Any:
    """A validator class like `base` whose keywords check a shared container once per subschema;
    use it inside `validating(data)`."""
    from jsonschema.validators import extend

    keywords: dict[str, Callable[..., Any]] = {}
    for keyword, check in base.VALIDATORS.items():
        if keyword == "if":
            check = _if
        elif keyword in _DECIDING:
            check = _deciding(check)
        keywords[keyword] = _once(keyword, check)
    return extend(base, keywords)
