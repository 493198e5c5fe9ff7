"""Run history from the state store: `flowrun runs` and `flowrun runs show` (SPEC section 4).

Queries return plain dataclasses; `*_text` and `*_json` render them. Nothing here prints, exits
or starts a runner: this module never imports trio, so `flowrun runs` starts fast.

Times are epoch seconds in the dataclasses and ISO 8601 UTC in the output. A try's state is the
one Airflow's try history shows: a failed try that was followed by a retry is `up_for_retry`.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from runner.durations import format_seconds
from runner.errors import UsageError
from runner.run.store import RunRecord, Store

DEFAULT_STATE = ".flowrun/state.db"  # as runner.run.session, which this module must not import (trio)
FINISHED = ("success", "failed", "skipped", "upstream_failed", "removed")  # removed: not in the workflow on resume


def state_path(option: str | None) -> Path:
    """The state store: --state, else $FLOWRUN_STATE, else .flowrun/state.db."""
    return Path(option or os.environ.get("FLOWRUN_STATE") or DEFAULT_STATE)


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
        if self.state in ("running", "queued") and not self.live:
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
    db = store.db
    rid = record.run_id
    events = [
        EventInfo(row["kind"], row["task_id"] or None, float(row["ts"]), _payload(row["payload"]))
        for row in db.execute("SELECT * FROM events WHERE run_id=? ORDER BY ts, id", (rid,))
    ]
    retried = {(e.task_id, e.payload.get("try_number")) for e in events if e.kind == "task_retry"}
    sla = {e.task_id for e in events if e.kind == "sla_missed"}
    by_task: dict[str, list[sqlite3.Row]] = {}
    for row in db.execute("SELECT * FROM tries WHERE run_id=? ORDER BY task_id, try_number", (rid,)):
        by_task.setdefault(row["task_id"], []).append(row)
    tasks = []
    for row in db.execute("SELECT * FROM tasks WHERE run_id=? ORDER BY rowid", (rid,)):
        task_id = row["task_id"]
        rows = by_task.pop(task_id, [])
        tries = [_try(r, retried, later=i < len(rows) - 1, task_state=row["state"]) for i, r in enumerate(rows)]
        tasks.append(TaskInfo(
            task_id=task_id, state=row["state"], tries=tries, started_at=row["started_at"],
            ended_at=row["ended_at"] if row["state"] in FINISHED else None, error=row["error"],
            sla_missed=task_id in sla,
        ))
    metrics = [
        MetricInfo(r["task_id"], int(r["try_number"]), r["name"], float(r["value"]), float(r["ts"]))
        for r in db.execute("SELECT * FROM metrics WHERE run_id=? ORDER BY rowid", (rid,))
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


# -- formatting helpers -----------------------------------------------------------------------------


def iso(ts: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with milliseconds, e.g. 2026-01-01T06:00:00.123Z."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def clock(ts: float | None) -> str:
    """Epoch seconds as `YYYY-MM-DD HH:MM:SS.mmm` UTC, or `-`."""
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def duration_text(seconds: float | None, start: float | None = None) -> str:
    """A duration; an unfinished one as the time elapsed so far (`12.50s+`), unknown `-`."""
    if seconds is not None:
        return format_seconds(seconds)
    if start is not None:
        return format_seconds(max(0.0, time.time() - start)) + "+"
    return "-"


def one_line(text: str | None, limit: int = 0) -> str:
    """Text for one table cell: control characters (newlines, escapes) become spaces."""
    if not text:
        return ""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if limit and len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat


def value_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    out = []
    for cells in [headers, *rows]:
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return out


# -- flowrun runs -----------------------------------------------------------------------------------


def run_json(run: RunSummary) -> dict[str, Any]:
    return {
        "run_id": run.run_id, "dag_id": run.dag_id, "logical_date": run.logical_date, "state": run.shown_state,
        "live": run.live, "started_at": iso(run.started_at), "ended_at": iso(run.ended_at),
        "duration": _round(run.duration),
    }


def runs_json(runs: list[RunSummary]) -> str:
    return strict_json([run_json(r) for r in runs])


def strict_json(doc: Any) -> str:
    """`doc` as RFC 8259 JSON: a NaN or infinity (a store written before they were refused, or a
    value a task printed) is written `null`, as JavaScript's JSON.stringify does, never `NaN`."""
    try:
        return json.dumps(doc, indent=2, default=str, allow_nan=False) + "\n"
    except ValueError:
        return json.dumps(_finite(doc), indent=2, default=str) + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return [_finite(v) for v in value] if isinstance(value, (list, tuple)) else value


