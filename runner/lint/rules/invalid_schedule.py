"""## What it does
Reports a `schedule` that is not a 5-field cron expression or preset croniter accepts
(`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`), a cron expression that can never fire
(`0 0 30 2 *`), and a `timezone` that is not an IANA time zone name. Overlays in
`environments` are checked too.

## Why is this bad?
The scheduler cannot start runs of a workflow whose schedule it cannot read; the mistake shows
only when nothing ran overnight.

## Example
```yaml
dagId: etl
schedule: "0 */6 * *"
tasks:
  - taskId: a
    operator: dummy
```

## Use instead
```yaml
dagId: etl
schedule: "0 */6 * * *"
tasks:
  - taskId: a
    operator: dummy
```
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from runner.findings import Finding
from runner.model import PathT, Workflow

CODE = "FR005"
NAME = "invalid-schedule"
SEVERITY = "error"
FIXABLE = False

PRESETS = frozenset({"@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight"})


@lru_cache(maxsize=1024)
def schedule_problem(expr: str) -> str | None:
    """Why croniter cannot use `expr`, or None when it can (cached: files share schedules)."""
    from croniter import croniter

    expr = expr.strip()
    if expr in PRESETS:
        return None
    if expr.startswith("@"):
        return f"unknown schedule preset '{expr}'; use one of {', '.join(sorted(PRESETS))}"
    if len(expr.split()) != 5:
        return f"schedule '{expr}' has {len(expr.split())} fields; a cron expression has 5 (minute hour day month weekday)"
    if not croniter.is_valid(expr):
        return f"schedule '{expr}' is not a valid cron expression"
    try:
        croniter(expr, datetime(2000, 1, 1, tzinfo=timezone.utc)).get_next(datetime)
    except Exception:
        return f"schedule '{expr}' never fires"
    return None


@lru_cache(maxsize=1024)
def timezone_problem(name: str) -> str | None:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except Exception:
        return f"unknown timezone '{name}'; use an IANA name such as 'UTC' or 'Europe/Berlin'"
    return None


def _overlays(workflow: Workflow) -> Iterator[tuple[PathT, dict[str, Any]]]:
    yield (), workflow.data
    envs = workflow.data.get("environments")
    if isinstance(envs, dict):
        for name, overlay in envs.items():
            if isinstance(overlay, dict):
                yield ("environments", name), overlay


def check(workflow: Workflow) -> Iterator[Finding]:
    for prefix, data in _overlays(workflow):
        schedule = data.get("schedule")
        if isinstance(schedule, str):
            problem = schedule_problem(schedule)
            if problem:
                yield workflow.finding(CODE, problem, (*prefix, "schedule"))
        tz = data.get("timezone")
        if isinstance(tz, str):
            problem = timezone_problem(tz)
            if problem:
                yield workflow.finding(CODE, problem, (*prefix, "timezone"))
