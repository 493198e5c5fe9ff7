"""## What it does
Reports a task with a `circuitBreaker` when no task downstream of it would run when it fails:
no downstream task has `triggerRule` `one_failed`, `one_done`, `all_done` or `always` (directly,
or below tasks that its failure makes `upstream_failed`).

## Why is this bad?
An open breaker makes the task fail at once instead of calling the service. Without a fallback
path the run fails all the same: the breaker only turns failures into faster failures, and the
work the call stood for is not queued, skipped or replaced by anything.

## Example
```yaml
dagId: payments
tasks:
  - taskId: call_service
    operator: http
    circuitBreaker: {failureThreshold: 5, resetAfter: 10m}
    params: {url: "https://payments.example.com/v1/charge"}
  - taskId: report
    operator: bash
    dependencies: [call_service]
    params: {command: ./report.sh}
```

## Use instead
```yaml
dagId: payments
tasks:
  - taskId: call_service
    operator: http
    circuitBreaker: {failureThreshold: 5, resetAfter: 10m}
    params: {url: "https://payments.example.com/v1/charge"}
  - taskId: queue_for_later
    operator: bash
    dependencies: [call_service]
    triggerRule: one_failed
    params: {command: ./queue_charge.sh}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR409"
NAME = "breaker-without-fallback"
SEVERITY = "info"
FIXABLE = False

RUNS_ON_FAILURE = ("one_failed", "one_done", "all_done", "always")


def check(workflow: Workflow) -> Iterator[Finding]:
    children: dict[str, list[str]] = {}
    rules: dict[str, str] = {}
    for task in workflow.tasks:
        if task.task_id is None:
            continue
        rules[task.task_id] = task.trigger_rule
        for dependency in task.dependencies:
            children.setdefault(dependency, []).append(task.task_id)
    for task in workflow.tasks:
        if task.task_id is None or not isinstance(task.data.get("circuitBreaker"), dict):
            continue
        if not _fallback(task.task_id, children, rules):
            yield workflow.finding(
                CODE, f"{task.label} has a circuitBreaker but no downstream task runs when it fails; add a "
                      f"fallback task with 'triggerRule: one_failed' (or all_done) that depends on it",
                (*task.path, "circuitBreaker"), key=True,
            )


def _fallback(task_id: str, children: dict[str, list[str]], rules: dict[str, str]) -> bool:
    """Whether a task runs when `task_id` fails: a child whose rule tolerates a failure, or one
    below children that the failure makes `upstream_failed`."""
    seen, todo = {task_id}, [task_id]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child in seen:
                continue
            seen.add(child)
            if rules.get(child) in RUNS_ON_FAILURE:
                return True
            todo.append(child)
    return False
