"""## What it does
Reports a `schedule` whose shortest interval between two ticks is shorter than the worst-case
run time: the critical path of the DAG where every task's cost is `timeout.execution` x
(`maxRetries` + 1) plus its retry delays (backoff, cap and jitter included), counting only
paths on which every task has a timeout. A dependency that another path already implies (see
FR102) makes no path of its own: the result is the same with or without it.

## Why is this bad?
When a run can last longer than the time to the next tick, runs pile up: with
`maxActiveRuns: 1` they wait and fall behind, with more they compete for the same data.

## Example
```yaml
dagId: etl
schedule: "@hourly"
tasks:
  - taskId: export
    operator: bash
    timeout: {execution: 40m}
    retryPolicy: {maxRetries: 1, retryDelay: 5m}
    params: {command: ./export.sh}
```

## Use instead
```yaml
dagId: etl
schedule: "0 */2 * * *"
tasks:
  - taskId: export
    operator: bash
    timeout: {execution: 40m}
    retryPolicy: {maxRetries: 1, retryDelay: 5m}
    params: {command: ./export.sh}
```
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timezone
from functools import cache
from typing import Any

from runner.durations import format_seconds, seconds
from runner.findings import Finding
from runner.lint.rules.invalid_schedule import schedule_problem
from runner.model import RetryPolicy, Task, Workflow

CODE = "FR408"
NAME = "run-outlasts-schedule"
SEVERITY = "warning"
FIXABLE = False

TICKS = 400  # at most this many consecutive ticks are examined ...
WINDOW = 366 * 86400.0  # ... within one year, enough for every weekday/month pattern
# Any day of the month in any month: the pattern repeats every week, so 8 days show every gap.
WEEK = 8 * 86400.0
WEEKLY_PRESETS = frozenset({"@hourly", "@daily", "@midnight", "@weekly"})


@cache
def shortest_interval(expr: str) -> float | None:
    """The shortest time between two consecutive ticks (cached: files share schedules)."""
    from croniter import croniter

    if schedule_problem(expr) is not None:
        return None
    it = croniter(expr.strip(), datetime(2026, 1, 1, tzinfo=timezone.utc))
    fields = expr.split()
    weekly = expr.strip() in WEEKLY_PRESETS or (len(fields) == 5 and fields[2] == fields[3] == "*")
    window = WEEK if weekly else WINDOW
    first = previous = it.get_next(float)
    best = None
    for _ in range(TICKS):
        current = it.get_next(float)
        gap = current - previous
        best = gap if best is None else min(best, gap)
        previous = current
        if current - first > window:
            break
    return best


def task_cost(workflow: Workflow, task: Task, memo: dict[tuple[int, int], float | None] | None = None) -> float | None:
    """Worst-case seconds of a task, or None when it has no timeout. `memo` keeps the cost per
    (timeout, retryPolicy) object pair: tasks that take both from `defaults` share them."""
    timeout = workflow.effective(task, "timeout")
    policy: Any = workflow.effective(task, "retryPolicy")
    if memo is None:
        return _cost(timeout, policy)
    key = (id(timeout), id(policy))
    if key not in memo:
        memo[key] = _cost(timeout, policy)
    return memo[key]


def _cost(timeout: Any, policy: Any) -> float | None:
    execution = seconds(timeout.get("execution")) if isinstance(timeout, dict) else None
    if execution is None:
        return None
    policy = policy if isinstance(policy, dict) else {}
    retries = policy.get("maxRetries", 0)
    retries = retries if isinstance(retries, int) and not isinstance(retries, bool) and retries >= 0 else 0
    return (execution * _float(retries + 1) if execution else 0.0) + _delays(RetryPolicy.from_data(policy), retries)


def _float(count: int) -> float:
    try:
        return float(count)
    except OverflowError:  # `maxRetries` of 400 nines
        return math.inf


def _delays(retry: RetryPolicy, retries: int) -> float:
    """The sum of the worst-case retry delays, without a step per retry (`maxRetries: 10**9`
    hung lint): the delays grow to their cap or to infinity, or shrink to 0, and are all equal
    from the first two equal ones on; past 2,000 steps the largest of the last two stands for
    the rest (an upper bound, as the rule wants)."""
    total, previous = 0.0, -1.0
    for n in range(1, retries + 1):
        try:
            delay = retry.delay_for(n, rand=1.0)
        except OverflowError:  # multiplier ** n beyond a float: the cap, or forever
            delay = retry.max_delay if retry.max_delay is not None else math.inf
        if delay == previous or n > 2_000:
            rest = max(delay, previous)
            return total + rest * _float(retries - n + 1) if rest > 0 else total
        total += delay
        previous = delay
    return total


def _time(entry: tuple[float, int]) -> float:
    return entry[0]


def check(workflow: Workflow) -> Iterator[Finding]:
    schedule = workflow.data.get("schedule")
    graph = workflow.graph
    if not isinstance(schedule, str) or graph.components():
        return
    interval = shortest_interval(schedule)  # cached per expression
    if interval is None:
        return
    tasks = list(workflow.by_id.values())
    implied = {(child, parent) for child, parent, _ in graph.redundant_edges()}
    best: dict[int, tuple[float, int]] = {}  # task -> (worst-case time up to its end, previous task or -1)
    memo: dict[tuple[int, int], float | None] = {}
    for i in graph.order():
        cost = task_cost(workflow, tasks[i], memo)
        if cost is None:
            continue
        base = max(((best[p][0], p) for p in graph.parents[i] if p in best and (i, p) not in implied), key=_time, default=(0.0, -1))
        best[i] = (base[0] + cost, base[1])
    if not best:
        return
    total, last = max(((b[0], i) for i, b in best.items()), key=_time)  # the first of equals, in order
    path = [last]
    while best[path[-1]][1] >= 0:
        path.append(best[path[-1]][1])
    path.reverse()
    if total > interval:
        chain = " -> ".join(graph.names[i] for i in path)
        yield workflow.finding(
            CODE,
            f"worst-case run time {format_seconds(total)} ({chain}: timeouts x tries plus retry delays) is longer than "
            f"the {format_seconds(interval)} between runs of '{schedule}'; runs will pile up",
            ("schedule",),
        )
