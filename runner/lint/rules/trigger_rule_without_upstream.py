"""## What it does
Reports a task that sets a `triggerRule` other than `all_success` but has no dependencies.

## Why is this bad?
A trigger rule decides from the states of upstream tasks; with none, every rule behaves like
the default and the setting only misleads the reader. Usually a `dependencies:` entry was
forgotten, e.g. on a cleanup task meant to run after the others with `all_done`.

## Example
```yaml
dagId: etl
tasks:
  - taskId: work
    operator: dummy
  - taskId: cleanup
    operator: dummy
    triggerRule: all_done
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: work
    operator: dummy
  - taskId: cleanup
    operator: dummy
    dependencies: [work]
    triggerRule: all_done
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR104"
NAME = "trigger-rule-without-upstream"
SEVERITY = "warning"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        if workflow.is_malformed((*task.path, "dependencies")):
            continue  # `dependencies: a` is the schema's finding, not a missing list
        if "triggerRule" in task.data and task.trigger_rule != "all_success" and not task.dependency_items:
            yield workflow.finding(
                CODE,
                f"{task.label} has triggerRule '{task.trigger_rule}' but no dependencies, so the rule never applies",
                (*task.path, "triggerRule"),
            )
