"""## What it does
Reports every `transfer` task.

## Why is this bad?
Outputs are meant for small values (ids, counts, paths): they are stored in the state
database and limited to 1 MiB. Moving data through them is slow and breaks as the data grows;
write the data to a file named by the run and pass its path.

## Example
```yaml
dagId: etl
tasks:
  - taskId: extract
    operator: bash
    params: {command: ./extract.sh}
  - taskId: handover
    operator: transfer
    dependencies: [extract]
    params: {sourceTask: extract}
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: extract
    operator: bash
    params: {command: "./extract.sh --out data/extract_{{ ds }}.csv"}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR501"
NAME = "transfer-of-data"
SEVERITY = "info"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        if task.operator == "transfer":
            yield workflow.finding(
                CODE, f"transfer task '{task.task_id}' moves data through outputs; pass a file path instead",
                (*task.path, "operator"),
            )
