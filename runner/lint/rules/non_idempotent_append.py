"""## What it does
Reports `>>`, `&>>`, `>>|`, `tee -a` and `tee --append` (also inside `$(...)`) into a file
whose name holds no run-unique template (`ds`, `ds_nodash`, `ts`, `execution_date`,
`logical_date`, `run_id`, `execution_id`). Appends to `/dev/stdout`, `/dev/stderr`,
`/dev/null` and to file descriptors are fine.

## Why is this bad?
Tasks must be idempotent: a retry, a resumed run or a backfill runs the command again, and an
append writes the same lines twice. Writing a file named by the run replaces it instead.

## Example
```yaml
dagId: etl
tasks:
  - taskId: record
    operator: bash
    params:
      command: 'echo "Result: $(date)" >> results.log'
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: record
    operator: bash
    params:
      command: 'echo "Result: $(date)" > results_{{ ds }}.log'
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from runner.findings import Finding
from runner.lint.rules._positions import finding_at, first_holder
from runner.lint.shell import placeholders, shell_tokens
from runner.model import Workflow
from runner.templates.analyze import analyze
from runner.templates.render import RUN_UNIQUE_NAMES

CODE = "FR401"
NAME = "non-idempotent-append"
SEVERITY = "warning"
FIXABLE = False

APPENDS = frozenset({">>", "&>>", ">>|"})
OPERATOR_CHARS = frozenset(";&|()<>\n")
HARMLESS = ("/dev/stdout", "/dev/stderr", "/dev/null", "/dev/fd/")


def append_targets(command: str) -> Iterator[str]:
    """Targets of appends in a shell command (templates kept as `__TPLn__` placeholders)."""
    text, _ = placeholders(command)
    tokens = shell_tokens(text)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token in APPENDS and i < len(tokens):
            if not set(tokens[i]) <= OPERATOR_CHARS:  # `>> ;` or `>>` at the end of a line: no target
                yield tokens[i]
        elif token == "tee" or token.endswith("/tee"):
            append = False
            files = []
            while i < len(tokens) and tokens[i] not in ("|", ";", "&&", "||", "\n", "&", ")", ">", ">>"):
                arg = tokens[i]
                if arg in ("-a", "--append") or (arg.startswith("-") and not arg.startswith("--") and "a" in arg):
                    append = True
                elif not arg.startswith("-"):
                    files.append(arg)
                i += 1  # the arguments of `tee` are files, even one named `tee`: not read again as a command
            if append:
                yield from files


def is_harmless(target: str, mapping: dict[str, str]) -> bool:
    bare = target.strip("'\"")
    if bare.startswith("&") or bare.isdigit() or bare.startswith(HARMLESS):
        return True
    for key, expression in mapping.items():
        if key in bare and analyze(expression).names & RUN_UNIQUE_NAMES:
            return True
    return False


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        command = task.params.get("command")
        if task.operator != "bash" or not isinstance(command, str) or not first_holder(workflow, task, "params", "command"):
            continue  # (a command shared by aliases is reported once, at the anchor)
        _, mapping = placeholders(command)
        cursor = 0
        for target in append_targets(command):
            if is_harmless(target, mapping):
                continue
            shown = target
            for key, expression in mapping.items():
                shown = shown.replace(key, expression)
            offset, cursor = _locate(command, shown.strip("'\""), cursor)
            yield finding_at(
                workflow, CODE,
                f"task '{task.task_id}' appends to {shown}, which holds no run-unique template; "
                "a retry or re-run appends twice: write a file named by {{ ds }} or {{ run_id }} instead",
                (*task.path, "params", "command"), offset,
            )


def _locate(command: str, target: str, cursor: int) -> tuple[int, int]:
    """Offset of `target` where it follows `>>` or `tee`, searched from `cursor`, and the next cursor."""
    pattern = re.compile(r"(?:>>\|?|\btee\b[^|;&\n]*?)\s*['\"]?(" + re.escape(target) + ")")
    match = pattern.search(command, cursor) or pattern.search(command)
    if match:
        return match.start(1), match.end(1)
    return max(command.find(target), 0), cursor
