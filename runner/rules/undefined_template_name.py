"""## What it does
Reports a name used in a template that flowrun does not provide: anything but `dag_id`,
`task_id`, `run_id`, `execution_id`, `try_number`, `execution_date`, `logical_date`, `ds`,
`ds_nodash`, `ts`, `params.NAME` (declared under `params`), `var.value.NAME`,
`var.secret.NAME` and `ti.xcom_pull(...)`, plus Jinja's own globals such as `range`.

## Why is this bad?
Templates are strict: an unknown name fails the try when it starts, typically on the first
scheduled run after a typo (`{{ execution_dt }}`) or a renamed parameter.

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

from runner.findings import Finding
from runner.model import Workflow
from runner.rules._support import finding_at, offset_of, templates
from runner.templates import CONTEXT_NAMES

CODE = "FR202"
NAME = "undefined-template-name"
SEVERITY = "error"
FIXABLE = False

_JINJA_NAMES = frozenset({"loop", "caller", "varargs", "kwargs", "true", "false", "none"})


def problem(name: str, declared: dict[str, object]) -> str | None:
    """Why `name` (dotted, as the template analysis gives it) is not available, or None."""
    parts = name.split(".")
    root = parts[0]
    if root in ("var",):
        if len(parts) < 3 or parts[1] not in ("value", "secret"):
            return f"'{name}' is not available; use var.value.NAME or var.secret.NAME"
        return None
    if root == "params":
        if len(parts) < 2:
            return None
        if parts[1] not in declared:
            close = difflib.get_close_matches(parts[1], list(declared), n=1)
            hint = f"; did you mean 'params.{close[0]}'?" if close else "; declare it under params"
            return f"parameter '{parts[1]}' is not declared{hint}"
        return None
    if root == "ti":
        if len(parts) >= 2 and parts[1] != "xcom_pull":
            return f"'{name}' is not available; only ti.xcom_pull(task_ids=...) is"
        return None
    from runner.sandbox import environment  # (a template was parsed: Jinja is loaded already)

    if root in CONTEXT_NAMES or root in _JINJA_NAMES or root in environment().globals:
        return None
    close = difflib.get_close_matches(root, sorted(CONTEXT_NAMES), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"'{root}' is not a template name{hint}"


def check(workflow: Workflow) -> Iterator[Finding]:
    declared = workflow.data.get("params")
    declared = declared if isinstance(declared, dict) else {}
    for ref in templates(workflow):
        if ref.analysis.error is not None:
            continue
        for name in sorted(ref.analysis.names):
            reason = problem(name, declared)
            if reason is not None:
                needle = name if name.startswith(("params.", "var.", "ti.")) else name.split(".")[0]
                yield finding_at(
                    workflow, CODE, f"{reason} (task '{ref.task.task_id}')", ref.path, offset_of(ref.source, needle)
                )
