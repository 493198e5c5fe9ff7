"""## What it does
Reports an entry of `params` that no template of the workflow uses (task params, branch
conditions, alert messages and conditions).

## Why is this bad?
A parameter that changes nothing misleads whoever runs the workflow with `--param`, and is
often the trace of a template that reads the wrong name.

## Example
```yaml
dagId: etl
params:
  region: {type: string, default: eu}
tasks:
  - taskId: export
    operator: bash
    params: {command: "./export.sh"}
```

## Use instead
```yaml
dagId: etl
params:
  region: {type: string, default: eu}
tasks:
  - taskId: export
    operator: bash
    params: {command: "./export.sh --region {{ params.region | shell_quote }}"}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow
from runner.templates.analyze import analyze, analyze_expression
from runner.templates.refs import template_refs
from runner.templates.render import is_template

CODE = "FR204"
NAME = "unused-param"
SEVERITY = "info"
FIXABLE = False


def _alert_names(workflow: Workflow) -> set[str] | None:
    """Names the alert templates use; None when one of them cannot be parsed."""
    names: set[str] = set()
    alerts = workflow.data.get("alerts")
    for alert in alerts if isinstance(alerts, list) else []:
        if not isinstance(alert, dict):
            continue
        message, condition = alert.get("message"), alert.get("condition")
        analyses = [analyze(message)] if isinstance(message, str) and is_template(message) else []
        analyses += [analyze_expression(condition)] if isinstance(condition, str) else []
        for analysis in analyses:
            if analysis.error is not None:
                return None
            names |= analysis.names
    return names


def check(workflow: Workflow) -> Iterator[Finding]:
    declared = workflow.data.get("params")
    if not isinstance(declared, dict) or not declared:
        return
    alert_names = _alert_names(workflow)
    if alert_names is None:
        return
    used = set(alert_names)
    for ref in template_refs(workflow):
        if ref.analysis.error is not None:
            return  # a template FR201 cannot parse may well use them: no guess about the others
        used |= ref.analysis.names
        if "params" in ref.analysis.names:  # the whole mapping is used, e.g. {{ params | tojson }}
            return
    for name in declared:
        if f"params.{name}" not in used:
            yield workflow.finding(CODE, f"parameter '{name}' is declared but no template uses it; use it as {{{{ params.{name} }}}} or remove it", ("params", name), key=True)
