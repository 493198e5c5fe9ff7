"""## What it does
Reports an `http` task without a `retryPolicy` (neither on the task nor in `defaults`).

## Why is this bad?
Networks fail transiently: a timeout or a 503 that a retry a few seconds later would have
absorbed fails the whole run instead.

## Example
```yaml
dagId: etl
tasks:
  - taskId: fetch
    operator: http
    params: {url: "https://api.example.com/v1/items"}
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: fetch
    operator: http
    retryPolicy: {maxRetries: 3, retryDelay: 10s, exponentialBackoff: true, maxRetryDelay: 2m}
    params: {url: "https://api.example.com/v1/items"}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR404"
NAME = "http-without-retry"
SEVERITY = "info"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        if workflow.is_malformed((*task.path, "retryPolicy")):
            continue  # `retries: 3` is the schema's finding (it says to write retryPolicy)
        if task.operator == "http" and workflow.effective(task, "retryPolicy") is None:
            yield workflow.finding(
                CODE, f"http task '{task.task_id}' has no retryPolicy; transient network errors will fail the run",
                (*task.path, "taskId"),
            )
