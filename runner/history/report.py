"""`flowrun runs report`: one self-contained HTML file about one run (SPEC section 4).

Inline CSS and an inline SVG Gantt chart, no script and no external resource (a
Content-Security-Policy forbids loading any), so the file can be mailed, attached to a CI job
or opened offline. Every piece of text from the store (task ids, errors, params, event payloads)
goes through `html.escape`: a task's error can hold markup.

The chart has one row per task and one bar per try, placed by its start and end and coloured by
its state (a failed try that was retried is `up_for_retry`); tasks that never ran (`skipped`,
`upstream_failed`) get a hollow marker where their state was decided; SLA misses are red flags.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from html import escape
from typing import Any

from runner.history.marks import html_badges
from runner.history.query import EventInfo, MetricInfo, RunDetail, TaskInfo, TryInfo
from runner.history.text import clock, duration_text, payload_text, value_text

COLORS = {
    "success": "#2f9e44",
    "failed": "#e03131",
    "up_for_retry": "#f59f00",
    "skipped": "#e64980",
    "upstream_failed": "#fd7e14",
    "running": "#1c7ed6",
    "pending": "#adb5bd",
    "queued": "#adb5bd",
    "interrupted": "#868e96",
}
LEGEND = ["success", "failed", "up_for_retry", "skipped", "upstream_failed", "running"]
SLA_COLOR = "#c92a2a"

# chart geometry (SVG user units; the SVG scales to the page width)
WIDTH = 1200
ROW = 28
BAR = 16
AXIS = 34
RIGHT = 24

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 40px; font: 14px/1.45 -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; color: #212529; background: #f8f9fa; }
h1 { font-size: 22px; margin: 0 0 4px; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { font-size: 16px; margin: 0 0 12px; }
.sub { color: #6c757d; margin-bottom: 16px; word-break: break-all; }
section, header { background: #fff; border: 1px solid #dee2e6; border-radius: 8px; padding: 16px 20px;
  margin-bottom: 20px; }
.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 8px 24px; margin: 0; }
.facts div { min-width: 0; }
.facts dt { color: #6c757d; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; color: #fff; font-size: 12px;
  font-weight: 600; line-height: 18px; white-space: nowrap; vertical-align: middle; }
h1 .badge { font-size: 14px; padding: 2px 12px; }
.sla { background: #fff5f5; color: #c92a2a; border: 1px solid #ffc9c9; }
.legend { display: flex; gap: 16px; flex-wrap: wrap; margin-bottom: 8px; font-size: 13px; color: #495057; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.swatch { width: 14px; height: 10px; border-radius: 2px; display: inline-block; }
.flag { width: 0; height: 0; border-left: 9px solid #c92a2a; border-top: 5px solid transparent;
  border-bottom: 5px solid transparent; display: inline-block; }
.chart { overflow-x: auto; }
svg { display: block; width: 100%; height: auto; font-family: inherit; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e9ecef; vertical-align: top; }
th { background: #f1f3f5; font-weight: 600; color: #495057; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
td.nowrap { white-space: nowrap; }
pre.err { margin: 0; white-space: pre-wrap; word-break: break-word; max-height: 9em; overflow: auto;
  color: #c92a2a; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.bar { position: relative; height: 10px; background: #e9ecef; border-radius: 5px; min-width: 120px; }
.bar i { position: absolute; left: 0; top: 0; bottom: 0; background: #4c6ef5; border-radius: 5px; }
.muted { color: #868e96; }
footer { color: #868e96; font-size: 12px; }
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _badge(state: str) -> str:
    return f'<span class="badge" style="background:{COLORS.get(state, "#868e96")}">{_e(state)}</span>'


# -- the Gantt chart ------------------------------------------------------------------------------


_CLOCK_STEPS = (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def _nice_step(span: float, target: int = 8) -> float:
    """A tick spacing giving about `target` ticks: 1-2-5 steps below a minute, clock steps above."""
    raw = span / target
    if raw > 10:
        return float(next((step for step in _CLOCK_STEPS if step >= raw), 86400 * math.ceil(raw / 86400)))
    power = float(10 ** math.floor(math.log10(raw)))
    return next(factor * power for factor in (1, 2, 5, 10) if raw <= factor * power * (1 + 1e-9))


def _tick_label(offset: float, step: float) -> str:
    if offset == 0:
        return "0"
    if offset < 1:
        return f"+{offset * 1000:.0f}ms"
    if offset < 60:
        return f"+{round(offset, 6):g}s"
    minutes, secs = divmod(round(offset), 60)
    if minutes < 60:
        return f"+{minutes}m" + (f"{secs:02d}s" if secs else "")
    hours, minutes = divmod(minutes, 60)
    return f"+{hours}h" + (f"{minutes:02d}m" if minutes else "")


def _bounds(detail: RunDetail, now: float) -> tuple[float, float]:
    run = detail.run
    starts = [t.started_at for t in detail.tries if t.started_at is not None]
    ends = [t.ended_at if t.ended_at is not None else now for t in detail.tries if t.started_at is not None]
    ends += [t.ended_at for t in detail.tasks if t.ended_at is not None]
    ends += [e.ts for e in detail.events if e.task_id]
    t0 = min([*starts, *([run.started_at] if run.started_at is not None else [])], default=now)
    t1 = max([*ends, *([run.ended_at] if run.ended_at is not None else [])], default=t0)
    if run.ended_at is None and run.live:
        t1 = max(t1, now)
    t1 = max(t1, t0 + 0.001)
    return t0, t1 + (t1 - t0) * 0.01  # a little room after the last bar


def _try_title(t: TryInfo, t0: float) -> str:
    parts = [f"{t.task_id} try #{t.try_number}: {t.state}"]
    if t.started_at is not None:
        parts.append(f"start +{t.started_at - t0:.3f}s ({clock(t.started_at)} UTC)")
    parts.append(f"duration {duration_text(t.duration, t.started_at if t.ended_at is None else None)}")
    if t.exit_code is not None:
        parts.append(f"exit code {t.exit_code}")
    if t.error:
        parts.append(f"error: {t.error}")
    return "\n".join(parts)


def gantt(detail: RunDetail, now: float | None = None) -> str:
    """The timeline as an inline SVG element (no xmlns needed inside HTML)."""
    now = time.time() if now is None else now
    t0, t1 = _bounds(detail, now)
    span = t1 - t0
    longest = max((len(t.task_id) for t in detail.tasks), default=4)
    label_w = int(min(300, max(120, 7.4 * min(longest, 38) + 28)))
    plot_w = WIDTH - label_w - RIGHT
    height = AXIS + ROW * max(1, len(detail.tasks)) + 8

    def x(ts: float) -> float:
        return label_w + (ts - t0) / span * plot_w

    out = [
        f'<svg class="gantt" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="Gantt chart of the tries of run {_e(detail.run.run_id)}">'
    ]
    step = _nice_step(span)
    ticks = int(span / step + 1e-9)
    bottom = AXIS + ROW * max(1, len(detail.tasks))
    for i in range(ticks + 1):
        tx = x(t0 + i * step)
        out.append(f'<line x1="{tx:.1f}" y1="{AXIS - 6}" x2="{tx:.1f}" y2="{bottom}" stroke="#e9ecef"/>')
        anchor = "start" if i == 0 else "middle"
        out.append(f'<text x="{tx:.1f}" y="{AXIS - 12}" font-size="11" fill="#868e96" '
                   f'text-anchor="{anchor}">{_e(_tick_label(i * step, step))}</text>')
    events_by_task: dict[str, list[EventInfo]] = {}
    for event in detail.events:
        if event.kind == "sla_missed" and event.task_id:
            events_by_task.setdefault(event.task_id, []).append(event)
    for row, task in enumerate(detail.tasks):
        top = AXIS + row * ROW
        mid = top + ROW / 2
        if row % 2 == 0:
            out.append(f'<rect x="0" y="{top}" width="{WIDTH}" height="{ROW}" fill="#f8f9fa"/>')
        room = 38 if len(task.tries) < 2 else 34
        name = task.task_id if len(task.task_id) <= room else task.task_id[: room - 1] + "…"
        out.append(f'<text x="8" y="{mid + 4:.1f}" font-size="13" fill="#343a40">'
                   f'<title>{_e(task.task_id)}: {_e(task.state)}</title>{_e(name)}</text>')
        if len(task.tries) > 1:
            out.append(f'<text x="{label_w - 8}" y="{mid + 4:.1f}" font-size="11" fill="#868e96" '
                       f'text-anchor="end"><title>{len(task.tries)} tries</title>&#215;{len(task.tries)}</text>')
        out += _task_marks(task, x, top, t0, t1)
        for event in events_by_task.get(task.task_id, []):
            fx = x(event.ts)
            out.append(
                f'<g class="sla-flag"><title>{_e(task.task_id)}: SLA missed '
                f'(+{event.ts - t0:.3f}s; {_e(payload_text(event.payload))})</title>'
                f'<line x1="{fx:.1f}" y1="{top + 2}" x2="{fx:.1f}" y2="{top + ROW - 2}" stroke="{SLA_COLOR}" '
                f'stroke-width="2"/><path d="M{fx:.1f},{top + 2} l9,4 l-9,4 z" fill="{SLA_COLOR}"/></g>'
            )
    out.append(f'<line x1="{label_w}" y1="{AXIS - 6}" x2="{label_w}" y2="{bottom}" stroke="#ced4da"/>')
    out.append("</svg>")
    return "\n".join(out)


def _task_marks(task: TaskInfo, x: Any, top: float, t0: float, t1: float) -> list[str]:
    out = []
    y = top + (ROW - BAR) / 2
    for t in task.tries:
        if t.started_at is None:
            continue
        start = x(t.started_at)
        end = x(t.ended_at if t.ended_at is not None else t1)
        width = max(3.0, end - start)
        color = COLORS.get(t.state, "#868e96")
        out.append(
            f'<g class="try" data-task="{_e(t.task_id)}" data-try="{t.try_number}" data-state="{_e(t.state)}">'
            f"<title>{_e(_try_title(t, t0))}</title>"
            f'<rect x="{start:.1f}" y="{y:.1f}" width="{width:.1f}" height="{BAR}" rx="3" fill="{color}"/>'
        )
        if width >= 26:
            out.append(f'<text x="{start + 5:.1f}" y="{y + BAR - 4:.1f}" font-size="11" fill="#fff" '
                       f'font-weight="600">#{t.try_number}</text>')
        out.append("</g>")
    if not task.tries and task.state in ("skipped", "upstream_failed"):
        at = x(task.ended_at if task.ended_at is not None else t1)
        color = COLORS[task.state]
        left = at + 9 + 7 * len(task.state) < WIDTH - 4  # the label fits right of the marker
        out.append(
            f'<g class="never-ran" data-task="{_e(task.task_id)}" data-state="{_e(task.state)}">'
            f"<title>{_e(task.task_id)}: {_e(task.state)}</title>"
            f'<rect x="{at - 5:.1f}" y="{y + 2:.1f}" width="10" height="{BAR - 4}" rx="2" fill="#fff" '
            f'stroke="{color}" stroke-width="2" stroke-dasharray="3 2"/>'
            f'<text x="{at + 9 if left else at - 9:.1f}" y="{y + BAR - 4:.1f}" font-size="11" fill="{color}" '
            f'text-anchor="{"start" if left else "end"}">{_e(task.state)}</text></g>'
        )
    elif not task.tries:
        out.append(f'<text x="{x(t0) + 4:.1f}" y="{y + BAR - 4:.1f}" font-size="11" fill="#868e96">'
                   f"{_e(task.state)}</text>")
    return out


# -- tables ---------------------------------------------------------------------------------------


def _table(headers: list[str], rows: list[str], extra: str = "") -> str:
    head = "".join(f"<th>{h}</th>" for h in headers) + extra
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _error_cell(error: str | None) -> str:
    return f'<td><pre class="err">{_e(error)}</pre></td>' if error else "<td></td>"


def _tasks_table(detail: RunDetail) -> str:
    rows = []
    for t in detail.tasks:
        sla = html_badges(t)
        rows.append(
            f'<tr><td class="mono">{_e(t.task_id)}</td><td class="nowrap">{_badge(t.state)}{sla}</td>'
            f'<td class="num">{len(t.tries)}</td><td class="nowrap">{_e(clock(t.started_at))}</td>'
            f'<td class="num">{_e(duration_text(t.duration))}</td>'
            f'<td class="num">{"" if t.exit_code is None else t.exit_code}</td>{_error_cell(t.error)}</tr>'
        )
    return _table(["Task", "State", "Tries", "Started (UTC)", "Duration", "Exit", "Error"], rows)


def _tries_table(detail: RunDetail) -> str:
    rows = []
    for t in detail.tries:
        rows.append(
            f'<tr><td class="mono">{_e(t.task_id)}</td><td class="num">#{t.try_number}</td>'
            f'<td>{_badge(t.state)}</td><td class="nowrap">{_e(clock(t.started_at))}</td>'
            f'<td class="nowrap">{_e(clock(t.ended_at))}</td>'
            f'<td class="num">{_e(duration_text(t.duration, t.started_at if t.ended_at is None else None))}</td>'
            f'<td class="num">{"" if t.exit_code is None else t.exit_code}</td>{_error_cell(t.error)}</tr>'
        )
    if not rows:
        return '<p class="muted">No task was started.</p>'
    return _table(["Task", "Try", "State", "Started (UTC)", "Ended (UTC)", "Duration", "Exit", "Error"], rows)


def _metrics_table(metrics: list[MetricInfo]) -> str:
    if not metrics:
        return ('<p class="muted">No metrics recorded. A bash or python task records one for every numeric '
                "top-level field of a JSON object it prints on a line of its stdout.</p>")
    largest: dict[str, float] = {}
    for m in metrics:
        largest[m.name] = max(largest.get(m.name, 0.0), abs(m.value))
    compare = len(largest) < len(metrics)  # a bar only helps next to values of the same name
    rows = []
    for m in metrics:
        bar = ""
        if compare:
            share = abs(m.value) / largest[m.name] * 100 if largest[m.name] else 0.0
            bar = (f'<td><div class="bar" title="{_e(m.name)}: {_e(value_text(m.value))} of at most '
                   f'{_e(value_text(largest[m.name]))}"><i style="width:{share:.1f}%"></i></div></td>')
        rows.append(
            f'<tr><td class="mono">{_e(m.task_id)}</td><td class="num">#{m.try_number}</td>'
            f'<td class="mono">{_e(m.name)}</td><td class="num">{_e(value_text(m.value))}</td>{bar}</tr>'
        )
    extra = '<th style="width:35%">Compared with the largest value of the same name</th>' if compare else ""
    return _table(["Task", "Try", "Metric", "Value"], rows, extra)


def _events_table(detail: RunDetail) -> str:
    if not detail.events:
        return '<p class="muted">No events.</p>'
    rows = []
    for e in detail.events:
        kind = f'<span class="badge sla">{_e(e.kind)}</span>' if e.kind == "sla_missed" else _e(e.kind)
        rows.append(
            f'<tr><td class="nowrap">{_e(clock(e.ts))}</td><td class="nowrap">{kind}</td>'
            f'<td class="mono">{_e(e.task_id or "")}</td><td class="mono">{_e(payload_text(e.payload))}</td></tr>'
        )
    return _table(["Time (UTC)", "Event", "Task", "Details"], rows)


# -- the page ---------------------------------------------------------------------------------------


def _facts(detail: RunDetail) -> str:
    run = detail.run
    counts = Counter(task.state for task in detail.tasks)  # in the order the states first appear
    summary = ", ".join(f"{n} {state}" for state, n in counts.items()) or "none"
    items = [
        ("Run id", run.run_id),
        ("Logical date", run.logical_date),
        ("Started (UTC)", clock(run.started_at)),
        ("Ended (UTC)", clock(run.ended_at)),
        ("Duration", duration_text(run.duration, run.started_at if run.live else None)),
        (f"Tasks ({len(detail.tasks)})", summary),
        ("Tries", str(len(detail.tries))),
        ("SLA misses", str(sum(1 for e in detail.events if e.kind == "sla_missed"))),
    ]
    if run.params:
        items.append(("Params", json.dumps(run.params, default=str)))
    if run.workflow_path:
        items.append(("Workflow", run.workflow_path))
    cells = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in items)
    return f'<dl class="facts">{cells}</dl>'


def _legend() -> str:
    items = [f'<span><i class="swatch" style="background:{COLORS[s]}"></i>{_e(s)}</span>' for s in LEGEND]
    items.append('<span><i class="swatch" style="background:#fff;border:2px dashed #868e96"></i>never ran</span>')
    items.append('<span><i class="flag"></i>SLA missed</span>')
    return f'<div class="legend">{"".join(items)}</div>'


def render_report(detail: RunDetail, now: float | None = None) -> str:
    """The whole HTML document."""
    run = detail.run
    title = f"{run.dag_id} · {run.run_id}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="flowrun">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{_e(run.dag_id)} {_badge(run.shown_state)}</h1>
<div class="sub mono">{_e(run.run_id)}</div>
{_facts(detail)}
</header>
<section>
<h2>Timeline</h2>
{_legend()}
<div class="chart">
{gantt(detail, now)}
</div>
</section>
<section>
<h2>Tasks</h2>
{_tasks_table(detail)}
</section>
<section>
<h2>Metrics</h2>
{_metrics_table(detail.metrics)}
</section>
<section>
<h2>Tries</h2>
{_tries_table(detail)}
</section>
<section>
<h2>Events</h2>
{_events_table(detail)}
</section>
<footer>Written by flowrun runs report from {_e(detail.state_path)} at {_e(clock(time.time()))} UTC.
Times on the chart are relative to the start of the run.</footer>
</body>
</html>
"""
