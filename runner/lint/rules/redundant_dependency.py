"""## What it does
Reports a dependency that another path already implies: if `load` depends on `transform`,
which depends on `extract`, then `load` listing `extract` as well adds nothing. A dependency
listed twice is reported too. `--fix` removes the redundant entries. A branch target's
dependency on its `branch` task is never reported: the branch only skips its direct downstream
tasks, so that edge is needed whatever other path exists.

## Why is this bad?
Dependencies should be explicit and minimal. Redundant edges make the graph harder to read and
to change: removing the real path later leaves a hidden ordering nobody meant.

## Example
```yaml
dagId: etl
tasks:
  - taskId: extract
    operator: dummy
  - taskId: transform
    operator: dummy
    dependencies: [extract]
  - taskId: load
    operator: dummy
    dependencies: [extract, transform]
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: extract
    operator: dummy
  - taskId: transform
    operator: dummy
    dependencies: [extract]
  - taskId: load
    operator: dummy
    dependencies: [transform]
```

## Fix safety
Removing an implied edge never changes the order in which tasks may run, but it can change
which upstream states a trigger rule sees; the fix is offered for every trigger rule because
the rule still sees the implying task.
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding, Fix
from runner.model import Workflow

CODE = "FR102"
NAME = "redundant-dependency"
SEVERITY = "warning"
FIXABLE = True


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.by_id.values():
        seen: set[str] = set()
        for j, dep in task.dependency_items:
            if dep in seen:
                path = (*task.path, "dependencies", j)
                yield workflow.finding(CODE, f"dependency on '{dep}' is listed twice", path, fix=Fix(path))
            seen.add(dep)
    graph = workflow.graph
    if graph.components():
        return  # with a cycle there is no order to reason about; FR101 reports it
    # (branch id, target id) of every branch task, duplicates of an id included (FR103 checks them all)
    branch_edges = {(b.task_id, t) for b in workflow.tasks for _, t in b.branch_targets()}
    for child, parent, _via in graph.redundant_edges():
        task = workflow.by_id[graph.names[child]]
        if (graph.names[parent], task.task_id) in branch_edges:
            continue  # a branch target must stay a direct downstream task of its branch (FR103)
        j = next(j for j, dep in task.dependency_items if dep == graph.names[parent])
        chain = " -> ".join(graph.names[i] for i in graph.redundant_chain(child, parent))
        path = (*task.path, "dependencies", j)
        yield workflow.finding(
            CODE,
            f"dependency on '{graph.names[parent]}' is redundant: {chain} already orders them",
            path,
            fix=Fix(path),
        )
