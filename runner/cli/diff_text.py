"""`flowrun diff` as text for a terminal (coloured when it is one) and as markdown for a
pull-request comment: a summary table, then one collapsible section per changed task."""

from __future__ import annotations

import json
from typing import Any

from runner.escapes import printable
from runner.run.plan_diff import Change, PlanDiff

GREEN, RED, CYAN, RESET = "\x1b[32m", "\x1b[31m", "\x1b[36m", "\x1b[0m"


def shown(value: Any) -> str:
    """A value on one line: absent values say so, the rest as compact JSON (escaped)."""
    if value is None:
        return "(none)"
    return printable(json.dumps(value, default=str, ensure_ascii=False, separators=(", ", ": ")))


def change_line(change: Change) -> str:
    if change.old is None:
        return f"{change.what}: added {shown(change.new)}"
    if change.new is None:
        return f"{change.what}: removed (was {shown(change.old)})"
    return f"{change.what}: {shown(change.old)} -> {shown(change.new)}"


def text(d: PlanDiff, colour: bool = False) -> str:
    def paint(line: str, code: str) -> str:
        return f"{code}{line}{RESET}" if colour else line

    def hunk(line: str) -> str:
        line = printable(line)
        if line.startswith(("+++", "---")):
            return line
        return paint(line, GREEN) if line.startswith("+") else paint(line, RED) if line.startswith("-") \
            else paint(line, CYAN) if line.startswith("@@") else line

    old, new = printable(d.old), printable(d.new)
    if d.same:
        return f"no differences: {old} and {new} compile to the same plan\n"
    out = [f"flowrun diff {old} -> {new}"]
    if d.settings:
        out += ["", "workflow settings:"] + [f"  {change_line(c)}" for c in d.settings]
    if d.added or d.removed or d.renamed or d.changed:
        out += ["", "tasks:"]
        out += [paint(f"  + {printable(t)} (added)", GREEN) for t in d.added]
        out += [paint(f"  - {printable(t)} (removed)", RED) for t in d.removed]
        out += [f"  ~ {printable(a)} -> {printable(b)} (renamed, same definition)" for a, b in d.renamed]
        for task in d.changed:
            out.append(f"  ~ {printable(task.task_id)} (changed)")
            out += [f"      {change_line(c)}" for c in task.fields]
            if task.dependencies_added or task.dependencies_removed:
                deps = [f"+{printable(x)}" for x in task.dependencies_added] + [f"-{printable(x)}" for x in task.dependencies_removed]
                out.append(f"      dependencies: {', '.join(deps)}")
            for name, lines in task.text.items():
                out.append(f"      {name}:")
                out += [f"        {hunk(line)}" for line in lines]
    if d.edges_added or d.edges_removed:
        out += ["", "edges:"]
        out += [paint(f"  + {printable(a)} -> {printable(b)}", GREEN) for a, b in d.edges_added]
        out += [paint(f"  - {printable(a)} -> {printable(b)}", RED) for a, b in d.edges_removed]
    if d.impact:
        out += ["", f"impact (changed or new, and everything downstream): {', '.join(map(printable, d.impact))}"]
    out += ["", "on --resume of a run started under the old version:", *resume_lines(d)]
    return "\n".join(out) + "\n"


def resume_lines(d: PlanDiff) -> list[str]:
    r = d.resume()
    lines = []
    if r["changed"]:
        lines.append(f"  changed: {', '.join(r['changed'])} (kept with their old result if they had ended, with a"
                     " warning; start a new run to run them as changed)")
    if r["run"]:
        lines.append(f"  new, run: {', '.join(r['run'])}")
    if r["dropped"]:
        lines.append(f"  dropped: {', '.join(r['dropped'])}")
    return [printable(line) for line in lines] or ["  nothing changes for the tasks"]


def markdown(d: PlanDiff) -> str:
    def cell(text: str) -> str:
        return printable(text).replace("|", "\\|")

    if d.same:
        return f"**flowrun diff**: `{cell(d.old)}` and `{cell(d.new)}` compile to the same plan.\n"
    rows = [("workflow settings changed", [c.what for c in d.settings]), ("tasks added", d.added),
            ("tasks removed", d.removed), ("tasks renamed", [f"{a} → {b}" for a, b in d.renamed]),
            ("tasks changed", [t.task_id for t in d.changed]),
            ("edges added", [f"{a} → {b}" for a, b in d.edges_added]),
            ("edges removed", [f"{a} → {b}" for a, b in d.edges_removed]), ("impact", d.impact)]
    out = [f"**flowrun diff** `{cell(d.old)}` → `{cell(d.new)}`", "", "| | count | which |", "|---|---:|---|"]
    out += [f"| {name} | {len(items)} | {cell(', '.join(items))} |" for name, items in rows if items]
    if d.settings:
        out += ["", "**Workflow settings**", ""] + [f"- {cell(change_line(c))}" for c in d.settings]
    for task in d.changed:
        out += ["", f"<details><summary>{cell(task.task_id)}</summary>", ""]
        out += [f"- {cell(change_line(c))}" for c in task.fields]
        if task.dependencies_added or task.dependencies_removed:
            out.append(f"- dependencies: {cell(', '.join(['+' + x for x in task.dependencies_added] + ['-' + x for x in task.dependencies_removed]))}")
        for name, lines in task.text.items():
            out += ["", f"`{name}`:", "", "```diff", *(printable(line) for line in lines), "```"]
        out += ["", "</details>"]
    out += ["", "**On `--resume` of a run started under the old version**", ""]
    out += [f"- {line.strip()}" for line in resume_lines(d)]
    return "\n".join(out) + "\n"
