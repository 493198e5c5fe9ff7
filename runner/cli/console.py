"""What `flowrun run` shows: plain lines (or JSON lines), a live status line on a terminal,
and a summary table at the end."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TextIO

from runner.durations import format_seconds
from runner.escapes import printable
from runner.history.text import iso, table
from runner.run.engine import RunEvent
from runner.run.session import RunResult
from runner.run.states import FAILED, FINAL


class RunConsole:
    """The lines `flowrun run` writes as its events arrive (text or JSON), and on a terminal a
    status line under them: tasks done, failed and running."""

    def __init__(self, dag_id: str, log_format: str = "text", stream: TextIO | None = None) -> None:
        self.dag_id = dag_id
        self.run_id = ""
        self.format = log_format
        self.out = stream or sys.stdout
        self.live = self.format == "text" and self.out.isatty()
        self.running: set[str] = set()
        self.done = 0
        self.failed = 0
        self.status_shown = False

    def __call__(self, event: RunEvent) -> None:
        if event.event == "run_started" and event.message:
            self.run_id = event.message
        if self.format == "json":
            record: dict[str, object] = {
                "event": event.event, "dag_id": self.dag_id, "run_id": self.run_id, "task_id": event.task_id,
                "try_number": event.try_number, "state": event.state,
                "ts": iso(time.time()),  # RFC 3339, milliseconds, Z: as `runs show --format json`
            }
            if event.message:
                record["message"] = event.message
            if "log" in event.extra:
                record["log"] = event.extra["log"]
            if event.duration is not None:
                record["duration"] = round(event.duration, 3)
            self.out.write(json.dumps(record) + "\n")
            self.out.flush()
            return
        if event.event == "run_finished":
            if self.status_shown:
                self.out.write("\r\x1b[K")  # the summary replaces the status line
                self.status_shown = False
                self.out.flush()
            return
        self._count(event)
        line = self._line(shown(event))
        if line:
            if self.status_shown:
                self.out.write("\r\x1b[K")
            self.out.write(line + "\n")
        if self.live:
            self.out.write(self._status())
            self.status_shown = True
        self.out.flush()

    def _count(self, event: RunEvent) -> None:
        if event.task_id is None:
            return
        if event.state == "running":
            self.running.add(event.task_id)
            return
        self.running.discard(event.task_id)
        if event.state in FINAL:
            self.done += 1
        if event.state in FAILED:
            self.failed += 1

    def _status(self) -> str:
        names = ", ".join(sorted(self.running)[:5]) + (" ..." if len(self.running) > 5 else "")
        return f"\r\x1b[K[{self.done} done, {self.failed} failed, {len(self.running)} running] {names}"

    def _line(self, event: RunEvent) -> str | None:
        stamp = time.strftime("%H:%M:%S")
        if event.event == "run_started":
            return f"{stamp} run {event.message} of '{self.dag_id}' started"
        if event.event == "run_finished":
            return None
        if event.event in ("alert", "alert_failed"):
            return f"{stamp} {printable(event.message)}"
        tries = f" (try {event.try_number})" if event.try_number else ""
        took = f" in {format_seconds(event.duration)}" if event.duration is not None else ""
        log = log_line(stamp, event)
        if event.event == "task_retry":
            delay = event.extra.get("delay", 0.0)
            return f"{stamp} {event.task_id}: failed{tries}{took}: {printable(event.message)}; retrying in {format_seconds(delay)}" + log
        if event.event == "sla_missed":
            return f"{stamp} {event.task_id}: SLA missed: {event.message}"
        if event.state == "running":
            return f"{stamp} {event.task_id}: running{tries}"
        message = f": {printable(event.message)}" if event.message else ""
        return f"{stamp} {event.task_id}: {event.state}{tries}{took}{message}" + log


def log_line(stamp: str, event: RunEvent) -> str:
    """The line after a failed try that says where its log is (relative to here when below it)."""
    path = event.extra.get("log")
    if event.event not in ("task_failed", "task_retry") or not path or not os.path.exists(path):
        return ""
    relative = os.path.relpath(path)
    shown = relative if not relative.startswith("..") else path
    return f"\n{stamp} {event.task_id}: log {printable(shown)}"


def run_summary(result: RunResult) -> str:
    """The table of tasks at the end of a run, and how to resume a run that did not succeed."""
    rows = []
    for task_id, task in result.tasks.items():
        took = format_seconds(task.duration) if task.duration is not None and task.tries else "-"
        rows.append((task_id, task.state, str(task.tries), took))
    lines = ["", *table(("task", "state", "tries", "duration"), rows), ""]
    lines.append(f"Run {result.run_id}: {result.state}")
    if result.state != "success":
        lines.append(f"Resume it with: {printable(result.resume_command) or f'flowrun run <file> --resume {result.run_id}'}")
    return "\n".join(lines) + "\n"


def shown(event: RunEvent) -> RunEvent:
    """The event with its text escaped for the terminal (runner.escapes): an error or alert
    message holds what a server or a task wrote."""
    from dataclasses import replace

    if event.message is None and event.task_id is None:
        return event
    task_id = printable(event.task_id) if event.task_id is not None else None
    return replace(event, message=printable(event.message) if event.message is not None else None, task_id=task_id)
