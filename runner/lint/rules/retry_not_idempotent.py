"""## What it does
Reports retries (`retryPolicy.maxRetries` > 0, set on the task or in `defaults`) on an `email`
task, or on an `http` task whose method is not idempotent (`POST`, `PATCH`) and that sends no
`Idempotency-Key` header. GET, HEAD, OPTIONS, PUT and DELETE are idempotent by HTTP semantics.

## Why is this bad?
A try can fail after the side effect happened (the mail was sent, the order was created, then
the connection dropped). Retrying repeats it: duplicate mails, double charges.

## Example
```yaml
dagId: etl
tasks:
  - taskId: notify
    operator: email
    retryPolicy: {maxRetries: 3, retryDelay: 1m}
    params: {to: ops@example.com, subject: done, body: "all good"}
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: notify
    operator: email
    params: {to: ops@example.com, subject: done, body: "all good"}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Task, Workflow

CODE = "FR402"
NAME = "retry-not-idempotent"
SEVERITY = "warning"
FIXABLE = False

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _retries(workflow: Workflow, task: Task) -> int:
    policy = workflow.effective(task, "retryPolicy")
    value = policy.get("maxRetries", 0) if isinstance(policy, dict) else 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        if task.operator not in ("email", "http") or _retries(workflow, task) <= 0:
            continue
        # a policy from `defaults` is reported at the task, so that each task can be suppressed
        path = (*task.path, "retryPolicy") if "retryPolicy" in task.data else (*task.path, "taskId")
        via = "" if "retryPolicy" in task.data else " (by defaults.retryPolicy)"
        if task.operator == "email":
            yield workflow.finding(CODE, f"email task '{task.task_id}' is retried{via}; a retry can send the mail twice", path)
            continue
        method = str(task.params.get("method", "GET")).upper()
        if "{{" in method or "{%" in method:
            continue  # a templated method cannot be judged
        headers = task.params.get("headers")
        names = {str(h).lower() for h in headers} if isinstance(headers, dict) else set()
        if method not in IDEMPOTENT_METHODS and not names & {"idempotency-key", "x-idempotency-key"}:
            yield workflow.finding(
                CODE,
                f"{method} task '{task.task_id}' is retried{via} without an Idempotency-Key header; a retry can repeat its effect",
                path,
            )
