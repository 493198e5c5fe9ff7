"""What an alert's `condition` and `message` see (SPEC section 5): the event's fields, flat.

Shared by the run (runner/run/alerts.py builds the context) and the linter (FR201/FR202 check alert
templates against the names their events provide), so it imports nothing heavy.

Every event provides `event`, `dag_id` and `run_id`; the task events add their task's fields.
An alert on several events (`on: [task_failed, run_failed]`) sees every field of all of them:
a field its event lacks is `ABSENT`, which renders as nothing, is false, equals only None and
itself, and makes every ordering comparison false and every arithmetic result ABSENT. So
`try_number >= 1` is simply false for a `run_failed` event instead of a TypeError.
"""

from __future__ import annotations

from typing import Any, NamedTuple

COMMON_FIELDS = ("event", "dag_id", "run_id")
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "task_failed": ("task_id", "try_number", "error", "exit_code", "duration"),
    "task_retry": ("task_id", "try_number", "error", "delay", "duration"),
    "sla_missed": ("task_id", "sla", "duration"),
    "run_failed": (),
    "run_succeeded": (),
    # circuit breakers (runner/run/breakers.py)
    "circuit_opened": ("task_id", "key", "failures", "error", "retry_after"),
    "circuit_half_open": ("task_id", "key", "failures"),
    "circuit_closed": ("task_id", "key"),
    "circuit_short_circuited": ("task_id", "key", "error", "failures", "retry_after"),
}
EVENTS = tuple(EVENT_FIELDS)
ALL_FIELDS = tuple(dict.fromkeys(f for fields in EVENT_FIELDS.values() for f in fields))


def fields_of(events: tuple[str, ...] | list[str]) -> list[str]:
    """The names alert templates on these events may use, in a stable order."""
    names = list(COMMON_FIELDS)
    for event in events:
        names += [f for f in EVENT_FIELDS.get(event, ()) if f not in names]
    return names


class Absent:
    """A field the event does not have (see the module docstring)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return "absent"

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, Absent)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return 0

    def __lt__(self, other: object) -> bool:
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def _absent(self, *other: object) -> Absent:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _absent
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _absent
    __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = _absent

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Any:
        return iter(())

    def __contains__(self, item: object) -> bool:
        return False


ABSENT = Absent()


def event_context(kind: str, dag_id: str, run_id: str | None, task_id: str | None,
                  payload: dict[str, Any]) -> dict[str, Any]:
    """What an alert's condition and message see: the event's fields, flat, every known field
    defined (ABSENT where this event has none)."""
    context: dict[str, Any] = {name: ABSENT for name in ALL_FIELDS}
    context.update({k: v for k, v in payload.items() if isinstance(k, str) and v is not None})
    context.update({"event": kind, "dag_id": dag_id, "run_id": run_id or ABSENT})
    if task_id is not None:
        context["task_id"] = task_id
    return context


def present_fields(context: dict[str, Any]) -> dict[str, Any]:
    """The context without its absent fields (for JSON and notifier environments)."""
    return {k: v for k, v in context.items() if v is not None and not isinstance(v, Absent)}


class AlertTemplate(NamedTuple):
    """An alert's `condition` (an expression) or `message` (a template), for the linter."""

    path: tuple[str | int, ...]  # ("alerts", i, "condition" | "message")
    source: str
    expression: bool
    alert_id: str
    events: tuple[str, ...]


def alert_templates(data: dict[str, Any]) -> list[AlertTemplate]:
    """Every alert condition and templated message of a workflow's data."""
    alerts = data.get("alerts")
    out: list[AlertTemplate] = []
    for i, alert in enumerate(alerts if isinstance(alerts, list) else []):
        if not isinstance(alert, dict):
            continue
        on = alert.get("on")
        events = (on,) if isinstance(on, str) else tuple(e for e in on if isinstance(e, str)) if isinstance(on, list) else ()
        events = tuple(e for e in events if e in EVENT_FIELDS)
        alert_id = str(alert.get("id", i + 1))
        condition, message = alert.get("condition"), alert.get("message")
        if isinstance(condition, str):
            out.append(AlertTemplate(("alerts", i, "condition"), condition, True, alert_id, events))
        if isinstance(message, str) and ("{{" in message or "{%" in message or "{#" in message):
            out.append(AlertTemplate(("alerts", i, "message"), message, False, alert_id, events))
    return out
