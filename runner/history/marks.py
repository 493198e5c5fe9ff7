"""The marks a task gets beside its state in `runs show` and the HTML report: its SLA was missed,
its circuit breaker short-circuited it (it ended `failed` without a try, runner/run/breakers.py)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runner.history.query import TaskInfo


def text_marks(task: TaskInfo) -> str:
    """` (sla missed)`, ` (short-circuited)`: appended to the state in `runs show`."""
    return (" (sla missed)" if task.sla_missed else "") + (" (short-circuited)" if task.short_circuited else "")


def html_badges(task: TaskInfo) -> str:
    """The same marks as badges of the report's tasks table."""
    badges = []
    if task.sla_missed:
        badges.append(' <span class="badge sla">SLA missed</span>')
    if task.short_circuited:
        badges.append(f' <span class="badge sla" title="{escape("circuit breaker open: not started")}">'
                      "short-circuited</span>")
    return "".join(badges)
