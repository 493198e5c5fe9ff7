"""## What it does
Checks the file against the JSON Schema of workflows (`flowrun schema`): required keys, types,
operator parameters, durations, trigger-rule names, and unknown keys, which are usually typos
(`dependecies`) or words from another tool (`retries`, `depends_on`, `task_id`, `cmd`: the
message says the flowrun way, e.g. `write 'retryPolicy: {maxRetries: 3}'`). Dates must be real
calendar dates (`startDate: 2026-02-30` is reported), and `dagId`/`taskId` at most 200
characters (they name directories of the log path). The finding points at the offending key or
value, and says what to write instead.

One mistake gives one finding: an unknown key that stands for a missing required one
(`task_id` for `taskId`) is reported once, and later rules say nothing about a value this rule
declared malformed (`dependencies: a` is not also "a trigger rule without dependencies").

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
