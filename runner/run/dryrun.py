"""`flowrun run --dry-run`: the plan, printed; nothing started, opened or written."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from runner.escapes import printable, printable_lines
from runner.run.context import TaskInstance, Variables, template_context
from runner.run.plan import Plan, thaw
from runner.templates.render import TemplateProblem, render


class _Placeholders(TaskInstance):
    """`ti.xcom_pull` in a dry run: `<output of a>`."""

    def __init__(self) -> None:
        super().__init__({})

    def _one(self, task_id: str) -> Any:
        return f"<output of {task_id}>"


class _Masked:
    """Every secret of a dry run: `***` (templates read it through `Variables.view()`)."""

    def require(self, name: str) -> str:
        return "***"


class _DryVariables(Variables):
    def __init__(self, real: Variables) -> None:
        self.value = real.value
        self.secret = _Masked()  # type: ignore[assignment]


def _render(value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, str):
        try:
            return render(value, context)
        except TemplateProblem:
            return value
    if isinstance(value, dict):
        return {k: _render(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, context) for v in value]
    return value


def describe(plan: Plan, params: dict[str, Any], variables: Variables, logical_date: datetime) -> dict[str, Any]:
    ti = _Placeholders()
    dry_vars = _DryVariables(variables)
    tasks = []
    for task in plan.tasks:
        context = template_context(plan.dag_id, "dry_run", logical_date, task.task_id, 1, params, dry_vars, ti)
        raw = thaw(task.params)
        keep = {k: raw[k] for k in ("condition", "branches") if task.operator == "branch" and k in raw}
        rendered = _render({k: v for k, v in raw.items() if k not in keep}, context)
        tasks.append({
            "taskId": task.task_id,
            "operator": task.operator,
            "dependencies": list(task.dependencies),
            "params": {**rendered, **keep},
        })
    return {
        "dagId": plan.dag_id,
        "order": list(plan.order),
        "stages": [list(s) for s in plan.stages],
        "roots": list(plan.roots),
        "leaves": list(plan.leaves),
        "tasks": tasks,
    }


def as_text(doc: dict[str, Any]) -> str:
    lines = [f"Plan of '{doc['dagId']}' ({len(doc['tasks'])} tasks), nothing executed", ""]
    lines.append("Order:  " + ", ".join(doc["order"]))
    lines.append("Roots:  " + ", ".join(doc["roots"]))
    lines.append("Leaves: " + ", ".join(doc["leaves"]))
    lines.append("Stages:")
    for i, stage in enumerate(doc["stages"]):
        lines.append(f"  {i}: {', '.join(stage)}")
    lines.append("Tasks:")
    for task in doc["tasks"]:
        deps = f" after {', '.join(task['dependencies'])}" if task["dependencies"] else ""
        lines.append(f"  {task['taskId']} ({task['operator']}){deps}")
        for key, value in task["params"].items():
            text = printable_lines(value if isinstance(value, str) else json.dumps(value))
            text = text.replace("\n", "\n" + " " * (6 + len(key)))
            lines.append(f"    {printable(key)}: {text}")
    return "\n".join(lines) + "\n"
