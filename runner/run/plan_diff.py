"""What changes between two compiled plans of a workflow (`flowrun diff OLD NEW`).

The plans are compared after `defaults` and the `--env` overlay, never as text: keys reordered,
comments, flow or block style, a value moved into `defaults` make no difference. Tasks are
matched by taskId; a removed and an added task with the same definition (all but the taskId)
are a rename. The impact is every changed or added task and all its downstream tasks in NEW.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from runner.run.plan import Plan, PlannedTask, thaw

# top-level keys that are not compared as workflow settings: applied, or compared per task
NOT_SETTINGS = frozenset({"tasks", "defaults", "environments"})
# task keys shown field by field (the rest of a task's keys too, after these, in file order)
TASK_FIELDS = ("operator", "triggerRule", "retryPolicy", "timeout", "resources", "queue", "priority",
               "outputSchema", "runAsUser")
# params whose text is shown as a unified diff
TEXT_PARAMS = ("command", "pythonCode", "body")


@dataclass
class Change:
    """One value that differs; `old` or `new` is None when the value is added or removed."""

    what: str
    old: Any = None
    new: Any = None


@dataclass
class TaskDiff:
    task_id: str
    fields: list[Change] = field(default_factory=list)
    dependencies_added: list[str] = field(default_factory=list)
    dependencies_removed: list[str] = field(default_factory=list)
    text: dict[str, list[str]] = field(default_factory=dict)  # param -> unified diff lines


@dataclass
class PlanDiff:
    old: str
    new: str
    settings: list[Change] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    changed: list[TaskDiff] = field(default_factory=list)
    edges_added: list[tuple[str, str]] = field(default_factory=list)
    edges_removed: list[tuple[str, str]] = field(default_factory=list)
    impact: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not (self.settings or self.added or self.removed or self.renamed or self.changed
                    or self.edges_added or self.edges_removed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old, "new": self.new, "same": self.same,
            "settings": [vars(c) for c in self.settings],
            "tasks": {"added": self.added, "removed": self.removed,
                      "renamed": [{"old": a, "new": b} for a, b in self.renamed],
                      "changed": [{"taskId": t.task_id, "fields": [vars(c) for c in t.fields],
                                   "dependencies": {"added": t.dependencies_added, "removed": t.dependencies_removed},
                                   "text": t.text} for t in self.changed]},
            "edges": {"added": [list(e) for e in self.edges_added], "removed": [list(e) for e in self.edges_removed]},
            "impact": self.impact,
            "resume": self.resume(),
        }

    def resume(self) -> dict[str, list[str]]:
        """What `--resume` of a run recorded under OLD does under NEW: a changed task that had
        ended keeps its old result (resume warns) and runs as changed only if it had not; added
        tasks run; removed ones are dropped (runner/run/resume.py)."""
        renamed_new = [b for _, b in self.renamed]
        return {"changed": sorted(t.task_id for t in self.changed), "run": sorted(self.added + renamed_new),
                "dropped": sorted(self.removed + [a for a, _ in self.renamed])}


def diff_plans(old: Plan, new: Plan, old_name: str, new_name: str) -> PlanDiff:
    """Each task's definition is built once and a rename found through its JSON text, so two
    plans of n tasks compare in O(n) (times a task's size)."""
    result = PlanDiff(old_name, new_name)
    old_data, new_data = thaw(old.data), thaw(new.data)
    result.settings = settings(old_data, new_data)
    before = {t.task_id: (t, definition(t)) for t in old.tasks}
    after = {t.task_id: (t, definition(t)) for t in new.tasks}
    gone = [t for t in before if t not in after]
    came = [t for t in after if t not in before]
    unmatched: dict[str, list[str]] = {}  # a definition's text -> the new tasks that have it
    for task_id in came:
        unmatched.setdefault(json.dumps(after[task_id][1], sort_keys=True, default=str), []).append(task_id)
    for old_id in list(gone):  # a rename: the same definition under another taskId
        same = unmatched.get(json.dumps(before[old_id][1], sort_keys=True, default=str))
        if same:
            match = same.pop(0)
            result.renamed.append((old_id, match))
            gone.remove(old_id)
            came.remove(match)
    result.removed, result.added = gone, came
    old_raw, new_raw = raw_tasks(old_data), raw_tasks(new_data)
    for task_id, (task, defined) in after.items():
        if task_id in before and before[task_id][1] != defined:
            was, was_defined = before[task_id]
            result.changed.append(task_diff(task_id, was_defined, defined, old_raw[was.index], new_raw[task.index]))
    old_edges = {(d, t.task_id) for t in old.tasks for d in t.dependencies}
    new_edges = {(d, t.task_id) for t in new.tasks for d in t.dependencies}
    result.edges_added, result.edges_removed = sorted(new_edges - old_edges), sorted(old_edges - new_edges)
    result.impact = downstream_of(new, [t.task_id for t in result.changed] + came + [b for _, b in result.renamed])
    return result


def definition(task: PlannedTask) -> dict[str, Any]:
    """The task as the plan compiled it (all but its taskId), in the file's names: `1m` and
    `60s` are the same timeout, a value from `defaults` the same as one written on the task."""
    metadata = dict(thaw(task.metadata))
    return {
        "operator": task.operator, "params": thaw(task.params), "dependencies": list(task.dependencies),
        "triggerRule": task.trigger_rule, "retryPolicy": asdict(task.retry),
        "timeout": {k: v for k, v in (("execution", task.execution_timeout), ("sla", task.sla)) if v is not None},
        "resources": dict(task.resources), "queue": task.queue, "priority": task.priority,
        "outputSchema": thaw(task.output_schema), "runAsUser": metadata.pop("runAsUser", None),
        "metadata": metadata,
    }


def settings(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Workflow-level keys that differ; params and alerts entry by entry."""
    changes = []
    for key in dict.fromkeys([*old, *new]):
        if key in NOT_SETTINGS or old.get(key) == new.get(key):
            continue
        if key == "params" and isinstance(old.get(key, {}), dict) and isinstance(new.get(key, {}), dict):
            changes += by_name("params", old.get(key) or {}, new.get(key) or {})
        elif key == "alerts" and all(isinstance(x, list) for x in (old.get(key, []), new.get(key, []))):
            changes += by_name("alerts", alerts_by_id(old.get(key) or []), alerts_by_id(new.get(key) or []))
        else:
            changes.append(Change(key, old.get(key), new.get(key)))
    return changes


def alerts_by_id(alerts: list[Any]) -> dict[str, Any]:
    return {str(a.get("id")) if isinstance(a, dict) else str(i): a for i, a in enumerate(alerts)}


def by_name(group: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    return [Change(f"{group}.{name}", old.get(name), new.get(name))
            for name in dict.fromkeys([*old, *new]) if old.get(name) != new.get(name)]


def raw_tasks(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The tasks as written, with `defaults` and the overlay applied (for showing values)."""
    shown = []
    for raw in data.get("tasks") or []:
        raw = raw if isinstance(raw, dict) else {}
        metadata: dict[str, Any] = raw["metadata"] if isinstance(raw.get("metadata"), dict) else {}
        shown.append({**raw, "runAsUser": metadata.get("runAsUser"),
                      "metadata": {k: v for k, v in metadata.items() if k != "runAsUser"} or None})
    return shown


def task_diff(task_id: str, before: dict[str, Any], after: dict[str, Any], old_raw: dict[str, Any],
              new_raw: dict[str, Any]) -> TaskDiff:
    """What differs in the compiled task (`before`, `after`: its definitions), shown as written
    (`1m`, `maxRetries`), not compiled."""
    result = TaskDiff(task_id)
    for key in (*TASK_FIELDS, *(k for k in after if k not in TASK_FIELDS)):
        if key in ("params", "dependencies") or before.get(key) == after.get(key):
            continue
        result.fields.append(Change(key, old_raw.get(key), new_raw.get(key)))
    result.dependencies_added = [d for d in after["dependencies"] if d not in before["dependencies"]]
    result.dependencies_removed = [d for d in before["dependencies"] if d not in after["dependencies"]]
    old_params, new_params = before["params"], after["params"]
    for name in dict.fromkeys([*old_params, *new_params]):
        a, b = old_params.get(name), new_params.get(name)
        if a == b:
            continue
        if name in TEXT_PARAMS and isinstance(a, (str, type(None))) and isinstance(b, (str, type(None))):
            result.text[name] = list(difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(),
                                                          f"old/{task_id}.{name}", f"new/{task_id}.{name}",
                                                          lineterm=""))
        else:
            result.fields.append(Change(f"params.{name}", a, b))
    return result


def downstream_of(plan: Plan, starts: list[str]) -> list[str]:
    """`starts` and every task downstream of one of them, in the plan's order."""
    seen: set[str] = set()
    stack = [s for s in starts if s in plan.downstream]
    while stack:
        task_id = stack.pop()
        if task_id not in seen:
            seen.add(task_id)
            stack.extend(plan.downstream[task_id])
    return [t for t in plan.order if t in seen]
