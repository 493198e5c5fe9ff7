"""Run history read back from the state store, for `flowrun runs`, `runs show` and `runs report`.

Queries return plain dataclasses; runner/history/text.py renders them as text and JSON and
runner/history/report.py as HTML. Nothing here prints, exits or starts a runner: this module never
imports trio, so `flowrun runs` starts fast.

Times are epoch seconds in the dataclasses and ISO 8601 UTC in the output. A try's state is the
one Airflow's try history shows: a failed try that was followed by a retry is `up_for_retry`.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from runner.errors import UsageError
from runner.run.states import ACTIVE_RUN, FINISHED_OR_REMOVED
from runner.run.store import RunRecord, Store, state_path

# -- records ----------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    run_id: str
    dag_id: str
    logical_date: str
    state: str
    started_at: float | None
    ended_at: float | None
    live: bool
    workflow_path: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float | None:
        return _span(self.started_at, self.ended_at)

    @property
    def shown_state(self) -> str:
        """`running` for a live run; a run whose runner died is `interrupted` (resumable)."""
        if self.state in ACTIVE_RUN and not self.live:
            return "interrupted"
        return self.state


@dataclass
class TryInfo:
    task_id: str
    try_number: int
    state: str  # as shown: up_for_retry for a failed try that was retried
    started_at: float | None
    ended_at: float | None
    exit_code: int | None
    error: str | None
    log_path: str | None

    @property
    def duration(self) -> float | None:
        return _span(self.started_at, self.ended_at)


@dataclass
class TaskInfo:
    task_id: str
    state: str
    tries: list[TryInfo]
    started_at: float | None
    ended_at: float | None
    error: str | None
    sla_missed: bool = False
    short_circuited: bool = False  # its circuit breaker was open: failed without a try

    @property
    def duration(self) -> float | None:
        return _span(self.started_at, self.ended_at)

    @property
    def exit_code(self) -> int | None:
        return self.tries[-1].exit_code if self.tries else None


@dataclass
class EventInfo:
    kind: str
    task_id: str | None
    ts: float
    payload: dict[str, Any]


@dataclass
class MetricInfo:
    task_id: str
    try_number: int
    name: str
    value: float
    ts: float


@dataclass
class RunDetail:
    run: RunSummary
    tasks: list[TaskInfo]
    events: list[EventInfo]
    metrics: list[MetricInfo]
    state_path: str

    @property
    def tries(self) -> list[TryInfo]:
        return sorted((t for task in self.tasks for t in task.tries),
                      key=lambda t: (t.started_at or 0.0, t.task_id, t.try_number))


def _span(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else max(0.0, end - start)


def _summary(record: RunRecord) -> RunSummary:
    return RunSummary(
        run_id=record.run_id, dag_id=record.dag_id, logical_date=record.logical_date, state=record.state,
        started_at=record.started_at, ended_at=record.ended_at, live=record.is_live(),
        workflow_path=record.workflow_path, params=record.params,
    )


# -- queries ----------------------------------------------------------------------------------------


def _open(state: str | None) -> Store | None:
    """The store, or None when there is none yet (reading history never creates one)."""
    path = state_path(state)
    if not path.is_file():
        return None
    return Store(path)


def list_runs(state: str | None = None, dag_id: str | None = None, limit: int = 20) -> list[RunSummary]:
    """Recent runs, newest first."""
    if limit < 1:
        raise UsageError(f"--limit must be at least 1, not {limit}")
    store = _open(state)
    if store is None:
        return []
    try:
        return [_summary(r) for r in store.runs(dag_id, limit)]
    finally:
        store.close()


def load_run(run_id: str, state: str | None = None) -> RunDetail:
    """One run with its tasks (in plan order), every try, events and metrics.

    `run_id` may be `last` (the most recent run). Unknown -> UsageError (exit 2).
    """
    path = state_path(state)
    store = _open(state)
    if store is None:
        raise UsageError(f"no run '{run_id}': there is no state store at {path}")
    try:
        record = _find(store, run_id)
        if record is None:
            raise UsageError(f"no run '{run_id}' in {path}; see 'flowrun runs'")
        return _detail(store, record, str(path))
    finally:
        store.close()


def _find(store: Store, run_id: str) -> RunRecord | None:
    if run_id == "last":
        recent = store.runs(None, 1)
        return recent[0] if recent else None
    return store.get_run(run_id)


def _detail(store: Store, record: RunRecord, path: str) -> RunDetail:
    rid = record.run_id
    events = [
        EventInfo(row["kind"], row["task_id"] or None, float(row["ts"]), _payload(row["payload"]))
        for row in store.run_events(rid)
    ]
    retried = {(e.task_id, e.payload.get("try_number")) for e in events if e.kind == "task_retry"}
    sla = {e.task_id for e in events if e.kind == "sla_missed"}
    short = {e.task_id for e in events if e.kind == "circuit_short_circuited"}
    by_task: dict[str, list[sqlite3.Row]] = {}
    for row in store.run_tries(rid):
        by_task.setdefault(row["task_id"], []).append(row)
    tasks = []
    for row in store.run_tasks(rid):
        task_id = row["task_id"]
        rows = by_task.pop(task_id, [])
        tries = [_try(r, retried, later=i < len(rows) - 1, task_state=row["state"]) for i, r in enumerate(rows)]
        tasks.append(TaskInfo(
            task_id=task_id, state=row["state"], tries=tries, started_at=row["started_at"],
            ended_at=row["ended_at"] if row["state"] in FINISHED_OR_REMOVED else None, error=row["error"],
            sla_missed=task_id in sla, short_circuited=task_id in short,
        ))
    metrics = [
        MetricInfo(r["task_id"], int(r["try_number"]), r["name"], float(r["value"]), float(r["ts"]))
        for r in store.run_metrics(rid)
    ]
    return RunDetail(_summary(record), tasks, events, metrics, path)


def _try(row: sqlite3.Row, retried: set[tuple[str | None, Any]], later: bool, task_state: str) -> TryInfo:
    state = row["state"]
    if state == "failed":
        interrupted = (row["error"] or "").startswith("interrupted")
        if (row["task_id"], row["try_number"]) in retried or (later and not interrupted) or (
                not later and task_state == "up_for_retry"):
            state = "up_for_retry"
    return TryInfo(
        task_id=row["task_id"], try_number=int(row["try_number"]), state=state, started_at=row["started_at"],
        ended_at=row["ended_at"], exit_code=row["exit_code"], error=row["error"], log_path=row["log_path"],
    )


def _payload(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"value": value}
