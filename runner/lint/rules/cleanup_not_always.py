"""## What it does
Reports a `bash` cleanup task — one that removes files recursively (`rm -rf`, `rm -r -f`,
`rm --recursive --force`) and does nothing else — that has upstream tasks while its
`triggerRule` is not `all_done` or `always`. `rm -rf out && ./build.sh out` is a build, not a
cleanup, and is not reported.

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
from runner.lint.shell import steps
from runner.model import Workflow

CODE = "FR405"
NAME = "cleanup-not-always"
SEVERITY = "warning"
FIXABLE = False


def _rm_flags(words: list[str]) -> tuple[bool, bool] | None:
    """(recursive, force) of an `rm` command (after `sudo`), or None for another command."""
    if words[:1] == ["sudo"]:
        words = words[1:]
    if not words or (words[0] != "rm" and not words[0].endswith("/rm")):
        return None
    flags = "".join(w.lstrip("-") for w in words[1:] if w.startswith("-") and not w.startswith("--"))
    long = {w for w in words[1:] if w.startswith("--")}
    return "r" in flags or "R" in flags or "--recursive" in long, "f" in flags or "--force" in long


def removes_recursively(command: str) -> bool:
    """A cleanup command: it runs `rm -rf` and nothing else but removals and shell setup.

    `rm -rf out && ./build.sh out` starts a build from scratch; it is not a cleanup."""
    found = False
    for words in steps(command):
        rm = _rm_flags(words)
        if rm is None:
            if "rmdir" not in words[:2]:
                return False
            continue
        found = found or all(rm)
    return found


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        command = task.params.get("command")
        if task.operator != "bash" or not isinstance(command, str) or not task.dependencies:
            continue  # a task without upstream tasks runs whatever its trigger rule
        if not removes_recursively(command):
            continue
        rule = workflow.effective(task, "triggerRule") or "all_success"
        if rule not in ("all_done", "always"):
            yield workflow.finding(
                CODE, f"cleanup task '{task.task_id}' has triggerRule '{rule}'; use all_done so it runs even when upstream tasks fail",
                (*task.path, "params", "command"),
            )
