"""## What it does
Reports a target of a `branch` task that is not a direct downstream task of that branch
(the target does not list the branch task in its `dependencies`).

## Why is this bad?
As in Airflow, choosing a branch skips the branch task's direct downstream tasks that were not
chosen. A target that does not depend on the branch is never skipped nor waited for: it runs
whatever the condition says, often before the branch has decided.

## Example
```yaml
dagId: etl
tasks:
  - taskId: check
    operator: branch
    params:
      condition: "'full'"
      branches: {full: full_load, none: stop}
  - taskId: full_load
    operator: dummy
  - taskId: stop
    operator: dummy
    dependencies: [check]
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: check
    operator: branch
    params:
      condition: "'full'"
      branches: {full: full_load, none: stop}
  - taskId: full_load
    operator: dummy
    dependencies: [check]
  - taskId: stop
    operator: dummy
    dependencies: [check]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR103"
NAME = "bad-branch-target"
SEVERITY = "error"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        if task.operator != "branch" or task.task_id is None:
            continue
        for sub, target in task.branch_targets():
            downstream = workflow.by_id.get(target)
            if downstream is None or task.task_id in downstream.dependencies:
                continue
            upstream = _upstream_path(workflow, target, task.task_id)
            if upstream:  # adding the branch to its dependencies would make a cycle
                message = (f"branch target '{target}' runs before '{task.task_id}' ({' -> '.join(upstream)}), so the "
                           f"branch cannot choose it; name a task that lists '{task.task_id}' in its dependencies, "
                           f"or remove '{target}' from branches")
            else:
                message = (f"branch target '{target}' is not a direct downstream task of '{task.task_id}'; "
                           f"add '{task.task_id}' to its dependencies")
            yield workflow.finding(CODE, message, (*task.path, *sub))


def _upstream_path(workflow: Workflow, target: str, branch: str) -> list[str]:
    """`target -> ... -> branch` when the target is upstream of the branch (or is the branch)."""
    if target == branch:
        return [branch]
    graph = workflow.graph
    try:
        index = {name: i for i, name in enumerate(graph.names)}
        return [graph.names[i] for i in graph.path(index[target], index[branch])]
    except KeyError:
        return []
