"""## What it does
Reports a `retryPolicy` whose `maxRetryDelay` is shorter than its `retryDelay`.

## Why is this bad?
The cap wins: every retry waits `maxRetryDelay`, so the configured delay and any exponential
backoff never apply. Usually one of the two values has the wrong unit (`30` is 30 ms).

## Example
```yaml
dagId: etl
tasks:
  - taskId: fetch
    operator: bash
    retryPolicy: {maxRetries: 3, retryDelay: 1m, exponentialBackoff: true, maxRetryDelay: 30s}
    params: {command: ./fetch.sh}
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: fetch
    operator: bash
    retryPolicy: {maxRetries: 3, retryDelay: 1m, exponentialBackoff: true, maxRetryDelay: 10m}
    params: {command: ./fetch.sh}
```
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from runner.durations import seconds
from runner.findings import Finding
from runner.model import PathT, Workflow

CODE = "FR407"
NAME = "retry-delay-cap-below-delay"
SEVERITY = "warning"
FIXABLE = False


def _policies(workflow: Workflow) -> Iterator[tuple[PathT, Any]]:
    defaults = workflow.data.get("defaults")
    if isinstance(defaults, dict):
        yield ("defaults", "retryPolicy"), defaults.get("retryPolicy")
    for task in workflow.tasks:
        yield (*task.path, "retryPolicy"), task.data.get("retryPolicy")


def check(workflow: Workflow) -> Iterator[Finding]:
    judged: set[int] = set()  # a policy shared by aliases is judged once, at its anchor
    for path, policy in _policies(workflow):
        if not isinstance(policy, dict) or id(policy) in judged:
            continue
        judged.add(id(policy))
        delay, cap = seconds(policy.get("retryDelay")), seconds(policy.get("maxRetryDelay"))
        if delay is not None and cap is not None and cap < delay:
            yield workflow.finding(
                CODE,
                f"maxRetryDelay {policy['maxRetryDelay']} is shorter than retryDelay {policy['retryDelay']}; every retry waits the cap",
                (*path, "maxRetryDelay"),
            )
