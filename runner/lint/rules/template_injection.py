"""## What it does
Reports a value that the workflow's caller or another task controls — `params.*` or a
`ti.xcom_pull(...)` output — rendered into a `bash` `command` without `| shell_quote`, or into
`pythonCode` without `| tojson` or `| pyliteral`. Quoting inside the code
(`user_input = '{{ params.user_query }}'`) does not make it safe: a value holding a quote ends
the string.

## Why is this bad?
Template values are pasted into the code before it runs. A parameter such as
`x'; import os; os.system('rm -rf ~')  #` turns into code: the classic injection.

## Example
```yaml
dagId: etl
params:
  user_query: {type: string, default: ""}
tasks:
  - taskId: search
    operator: python
    params:
      pythonCode: |
        user_input = '{{ params.user_query }}'
        print(len(user_input))
```

## Use instead
```yaml
dagId: etl
params:
  user_query: {type: string, default: ""}
tasks:
  - taskId: search
    operator: python
    params:
      pythonCode: |
        user_input = {{ params.user_query | pyliteral }}
        print(len(user_input))
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.lint.rules._positions import finding_at, line_start, name_offset, offset_of
from runner.model import Workflow
from runner.templates.refs import template_refs

CODE = "FR302"
NAME = "template-injection"
SEVERITY = "warning"
FIXABLE = False

SAFE_FILTERS = {
    "command": ("shell_quote", {"shell_quote", "int", "float", "length", "count"}),
    "pythonCode": ("tojson or pyliteral", {"tojson", "pyliteral", "int", "float", "length", "count"}),
}


def _tainted(names: set[str]) -> str | None:
    for name in sorted(names):
        if name.startswith("params") or name == "ti.xcom_pull":
            return name
    return None


def check(workflow: Workflow) -> Iterator[Finding]:
    for ref in template_refs(workflow):
        if ref.expression or ref.field not in SAFE_FILTERS or len(ref.path) != 4:
            continue
        wanted, safe = SAFE_FILTERS[ref.field]
        cursor: dict[int, int] = {}  # per template line: where the next `{{` is searched from
        for expr in ref.analysis.expressions:
            # the n-th output of a line is its n-th `{{ ... }}`
            begin = ref.source.find("{{", cursor.get(expr.lineno, line_start(ref.source, expr.lineno)))
            end = ref.source.find("}}", begin) if begin >= 0 else -1
            if end >= 0:
                cursor[expr.lineno] = end + 2
            source = _tainted(expr.names)
            if source is None or (expr.filters and expr.filters[-1] in safe):
                continue
            what = "a task output" if source == "ti.xcom_pull" else f"'{source}'"
            offset = name_offset(ref.source, source, begin, end) if end >= 0 else -1
            yield finding_at(
                workflow, CODE,
                f"{what} is rendered into {ref.field} of task '{ref.task.task_id}' without | {wanted}; "
                "a value holding quotes or metacharacters becomes code",
                ref.path, offset if offset >= 0 else offset_of(ref.source, source, expr.lineno),
            )
