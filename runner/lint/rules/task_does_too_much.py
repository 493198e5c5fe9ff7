"""## What it does
Reports a `bash` command that chains three or more separate commands with `&&`, `;`, `||`,
`&` or newlines. A single pipeline (`a | b | c`) counts as one command; `cd dir && ./run.sh`
(two) is not reported. Shell setup (`set -e`, `cd`, `export`, `echo`, `[ ... ]`), variable
assignments, the keywords of loops and conditionals and the body of a here-document do not
count.

## Why is this bad?
One job per task: when a chain fails, the whole chain is retried, its steps cannot be
observed, timed or resumed separately, and the graph hides the real dependencies.

## Example
```yaml
dagId: etl
tasks:
  - taskId: everything
    operator: bash
    params:
      command: ./fetch_data.sh && ./process_data.sh && ./send_results.sh
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: fetch
    operator: bash
    params: {command: ./fetch_data.sh}
  - taskId: process
    operator: bash
    dependencies: [fetch]
    params: {command: ./process_data.sh}
  - taskId: send
    operator: bash
    dependencies: [process]
    params: {command: ./send_results.sh}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.lint.rules._positions import first_holder
from runner.lint.shell import steps
from runner.model import Workflow

CODE = "FR403"
NAME = "task-does-too-much"
SEVERITY = "info"
FIXABLE = False

THRESHOLD = 3


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        command = task.params.get("command")
        if task.operator != "bash" or not isinstance(command, str) or not first_holder(workflow, task, "params", "command"):
            continue  # (a command shared by aliases is reported once, at the anchor)
        parts = steps(command)
        if len(parts) >= THRESHOLD:
            names = ", ".join(p[0] for p in parts[:4]) + (", ..." if len(parts) > 4 else "")
            yield workflow.finding(
                CODE, f"task '{task.task_id}' runs {len(parts)} separate commands ({names}); split it into one task per step",
                (*task.path, "params", "command"),
            )
