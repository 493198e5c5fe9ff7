"""`flowrun lineage RUN_ID|last`: the datasets each task of a run read and wrote, from the store."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, Optional

import typer

from runner.errors import UsageError


def lineage(
    run_id: Annotated[str, typer.Argument(help="A run id (see 'flowrun runs'), or 'last'.", metavar="RUN_ID")],
    state: Annotated[Optional[str], typer.Option("--state", help="State store (default $FLOWRUN_STATE or .flowrun/state.db).")] = None,  # noqa: UP045
    output_format: Annotated[str, typer.Option("--format", help="text, json or mermaid.")] = "text",
) -> int:
    """The datasets each task of a run read and wrote (inlets, outlets, its output's lineage object)."""
    from runner.history import query as history

    if output_format not in ("text", "json", "mermaid"):
        raise UsageError(f"unknown format '{output_format}'; expected one of: text, json, mermaid")
    detail = history.load_run(run_id, state)
    tasks: dict[str, dict[str, Any]] = {}
    for event in detail.events:
        if event.kind == "lineage_datasets" and event.task_id:
            p = event.payload
            tasks[event.task_id] = {"task_id": event.task_id, "inputs": p.get("inputs", []),
                                    "outputs": p.get("outputs", []), "reads": p.get("reads", [])}
    doc = {"run_id": detail.run.run_id, "dag_id": detail.run.dag_id, "tasks": list(tasks.values())}
    if output_format == "json":
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif output_format == "mermaid":
        sys.stdout.write(mermaid(doc))
    else:
        sys.stdout.write(text(doc))
    return 0


def _name(d: dict[str, str]) -> str:
    ns, name = d.get("namespace", ""), d.get("name", "")
    return name if ns == "file" else f"{ns}/{name}" if "://" in ns else f"{ns}:{name}"


def text(doc: dict[str, Any]) -> str:
    from runner.escapes import printable

    lines = [f"lineage of run {printable(doc['run_id'])} ({printable(doc['dag_id'])})"]
    if not doc["tasks"]:
        lines.append("  no task recorded datasets (declare inlets/outlets on tasks, or run with --lineage to record a task's lineage output)")
    for task in doc["tasks"]:
        lines.append(f"  {printable(task['task_id'])}")
        for label, key in (("reads", "inputs"), ("writes", "outputs")):
            if task[key]:
                lines.append(f"    {label}: " + ", ".join(printable(_name(d)) for d in task[key]))
        if task["reads"]:
            lines.append("    uses the output of: " + ", ".join(printable(t) for t in task["reads"]))
    return "\n".join(lines) + "\n"


def mermaid(doc: dict[str, Any]) -> str:
    """A flowchart: datasets as cylinders, tasks as boxes; task -> task for xcom reads (dotted)."""
    ids: dict[str, str] = {}

    def node(kind: str, label: str) -> str:
        key = f"{kind}:{label}"
        if key not in ids:
            ids[key] = f"{kind}{len(ids)}"
        return ids[key]

    def quoted(label: str) -> str:
        return label.replace('"', "#quot;")

    lines = ["flowchart LR"]
    for task in doc["tasks"]:
        t = node("t", task["task_id"])
        lines.append(f'  {t}["{quoted(task["task_id"])}"]')
        for d in task["inputs"]:
            lines.append(f'  {node("d", _name(d))}[("{quoted(_name(d))}")] --> {t}')
        for d in task["outputs"]:
            lines.append(f'  {t} --> {node("d", _name(d))}[("{quoted(_name(d))}")]')
        for source in task["reads"]:
            lines.append(f'  {node("t", source)} -.->|xcom| {t}')
    return "\n".join(lines) + "\n"
