"""## What it does
Reports a task without `timeout.execution` (neither on the task nor in `defaults`). `dummy`
and `branch` tasks, which run no process, are not reported.

## Why is this bad?
A hung process (a stuck network call, a lock) holds its slot forever; the run never ends and
the next scheduled runs pile up behind `maxActiveRuns`.

## Example
```yaml
dagId: etl
tasks:
  - taskId: export
    operator: bash
    params: {command: ./export.sh}
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: export
    operator: bash
    timeout: {execution: 10m}
    params: {command: ./export.sh}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR406"
NAME = "missing-timeout"
SEVERITY = "info"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        if task.operator in ("dummy", "branch", "transfer", None) or workflow.is_malformed((*task.path, "operator")):
            continue  # runs nothing, or `operator: BashOperator`: the schema's finding
        timeout = workflow.effective(task, "timeout")
        if workflow.is_malformed(workflow.effective_path(task, "timeout")) or workflow.is_malformed((*task.path, "timeout")):
            continue  # `timeout: 30s` is the schema's finding, not a missing timeout
        if not isinstance(timeout, dict) or "execution" not in timeout:
            yield workflow.finding(
                CODE, f"{task.label} has no timeout.execution; a hung try would hold its slot forever; "
                      f"write e.g. 'timeout: {{execution: 10m}}' on the task or in defaults",
                (*task.path, "taskId"),
            )
