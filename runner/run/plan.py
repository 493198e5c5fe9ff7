"""Compile a valid workflow (after its `--env` overlay and `defaults`) into an immutable plan."""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from runner.durations import seconds
from runner.errors import FlowrunError, UsageError
from runner.findings import Finding
from runner.model import DEFAULTABLE, PathT, RetryPolicy, Workflow, apply_defaults
from runner.run.breakers import BreakerSpec, breaker_spec

DEFAULT_CONCURRENCY = 16


class InvalidWorkflow(FlowrunError):
    """The workflow has error-level findings and cannot run (exit 2)."""

    exit_code = 2

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(f"the workflow has {len(findings)} error(s) and cannot run")
        self.findings = findings


@dataclass(frozen=True)
class PlannedTask:
    task_id: str
    index: int
    operator: str
    params: MappingProxyType[str, Any]
    dependencies: tuple[str, ...]
    trigger_rule: str
    retry: RetryPolicy
    execution_timeout: float | None
    sla: float | None
    resources: MappingProxyType[str, float]
    queue: str
    priority: int
    metadata: MappingProxyType[str, Any]
    output_schema: MappingProxyType[str, Any] | None
    digest: str  # hash of the task's definition, to tell what changed on --resume
    breaker: BreakerSpec | None = None  # its circuitBreaker (runner/run/breakers.py)


@dataclass(frozen=True)
class Plan:
    dag_id: str
    path: str
    tasks: tuple[PlannedTask, ...]
    order: tuple[str, ...]
    stages: tuple[tuple[str, ...], ...]
    roots: tuple[str, ...]
    leaves: tuple[str, ...]
    downstream: MappingProxyType[str, tuple[str, ...]]
    concurrency: int
    max_active_runs: int
    queues: MappingProxyType[str, int]
    params_schema: MappingProxyType[str, Any]
    data: MappingProxyType[str, Any]
    digest: str


def effective_data(workflow: Workflow, env: str | None) -> dict[str, Any]:
    """The workflow with its environment overlay (top-level keys replaced) and task defaults.
    The workflow's own data is shared, never changed: what differs is copied."""
    data = dict(workflow.data)
    env = env or os.environ.get("FLOWRUN_ENV") or None
    if env:
        envs = data.get("environments") or {}
        if env not in envs:
            known = ", ".join(envs) or "none declared"
            raise UsageError(f"unknown environment '{env}' (known: {known})")
        for key, value in (envs[env] or {}).items():
            data[key] = copy.deepcopy(value)
    return apply_defaults(data)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain dicts and lists again (for rendering and JSON)."""
    if isinstance(value, MappingProxyType):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def origin_of(data: dict[str, Any], env: str | None) -> Callable[[PathT], PathT]:
    """Where a value of the effective data (`effective_data(data, env)`) is written in the file:
    a key the overlay sets is under `environments.<env>`, a task field filled from `defaults` is
    under `defaults` (itself perhaps set by the overlay)."""
    envs = data.get("environments")
    overlay = envs.get(env) if env and isinstance(envs, dict) else None
    overlaid = set(overlay) if isinstance(overlay, dict) else set()
    tasks = data.get("tasks")

    def top(path: PathT) -> PathT:
        return ("environments", str(env), *path) if path and path[0] in overlaid else path

    def origin(path: PathT) -> PathT:
        if len(path) >= 3 and path[0] == "tasks" and isinstance(path[1], int) and isinstance(tasks, list) \
                and path[1] < len(tasks) and isinstance(tasks[path[1]], dict) and path[2] not in tasks[path[1]] \
                and path[2] in DEFAULTABLE:
            return top(("defaults", *path[2:]))
        return top(path)

    return origin


def _errors(workflow: Workflow, env: str | None) -> tuple[dict[str, Any], list[Finding]]:
    """The effective data, and the errors that keep it from running: those of the file as
    written first (an overlay's own mistakes included, each once, at its own node); then those
    that only the overlay and defaults together make, at the overlay's or the default's node."""
    from runner.lint.linter import check_workflow

    errors = check_workflow(workflow, severity="error")
    if errors:
        return workflow.data, errors
    data = effective_data(workflow, env)
    if data == workflow.data:
        return data, []
    env_name = env or os.environ.get("FLOWRUN_ENV") or None
    effective = Workflow(data, workflow.source, workflow.path, origin=origin_of(workflow.data, env_name))
    seen: set[tuple[str, int, int]] = set()
    unique = []
    for finding in check_workflow(effective, severity="error"):  # a default shared by many tasks is one mistake
        if (finding.code, finding.line, finding.column) not in seen:
            seen.add((finding.code, finding.line, finding.column))
            unique.append(finding)
    return data, unique


def compile_plan(workflow: Workflow, env: str | None = None) -> Plan:
    """Raise InvalidWorkflow if the workflow (with its overlay) has error-level findings."""
    data, errors = _errors(workflow, env)
    if errors:
        raise InvalidWorkflow(errors)
    effective = Workflow(data, workflow.source, workflow.path) if data != workflow.data else workflow
    tasks = []
    for task in effective.tasks:
        raw = task.data
        timeout = raw.get("timeout") or {}
        tasks.append(
            PlannedTask(
                task_id=task.task_id or "",
                index=task.index,
                operator=task.operator or "dummy",
                params=_freeze(task.params),
                dependencies=tuple(dict.fromkeys(task.dependencies)),
                trigger_rule=task.trigger_rule,
                retry=RetryPolicy.from_data(raw.get("retryPolicy")),
                execution_timeout=seconds(timeout["execution"]) if "execution" in timeout else None,
                sla=seconds(timeout["sla"]) if "sla" in timeout else None,
                resources=MappingProxyType({k: float(v) for k, v in (raw.get("resources") or {}).items()}),
                queue=str(raw.get("queue", "default")),
                priority=int(raw.get("priority", 0)),
                metadata=_freeze(raw.get("metadata") or {}),
                output_schema=_freeze(raw["outputSchema"]) if "outputSchema" in raw else None,
                digest=_digest(raw),
                breaker=breaker_spec(raw.get("circuitBreaker"), effective.dag_id, task.task_id or "",
                                     seconds(timeout["execution"]) if "execution" in timeout else None,
                                     RetryPolicy.from_data(raw.get("retryPolicy")).max_retries + 1),
            )
        )
    graph = effective.graph
    names = graph.names
    return Plan(
        dag_id=effective.dag_id,
        path=workflow.path,
        tasks=tuple(tasks),
        order=tuple(effective.topological_order()),
        stages=tuple(tuple(s) for s in effective.stages()),
        roots=tuple(effective.root_tasks()),
        leaves=tuple(effective.leaf_tasks()),
        downstream=MappingProxyType({names[i]: tuple(names[c] for c in graph.children[i]) for i in range(len(names))}),
        concurrency=int(data.get("concurrency", DEFAULT_CONCURRENCY)),
        max_active_runs=int(data.get("maxActiveRuns", 1)),
        queues=MappingProxyType({k: int(v.get("concurrency", 1)) for k, v in (data.get("queues") or {}).items()}),
        params_schema=_freeze(data.get("params") or {}),
        data=_freeze(data),
        digest=_digest(workflow.data),
    )
