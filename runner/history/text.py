"""Run history as text and JSON: `flowrun runs` and `flowrun runs show` (SPEC section 4), and the
cells and tables that `flowrun run`'s console and the HTML report share.

Renders the dataclasses of runner/history/query.py. Times are epoch seconds there and ISO 8601 UTC
here; nothing here reads the store, prints, or imports trio.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from runner.durations import format_seconds
from runner.history.marks import text_marks
from runner.run.store import state_path

if TYPE_CHECKING:  # (only annotations: `flowrun run`'s console takes its cells from here, not the records)
    from runner.history.query import RunDetail, RunSummary

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


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows under their headers in columns two spaces apart, each left-aligned; no trailing spaces."""
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
    return "\n".join(table(["RUN ID", "DAG", "LOGICAL DATE", "STATE", "STARTED (UTC)", "DURATION"], rows)) + "\n"


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
                "error": t.error, "sla_missed": t.sla_missed, "short_circuited": t.short_circuited,
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
        [t.task_id, t.state + text_marks(t), str(len(t.tries)),
         duration_text(t.duration), "" if t.exit_code is None else str(t.exit_code), one_line(t.error, 80)]
        for t in detail.tasks
    ]
    lines += ["  " + line for line in table(["TASK", "STATE", "TRIES", "DURATION", "EXIT", "ERROR"], task_rows)]
    if detail.tries:
        lines += ["", "tries"]
        try_rows = [
            [t.task_id, f"#{t.try_number}", t.state, clock(t.started_at), clock(t.ended_at),
             duration_text(t.duration, t.started_at if t.state == "running" else None),
             "" if t.exit_code is None else str(t.exit_code), one_line(t.error, 80)]
            for t in detail.tries
        ]
        headers = ["TASK", "TRY", "STATE", "STARTED (UTC)", "ENDED (UTC)", "DURATION", "EXIT", "ERROR"]
        lines += ["  " + line for line in table(headers, try_rows)]
    if detail.metrics:
        lines += ["", "metrics"]
        metric_rows = [[m.task_id, f"#{m.try_number}", m.name, value_text(m.value)] for m in detail.metrics]
        lines += ["  " + line for line in table(["TASK", "TRY", "NAME", "VALUE"], metric_rows)]
    if detail.events:
        lines += ["", "events"]
        event_rows = [[clock(e.ts), e.kind, e.task_id or "", payload_text(e.payload)] for e in detail.events]
        lines += ["  " + line for line in table(["TIME (UTC)", "EVENT", "TASK", "DETAILS"], event_rows)]
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
