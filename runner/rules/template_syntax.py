"""## What it does
Reports a Jinja syntax error in a templated string of a task's `params` (every string there is
a template) or in a `branch` condition, at the line of the error inside the string. An unknown
filter or test (`{{ x | shell_qoute }}`) is one too: the template cannot be compiled.

## Why is this bad?
The try fails when it starts, after its upstream tasks have already done their work.

## Example
```yaml
dagId: etl
tasks:
  - taskId: report
    operator: bash
    params:
      command: "echo {{ ds }"
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: report
    operator: bash
    params:
      command: "echo {{ ds }}"
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow
from runner.rules._support import finding_at, offset_of, templates

CODE = "FR201"
NAME = "template-syntax"
SEVERITY = "error"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for ref in templates(workflow):
        error = ref.analysis.error
        if error is None:
            continue
        message, lineno = error
        kind = "condition" if ref.expression else "template"
        yield finding_at(
            workflow, CODE, f"{kind} syntax error in task '{ref.task.task_id}': {message}", ref.path,
            offset_of(ref.source, "", lineno if not ref.expression else 1),
        )
