"""## What it does
Reports `ti.xcom_pull(task_ids=...)` of a task that is not an upstream task (direct or
transitive) of the task whose template reads it, of a task that does not exist, or with a
computed `task_ids` that cannot be checked.

## Why is this bad?
Without a dependency nothing orders the two tasks: the output may not exist yet when the
template is rendered, and the run succeeds or fails depending on timing (a race).

## Example
```yaml
dagId: etl
tasks:
  - taskId: count
    operator: bash
    params: {command: "echo 42"}
  - taskId: report
    operator: bash
    params:
      command: "echo rows={{ ti.xcom_pull(task_ids='count') | shell_quote }}"
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: count
    operator: bash
    params: {command: "echo 42"}
  - taskId: report
    operator: bash
    dependencies: [count]
    params:
      command: "echo rows={{ ti.xcom_pull(task_ids='count') | shell_quote }}"
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runner.findings import Finding
from runner.lint.rules._positions import finding_at, name_offset, offset_of
from runner.model import Workflow
from runner.templates.refs import template_refs

CODE = "FR203"
NAME = "output-of-non-upstream"
SEVERITY = "error"
FIXABLE = False


def _locate(source: str, target: str | None, cursor: int) -> tuple[int, int]:
    """Offset of the next quoted `target` (else of the next call) and the cursor after it: calls
    and the ids of a list are met in the order the analysis lists them."""
    if target is not None:
        match = re.compile(r"(['\"])" + re.escape(target) + r"\1").search(source, cursor)
        if match:
            return match.start(), match.end()
    call = name_offset(source, "ti.xcom_pull", cursor)
    return (call, call + 1) if call >= 0 else (cursor, cursor)


def check(workflow: Workflow) -> Iterator[Finding]:
    refs = [r for r in template_refs(workflow) if r.analysis.xcom_targets]
    if not refs:
        return
    graph = workflow.graph
    acyclic = not graph.components()
    ancestors = graph.ancestors() if acyclic else []
    index = {name: i for i, name in enumerate(graph.names)}
    for ref in refs:
        me = ref.task.task_id
        cursor: dict[int, int] = {}  # per template line: where the next call or task id is searched from
        for target, lineno in ref.analysis.xcom_targets:
            offset, cursor[lineno] = _locate(ref.source, target, cursor.get(lineno, offset_of(ref.source, "ti.xcom_pull", lineno)))
            if target is None:
                message = f"ti.xcom_pull in task '{me}' has a computed task_ids; write the task ids as literals so the dependency can be checked"
            elif target not in workflow.by_id:
                message = f"ti.xcom_pull of '{target}' in task '{me}': no such task"
            elif target == me:
                message = f"task '{me}' reads its own output with ti.xcom_pull"
            elif acyclic and me in index and not ancestors[index[me]] >> index[target] & 1:
                message = f"task '{me}' reads the output of '{target}', which is not upstream of it (a race); add '{target}' to its dependencies"
            else:
                continue
            yield finding_at(workflow, CODE, message, ref.path, offset)
