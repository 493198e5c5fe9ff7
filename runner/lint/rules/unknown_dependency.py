"""## What it does
Reports a name that should be a task of the file and is not: an entry of `dependencies`, a
target of a `branch` task's `branches`, or the `sourceTask` of a `transfer` task.

## Why is this bad?
The task would wait for something that never runs, or a branch would choose a task that does
not exist. It is almost always a typo or a task that was renamed.

## Example
```yaml
dagId: etl
tasks:
  - taskId: extract
    operator: dummy
  - taskId: load
    operator: dummy
    dependencies: [extrct]
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: extract
    operator: dummy
  - taskId: load
    operator: dummy
    dependencies: [extract]
```
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR004"
NAME = "unknown-dependency"
SEVERITY = "error"
FIXABLE = False


def _hint(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _meant_ids(workflow: Workflow) -> set[str]:
    """Names of tasks whose id is written under a foreign key (`task_id: a`, `id: a`): the
    schema reports that key; a dependency on 'a' is not a second mistake."""
    meant: set[str] = set()
    for task in workflow.tasks:
        if task.task_id is None:
            meant.update(v for k, v in task.data.items() if k != "taskId" and isinstance(v, str)
                         and k.replace("_", "").replace("-", "").lower() in ID_KEYS)
    return meant


ID_KEYS = frozenset({"id", "taskid", "name", "task", "key", "taskname"})


def check(workflow: Workflow) -> Iterator[Finding]:
    names = list(workflow.by_id)
    known = set(workflow.by_id) | _meant_ids(workflow)
    for task in workflow.tasks:
        for j, dep in task.dependency_items:
            if dep not in known:
                yield workflow.finding(
                    CODE, f"dependency '{dep}' of {task.label} names no task{_hint(dep, names)}",
                    (*task.path, "dependencies", j),
                )
        for sub, target in task.branch_targets():
            if target not in known:
                yield workflow.finding(
                    CODE, f"branch target '{target}' of {task.label} names no task{_hint(target, names)}",
                    (*task.path, *sub),
                )
        source = task.params.get("sourceTask")
        if task.operator == "transfer" and isinstance(source, str) and source not in known:
            yield workflow.finding(
                CODE, f"sourceTask '{source}' of {task.label} names no task{_hint(source, names)}",
                (*task.path, "params", "sourceTask"),
            )
