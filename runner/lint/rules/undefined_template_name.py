"""## What it does
Reports a name used in a template that flowrun does not provide: anything but `dag_id`,
`task_id`, `run_id`, `execution_id`, `try_number`, `execution_date`, `logical_date`, `ds`,
`ds_nodash`, `ts`, `params.NAME` (declared under `params`), `var.value.NAME`,
`var.secret.NAME` and `ti.xcom_pull(...)`, plus Jinja's own globals such as `range`.
`var.value` and `var.secret` are read by a literal name only (`var.secret.TOK` or
`var.secret['TOK']`): a computed name (`var.secret[params.which]`), a method call
(`var.secret.get('TOK')`) or the whole object (`{{ var.secret }}`, `var.secret | list`) is
reported too. Names from other tools (`task_instance`, `dag_run.conf`, `secrets.TOKEN`,
`inputs.parameters.x`, ...) are answered with the flowrun way to write them.

An alert's `condition` and `message` see the fields of the events it is `on` (`event`, `dag_id`,
`run_id`; the task events add `task_id`, `try_number`, `error`, `exit_code`, `delay`, `sla`,
`duration` as each provides them): a name none of its events provides is reported too.

## Why is this bad?
Templates are strict: an unknown name fails the try when it starts, typically on the first
scheduled run after a typo (`{{ execution_dt }}`) or a renamed parameter. A broken alert
template is only noticed when the alert should have told you something.

## Example
```yaml
dagId: etl
params:
  region: {type: string, default: eu}
tasks:
  - taskId: export
    operator: bash
    params:
      command: "./export.sh --region {{ params.regoin | shell_quote }} --day {{ ds }}"
```

## Use instead
```yaml
dagId: etl
params:
  region: {type: string, default: eu}
tasks:
  - taskId: export
    operator: bash
    params:
      command: "./export.sh --region {{ params.region | shell_quote }} --day {{ ds }}"
```
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from runner.alert_events import ALL_FIELDS, COMMON_FIELDS, EVENTS, alert_templates, fields_of
from runner.findings import Finding
from runner.lint.rules._positions import finding_at, offset_of
from runner.model import Workflow
from runner.templates.analyze import analyze, analyze_expression, spelled
from runner.templates.refs import template_refs
from runner.templates.render import CONTEXT_NAMES
from runner.vocabulary import template_hint

CODE = "FR202"
NAME = "undefined-template-name"
SEVERITY = "error"
FIXABLE = False

_JINJA_NAMES = frozenset({"loop", "caller", "varargs", "kwargs", "true", "false", "none", "True", "False", "None"})
_LOOKUPS = ("value", "secret")


def _jinja_name(root: str) -> bool:
    from runner.templates.sandbox import (
        environment,  # (a template was parsed: Jinja is loaded already)
    )

    return root in _JINJA_NAMES or root in environment().globals


def problem(name: str, declared: dict[str, object]) -> str | None:
    """Why `name` (dotted, as the template analysis gives it) is not available, or None."""
    parts = name.split(".")
    root = parts[0]
    if root == "var":
        if len(parts) >= 2 and parts[1] in _LOOKUPS:
            return None if len(parts) >= 3 else f"'{name}' is not a value; name one: {name}.NAME or {name}['NAME']"
        if len(parts) == 1:
            return "'var' is not a value; write var.value.NAME or var.secret.NAME"
        return template_hint(name) or f"'{name}' is not available; write var.value.NAME or var.secret.NAME"
    if root == "params":
        if len(parts) < 2:
            return None
        if parts[1] not in declared:
            close = difflib.get_close_matches(parts[1], list(declared), n=1)
            suggestion = f"; did you mean 'params.{close[0]}'?" if close else "; declare it under params"
            return f"parameter '{parts[1]}' is not declared{suggestion}"
        return None
    if root == "ti":
        if len(parts) == 1:
            return "'ti' is not a value; write ti.xcom_pull(task_ids='TASK')"
        if parts[1] != "xcom_pull":
            return template_hint(name) or f"'{name}' is not available; only ti.xcom_pull(task_ids=...) is"
        return None
    if root in CONTEXT_NAMES or _jinja_name(root):
        return None
    hint = template_hint(name)
    if hint is not None:
        return hint
    close = difflib.get_close_matches(root, sorted(CONTEXT_NAMES), n=1)
    return f"'{root}' is not a template name" + (f"; did you mean '{close[0]}'?" if close else "")


def _needle(source: str, name: str) -> str:
    return spelled(source, name) if name.startswith(("params.", "var.", "ti.")) else name.split(".")[0]


def _dollar(source: str, name: str, reason: str) -> str:
    """`${{ secrets.X }}` (GitHub Actions): the `$` would stay in the rendered text."""
    if "${{" in source and template_hint(name) is not None:
        return f"{reason}; and drop the '$' of '${{{{': it would stay in the rendered text"
    return reason


def check(workflow: Workflow) -> Iterator[Finding]:
    declared = workflow.data.get("params")
    declared = declared if isinstance(declared, dict) else {}
    for ref in template_refs(workflow):
        if ref.analysis.error is not None:
            continue
        where = f"(task '{ref.task.task_id}')"
        for needle, misuse in ref.analysis.misuses:
            yield finding_at(workflow, CODE, f"{misuse} {where}", ref.path, offset_of(ref.source, needle))
        for name in sorted(ref.analysis.names):
            reason = problem(name, declared)
            if reason is not None:
                yield finding_at(workflow, CODE, f"{_dollar(ref.source, name, reason)} {where}", ref.path,
                                 offset_of(ref.source, _needle(ref.source, name)))
    yield from _alerts(workflow)


def alert_problem(name: str, events: tuple[str, ...]) -> str | None:
    """Why `name` is not available to an alert on `events`, or None."""
    root = name.split(".")[0]
    available = fields_of(events)
    if root in available or _jinja_name(root):
        return None
    they = f"{', '.join(events)} events provide {', '.join(available)}"
    if root in ALL_FIELDS or root in COMMON_FIELDS:
        return f"'{root}' is not a field of {' or '.join(events)} events; {they}"
    if root in CONTEXT_NAMES:
        return f"'{root}' is a task template name, not an event field; {they}"
    close = difflib.get_close_matches(root, available, n=1)
    return f"'{root}' is not an event field" + (f"; did you mean '{close[0]}'?" if close else f"; {they}")


def _alerts(workflow: Workflow) -> Iterator[Finding]:
    for alert in alert_templates(workflow.data):
        analysis = analyze_expression(alert.source) if alert.expression else analyze(alert.source)
        if analysis.error is not None:
            continue  # FR201
        events = alert.events or EVENTS
        for name in sorted(analysis.names):
            reason = alert_problem(name, events)
            if reason is not None:
                yield finding_at(workflow, CODE, f"{reason} (alert '{alert.alert_id}')", alert.path,
                                 offset_of(alert.source, name.split(".")[0]))
