"""## What it does
Reports `var.secret.*` rendered into a `bash` `command` or into `pythonCode`.

## Why is this bad?
A command line is visible to every user of the machine (`ps`, `/proc/<pid>/cmdline`) and ends
up in shell history and error messages. Pass secrets through `env` and read them from the
environment in the command.

## Example
```yaml
dagId: etl
tasks:
  - taskId: upload
    operator: bash
    params:
      command: "curl -u admin:{{ var.secret.upload_password }} https://files.example.com"
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: upload
    operator: bash
    params:
      command: 'curl -u "admin:$UPLOAD_PASSWORD" https://files.example.com'
      env: {UPLOAD_PASSWORD: "{{ var.secret.upload_password }}"}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.lint.rules._positions import finding_at, offset_of
from runner.model import Workflow
from runner.templates.analyze import spelled
from runner.templates.refs import template_refs

CODE = "FR303"
NAME = "secret-on-command-line"
SEVERITY = "warning"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for ref in template_refs(workflow):
        if ref.expression or ref.field not in ("command", "pythonCode") or len(ref.path) != 4:
            continue
        for name in sorted(ref.analysis.names):
            if name.startswith("var.secret"):
                yield finding_at(
                    workflow, CODE,
                    f"{name} is rendered into {ref.field} of task '{ref.task.task_id}'; pass it through env instead",
                    ref.path, offset_of(ref.source, spelled(ref.source, name)),
                )
