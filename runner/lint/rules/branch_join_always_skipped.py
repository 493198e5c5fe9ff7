"""## What it does
Reports a task that joins two or more branches of one `branch` task (its direct upstream
tasks come from different branches) while its `triggerRule` needs every upstream task to
run: `all_success` (the default), `none_skipped`, `all_done_min_one_success` or `all_failed`.

## Why is this bad?
A branch runs one branch and skips the others, and the skip reaches the join: with such a
trigger rule the join is skipped on every run. It is the most common trigger-rule trap of
Airflow users. Use `none_failed_min_one_success`.

## Example
```yaml
dagId: etl
tasks:
  - taskId: check
    operator: branch
    params:
      condition: "'full' if params.full else 'delta'"
      branches: {full: full_load, delta: delta_load}
  - taskId: full_load
    operator: dummy
    dependencies: [check]
  - taskId: delta_load
    operator: dummy
    dependencies: [check]
  - taskId: publish
    operator: dummy
    dependencies: [full_load, delta_load]
params:
  full: {type: boolean, default: false}
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: check
    operator: branch
    params:
      condition: "'full' if params.full else 'delta'"
      branches: {full: full_load, delta: delta_load}
  - taskId: full_load
    operator: dummy
    dependencies: [check]
  - taskId: delta_load
    operator: dummy
    dependencies: [check]
  - taskId: publish
    operator: dummy
    dependencies: [full_load, delta_load]
    triggerRule: none_failed_min_one_success
params:
  full: {type: boolean, default: false}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR105"
NAME = "branch-join-always-skipped"
SEVERITY = "warning"
FIXABLE = False

NEEDS_ALL = frozenset({"all_success", "none_skipped", "all_done_min_one_success", "all_failed"})


def _keys_of(node: int, keys: dict[str, set[int]], anc: list[int]) -> frozenset[str]:
    """Branch keys whose targets are this task or one of its ancestors."""
    return frozenset(k for k, targets in keys.items() if any(t == node or anc[node] >> t & 1 for t in targets))


def check(workflow: Workflow) -> Iterator[Finding]:
    graph = workflow.graph
    if not any(t.operator == "branch" for t in workflow.tasks) or graph.components():
        return
    index = {name: i for i, name in enumerate(graph.names)}
    anc = graph.ancestors()
    for branch in workflow.tasks:
        if branch.operator != "branch" or branch.task_id not in index:
            continue
        keys: dict[str, set[int]] = {}
        for sub, target in branch.branch_targets():
            if target in index:
                keys.setdefault(str(sub[2]), set()).add(index[target])

        for task in workflow.by_id.values():
            if task.trigger_rule not in NEEDS_ALL or task.task_id is None:
                continue
            parents = graph.parents[index[task.task_id]]
            groups = [_keys_of(p, keys, anc) for p in parents]
            pairs = [(a, b) for a in groups for b in groups if a and b and not a & b]
            if pairs:
                first, second = sorted(pairs[0][0])[0], sorted(pairs[0][1])[0]
                path = (*task.path, "triggerRule") if "triggerRule" in task.data else (*task.path, "taskId")
                yield workflow.finding(
                    CODE,
                    f"task '{task.task_id}' joins branches '{first}' and '{second}' of '{branch.task_id}' with "
                    f"triggerRule '{task.trigger_rule}': one branch is always skipped, so it never runs; "
                    "use none_failed_min_one_success",
                    path,
                )
