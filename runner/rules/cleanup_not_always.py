"""## What it does
Reports a `bash` task that removes files recursively (`rm -rf`, `rm -r -f`, `rm --recursive
--force`) while its `triggerRule` is not `all_done` or `always`.

## Why is this bad?
Cleanup must run whatever happened upstream. With the default `all_success`, a failure
upstream marks the cleanup `upstream_failed`: scratch data stays behind and fills the disk.

## Example
```yaml
dagId: etl
tasks:
  - taskId: work
    operator: bash
    params: {command: ./work.sh /tmp/scratch}
  - taskId: cleanup
    operator: bash
    dependencies: [work]
    params: {command: rm -rf /tmp/scratch}
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: work
    operator: bash
    params: {command: ./work.sh /tmp/scratch}
  - taskId: cleanup
    operator: bash
    dependencies: [work]
    triggerRule: all_done
    params: {command: rm -rf /tmp/scratch}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow
from runner.rules._support import commands, effective, placeholders, shell_tokens

CODE = "FR405"
NAME = "cleanup-not-always"
SEVERITY = "warning"
FIXABLE = False


def removes_recursively(command: str) -> bool:
    text, _ = placeholders(command)
    for words in commands(shell_tokens(text)):
        for i, word in enumerate(words):
            if word != "rm" and not word.endswith("/rm"):
                continue
            flags = "".join(w.lstrip("-") for w in words[i + 1:] if w.startswith("-") and not w.startswith("--"))
            long = {w for w in words[i + 1:] if w.startswith("--")}
            recursive = "r" in flags or "R" in flags or "--recursive" in long
            force = "f" in flags or "--force" in long
            if recursive and force:
                return True
    return False


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        command = task.params.get("command")
        if task.operator != "bash" or not isinstance(command, str) or not removes_recursively(command):
            continue
        rule = effective(workflow, task, "triggerRule") or "all_success"
        if rule not in ("all_done", "always"):
            yield workflow.finding(
                CODE, f"cleanup task '{task.task_id}' has triggerRule '{rule}'; use all_done so it runs even when upstream tasks fail",
                (*task.path, "params", "command"),
            )
