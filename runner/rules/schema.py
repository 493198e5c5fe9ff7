"""## What it does
Checks the file against the JSON Schema of workflows (`flowrun schema`): required keys, types,
operator parameters, durations, trigger-rule names, and unknown keys, which are usually typos
(`dependecies`). The finding points at the offending key or value.

## Why is this bad?
A misspelt key is silently ignored by loaders that do not check: a task whose `dependecies`
are never read runs first, not last.

## Example
```yaml
dagId: etl
tasks:
  - taskId: a
    operator: dummy
  - taskId: b
    operator: dummy
    dependecies: [a]
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

CODE = "FR002"
NAME = "schema"
SEVERITY = "error"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for error in workflow.schema_errors:
        yield workflow.finding(CODE, error.message, error.path, key=error.key)
