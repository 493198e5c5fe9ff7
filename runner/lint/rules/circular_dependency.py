"""## What it does
Reports every cycle of dependencies, printed upstream to downstream (`a -> b -> c -> a`: `b`
depends on `a`, `c` on `b`, `a` on `c`), starting from the task that comes first in the file.
The finding points at the dependency of that first task that closes the cycle. A task that
depends on itself is the cycle `a -> a`.

## Why is this bad?
A workflow is a directed *acyclic* graph: no task of a cycle can ever start, because each waits
for another.

## Example
```yaml
dagId: etl
tasks:
  - taskId: a
    operator: dummy
    dependencies: [b]
  - taskId: b
    operator: dummy
    dependencies: [a]
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: a
    operator: dummy
  - taskId: b
    operator: dummy
    dependencies: [a]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR101"
NAME = "circular-dependency"
SEVERITY = "error"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    graph = workflow.graph
    for cycle in graph.cycles():
        first, closing = cycle[0], cycle[-2]  # `first` depends on `closing`
        task = workflow.by_id[graph.names[first]]
        j = next(j for j, dep in task.dependency_items if dep == graph.names[closing])
        text = " -> ".join(graph.names[i] for i in cycle)
        yield workflow.finding(CODE, f"circular dependency: {text}", (*task.path, "dependencies", j))
