"""## What it does
Reports a task whose `taskId` is already used by an earlier task of the file.

## Why is this bad?
Dependencies, outputs (`ti.xcom_pull`) and the run history all name tasks by id: with two
tasks of one id, one of them can never be depended on, and its results overwrite the other's.

## Example
```yaml
dagId: etl
tasks:
  - taskId: load
    operator: dummy
  - taskId: load
    operator: dummy
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: load_orders
    operator: dummy
  - taskId: load_customers
    operator: dummy
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR003"
NAME = "duplicate-task-id"
SEVERITY = "error"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        first = workflow.by_id.get(task.task_id) if task.task_id is not None else None
        if first is not None and first is not task:
            line = workflow.position((*first.path, "taskId"))[0]
            yield workflow.finding(
                CODE, f"duplicate taskId '{task.task_id}'; it is first used on line {line}; rename one of them, e.g. '{task.task_id}_2'", (*task.path, "taskId")
            )