def runs_text(runs: list[RunSummary], state: str | None = None, dag_id: str | None = None) -> str:
    if not runs:
        of = f" of '{dag_id}'" if dag_id else ""
        return f"no runs{of} in {state_path(state)}\n"
    rows = [
        [r.run_id, r.dag_id, r.logical_date, r.shown_state, clock(r.started_at),
         duration_text(r.duration, r.started_at if r.live else None)]
        for r in runs
    ]
    return "\n".join(_table(["RUN ID", "DAG", "LOGICAL DATE", "STATE", "STARTED (UTC)", "DURATION"], rows)) + "\n"


# -- flowrun runs show ------------------------------------------------------------------------------


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def detail_json(detail: RunDetail) -> dict[str, Any]:
    run = detail.run
    return {
        "run": {**run_json(run), "workflow_path": run.workflow_path, "params": run.params},
        "tasks": [
            {
                "task_id": t.task_id, "state": t.state, "tries": len(t.tries), "started_at": iso(t.started_at),
                "ended_at": iso(t.ended_at), "duration": _round(t.duration), "exit_code": t.exit_code,
                "error": t.error, "sla_missed": t.sla_missed,
            }
            for t in detail.tasks
        ],
        "tries": [
            {
                "task_id": t.task_id, "try_number": t.try_number, "state": t.state, "started_at": iso(t.started_at),
                "ended_at": iso(t.ended_at), "duration": _round(t.duration), "exit_code": t.exit_code,
                "error": t.error, "log_path": t.log_path,
            }
            for t in detail.tries
        ],
        "events": [
            {"kind": e.kind, "task_id": e.task_id, "ts": iso(e.ts), "payload": e.payload} for e in detail.events
        ],
        "metrics": [
            {"task_id": m.task_id, "try_number": m.try_number, "name": m.name, "value": m.value}
            for m in detail.metrics
        ],
    }


def show_json(detail: RunDetail) -> str:
    return strict_json(detail_json(detail))


def show_text(detail: RunDetail) -> str:
    run = detail.run
    lines = [
        f"run {run.run_id} of '{run.dag_id}': {run.shown_state}",
        f"  logical date  {run.logical_date}",
        f"  started       {clock(run.started_at)} UTC",
        f"  ended         {clock(run.ended_at)}{' UTC' if run.ended_at else ''}",
        f"  duration      {duration_text(run.duration, run.started_at if run.live else None)}",
    ]
    if run.workflow_path:
        lines.append(f"  workflow      {run.workflow_path}")
    if run.params:
        lines.append(f"  params        {one_line(json.dumps(run.params, default=str), 200)}")
    lines += ["", "tasks"]
    task_rows = [
        [t.task_id, t.state + (" (sla missed)" if t.sla_missed else ""), str(len(t.tries)),
         duration_text(t.duration), "" if t.exit_code is None else str(t.exit_code), one_line(t.error, 80)]
        for t in detail.tasks
    ]
    lines += ["  " + line for line in _table(["TASK", "STATE", "TRIES", "DURATION", "EXIT", "ERROR"], task_rows)]
    if detail.tries:
        lines += ["", "tries"]
        try_rows = [
            [t.task_id, f"#{t.try_number}", t.state, clock(t.started_at), clock(t.ended_at),
             duration_text(t.duration, t.started_at if t.state == "running" else None),
             "" if t.exit_code is None else str(t.exit_code), one_line(t.error, 80)]
            for t in detail.tries
        ]
        headers = ["TASK", "TRY", "STATE", "STARTED (UTC)", "ENDED (UTC)", "DURATION", "EXIT", "ERROR"]
        lines += ["  " + line for line in _table(headers, try_rows)]
    if detail.metrics:
        lines += ["", "metrics"]
        metric_rows = [[m.task_id, f"#{m.try_number}", m.name, value_text(m.value)] for m in detail.metrics]
        lines += ["  " + line for line in _table(["TASK", "TRY", "NAME", "VALUE"], metric_rows)]
    if detail.events:
        lines += ["", "events"]
        event_rows = [[clock(e.ts), e.kind, e.task_id or "", payload_text(e.payload)] for e in detail.events]
        lines += ["  " + line for line in _table(["TIME (UTC)", "EVENT", "TASK", "DETAILS"], event_rows)]
    return "\n".join(lines) + "\n"


def payload_text(payload: dict[str, Any]) -> str:
    parts = []
    for key, value in payload.items():
        if isinstance(value, float):
            shown = format_seconds(value) if key in ("sla", "duration", "delay") else f"{value:g}"
        else:
            shown = value if isinstance(value, str) else json.dumps(value, default=str)
        parts.append(f"{key}={shown}")
    return one_line(" ".join(parts), 120)
