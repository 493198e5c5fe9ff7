"""## What it does
Reports a Jinja syntax error in a templated string of a task's `params` (every string there is
a template), in a `branch` condition, or in an alert's `condition` or `message`, at the line of
the error inside the string. An unknown filter or test (`{{ x | shell_qoute }}`) is one too:
the template cannot be compiled. A condition is an expression: written whole inside one
`{{ ... }}` it is read as the expression inside (as GitHub Actions reads `if:`); any other
`{{ }}` or `{% %}` in a condition is reported as such.

## Why is this bad?
The try fails when it starts, after its upstream tasks have already done their work; an alert
whose template fails cannot say what it was written to say.

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

from runner.alert_events import alert_templates
from runner.findings import Finding
from runner.lint.rules._positions import finding_at, offset_of
from runner.model import Workflow
from runner.templates.analyze import analyze, analyze_expression
from runner.templates.refs import template_refs

CODE = "FR201"
NAME = "template-syntax"
SEVERITY = "error"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    for ref in template_refs(workflow):
        error = ref.analysis.error
        if error is None:
            continue
        message, lineno = error
        kind = "condition" if ref.expression else "template"
        yield finding_at(
            workflow, CODE, f"{kind} syntax error in task '{ref.task.task_id}': {message}", ref.path,
            offset_of(ref.source, "", lineno if not ref.expression else 1),
        )
    for alert in alert_templates(workflow.data):
        analysis = analyze_expression(alert.source) if alert.expression else analyze(alert.source)
        if analysis.error is None:
            continue
        message, lineno = analysis.error
        kind = "condition" if alert.expression else "message"
        yield finding_at(
            workflow, CODE, f"{kind} syntax error in alert '{alert.alert_id}': {message}", alert.path,
            offset_of(alert.source, "", lineno if not alert.expression else 1),
        )
