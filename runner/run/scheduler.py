"""`flowrun schedule`: start runs on cron ticks, never twice for one logical date.

Every workflow file under the paths is watched (re-read when its modification time changes);
a file that stops linting clean keeps its last good version and the error is reported once.
The run for tick T has logical date T and the run id `scheduled__<dagId>__<T>`, so a restarted
scheduler, or two of them, cannot create it twice (the store refuses a second insert).
Runs execute in the scheduler's nursery with the same engine as `flowrun run`, at most
`maxActiveRuns` at once per dagId, oldest tick first.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import trio

from runner.dates import parse_datetime
from runner.errors import FlowrunError, NoSuchPath, WorkflowError, is_interrupt
from runner.lint.config import LintConfig
from runner.lint.discovery import discover
from runner.model import Workflow, load_workflow
from runner.run.plan import InvalidWorkflow, Plan, compile_plan
from runner.run.session import RunOptions, RunResult, prepare, run_async, stopped_by_signals
from runner.run.store import Store, state_path

POLL = 5.0  # seconds between scans of the files while serving
MAX_CATCHUP = 1000  # missed ticks created at most per workflow and scan


@dataclass
class Entry:
    """One workflow file: its last good version, and the error of a newer broken one."""

    path: str
    mtime: float = -1.0
    workflow: Workflow | None = None
    plan: Plan | None = None
    error: str | None = None
    queue: list[datetime] = field(default_factory=list)  # due ticks not started yet


def run_id_for(dag_id: str, tick: datetime) -> str:
    return f"scheduled__{dag_id}__{tick.astimezone(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"


def workflow_zone(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(name or "UTC"))
    except (ValueError, ZoneInfoNotFoundError):
        raise FlowrunError(f"timezone '{name}' is not an IANA time zone name (e.g. Europe/Berlin, UTC)") from None


def start_date(raw: object, tz: ZoneInfo) -> datetime | None:
    """`startDate` in the workflow's zone: a date is midnight there, and so is a date-time
    written without an offset (as Airflow reads a naive start_date in the DAG's timezone)."""
    if raw is None or raw == "":
        return None
    text = str(raw)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FlowrunError(f"startDate '{text}' is not a real date or date-time (write e.g. 2026-01-31 or 2026-01-31T06:00:00+01:00)") from None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)


def due_ticks(plan: Plan, now: datetime, last: datetime | None) -> list[datetime]:
    """Ticks of the plan's schedule that need a run at `now`, oldest first."""
    from croniter import croniter

    data = plan.data
    schedule = data.get("schedule")
    if not isinstance(schedule, str):
        return []
    tz = workflow_zone(data.get("timezone"))
    start = start_date(data.get("startDate"), tz)
    local_now = now.astimezone(tz)
    latest = croniter(schedule, local_now + timedelta(seconds=1)).get_prev(datetime)
    if data.get("catchup") and (last is not None or start is not None):
        if last is not None:
            base = last.astimezone(tz)
        else:
            assert start is not None
            base = start - timedelta(seconds=1)
        it = croniter(schedule, base)
        ticks: list[datetime] = []
        while len(ticks) < MAX_CATCHUP:
            tick = it.get_next(datetime)
            if tick > local_now:
                break
            if start is None or tick >= start:
                ticks.append(tick)
        return ticks  # MAX_CATCHUP of them at most: the caller says so when the cap is hit
    if (last is None or latest > last) and (start is None or latest >= start):
        return [latest]
    return []


class Scheduler:
    def __init__(self, paths: list[str], state: str | None = None, env: str | None = None,
                 now: datetime | None = None, report: Callable[[str], None] = print) -> None:
        self.paths = paths
        self.state = state
        self.env = env
        self.fixed_now = now
        self.report = report
        self.entries: dict[str, Entry] = {}
        self.running: dict[str, set[str]] = {}  # dagId -> run ids running here
        self.results: list[RunResult] = []
        self.failures: set[str] = set()  # workflows that could not be scheduled or started
        self.store = Store(state_path(state))
        self._wake = trio.Event()

    def now(self) -> datetime:
        return self.fixed_now or datetime.now(timezone.utc)

    # -- files ------------------------------------------------------------------------------

    def scan(self) -> None:
        try:
            files = [shown for shown, _ in discover(self.paths, LintConfig()).files]  # as `flowrun lint` finds them
        except FlowrunError as exc:
            self.report(f"error: {exc}")
            return
        for path in files:
            entry = self.entries.setdefault(path, Entry(path))
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue
            if mtime == entry.mtime:
                continue
            entry.mtime = mtime
            self._load(entry)

    def _load(self, entry: Entry) -> None:
        try:
            workflow = load_workflow(entry.path)
            plan = compile_plan(workflow, self.env)
        except InvalidWorkflow as exc:
            first = exc.findings[0]
            error = f"{first.path}:{first.line}:{first.column}: {first.code} {first.message}"
        except Exception as exc:  # one workflow's error never stops the others
            error = describe(exc, entry.path)
        else:
            if entry.plan is not None and entry.error is None:
                self.report(f"reloaded {entry.path}")
            entry.workflow, entry.plan, entry.error = workflow, plan, None
            self.failures.discard(entry.path)
            return
        if error != entry.error:
            keeping = "; keeping the last good version" if entry.plan is not None else "; not scheduled"
            self.report(f"error: {error}{keeping}")
        entry.error = error
        if entry.plan is None:
            self.failures.add(entry.path)

    # -- runs -------------------------------------------------------------------------------

    def _last_tick(self, dag_id: str) -> datetime | None:
        dates = self.store.scheduled_dates(dag_id)
        return max((parse_datetime(date) for date in dates), default=None)  # offsets differ: compare parsed

    def refresh_queues(self) -> None:
        now = self.now()
        for entry in self.entries.values():
            if entry.plan is None:
                continue
            known = set(entry.queue)
            last = max(known) if known else self._last_tick(entry.plan.dag_id)
            try:
                ticks = due_ticks(entry.plan, now, last)
            except Exception as exc:  # one workflow's error never stops the others
                self._unschedulable(entry, describe(exc, entry.path))
                continue
            if len(ticks) == MAX_CATCHUP:
                self.report(f"{entry.plan.dag_id}: catch-up queued {MAX_CATCHUP} missed ticks, the most one scan "
                            "takes; the next scan queues the rest (with --once: run it again)")
            for tick in ticks:
                if tick not in known and self.store.get_run(run_id_for(entry.plan.dag_id, tick)) is None:
                    entry.queue.append(tick)

    def _unschedulable(self, entry: Entry, error: str) -> None:
        """Stop scheduling a workflow (until its file changes) and remember the failure."""
        if error != entry.error:
            self.report(f"error: {error}; not scheduled")
        entry.error, entry.plan, entry.workflow, entry.queue = error, None, None, []
        self.failures.add(entry.path)

    def start_due(self, nursery: trio.Nursery) -> None:
        for entry in self.entries.values():
            plan, workflow = entry.plan, entry.workflow
            if plan is None or workflow is None:
                continue
            mine = self.running.setdefault(plan.dag_id, set())
            while entry.queue:
                others = [r for r in self.store.live_runs(plan.dag_id) if r.run_id not in mine]
                if len(mine) + len(others) >= plan.max_active_runs:
                    break  # wait for a run to end
                tick = entry.queue.pop(0)
                run_id = run_id_for(plan.dag_id, tick)
                try:
                    run_plan, setup = prepare(workflow, RunOptions(
                        env=self.env, state=self.state, execution_date=tick.isoformat(), run_id=run_id,
                    ))
                except Exception as exc:  # one workflow's error never stops the others
                    self.report(f"error: cannot start {run_id}: {describe(exc)}")
                    self.failures.add(entry.path)
                    continue
                mine.add(run_id)
                self.report(f"started {run_id} (logical date {tick.isoformat()})")
                nursery.start_soon(self._run, run_plan, setup, mine, name=run_id)

    async def _run(self, plan: Plan, setup: Any, mine: set[str]) -> None:
        try:
            result = await run_async(plan, setup)
            self.results.append(result)
            self.report(f"finished {result.run_id}: {result.state}")
        except Exception as exc:  # one run's error never stops the others
            self.report(f"error: run {setup.run_id} stopped: {describe(exc)}")
            self.failures.add(plan.dag_id)
        finally:
            mine.discard(setup.run_id)
            self._wake.set()

    # -- loops --------------------------------------------------------------------------------

    async def once(self) -> None:
        """Start every run due now, oldest first within maxActiveRuns, and wait for all."""
        self._wake = trio.Event()
        self.scan()
        self.refresh_queues()
        async with trio.open_nursery() as nursery:
            while True:
                self.start_due(nursery)
                if not any(e.queue for e in self.entries.values()):
                    break
                if not any(self.running.values()):
                    await trio.sleep(1)  # blocked by live runs of another process
                    continue
                self._wake = trio.Event()
                await self._wake.wait()

    async def serve(self) -> None:
        """Run forever: rescan files, start due runs, sleep until the next tick or scan."""
        async with trio.open_nursery() as nursery:
            while True:
                self._wake = trio.Event()
                self.scan()
                self.refresh_queues()
                self.start_due(nursery)
                with trio.move_on_after(POLL):
                    await self._wake.wait()
                if self.fixed_now is not None:
                    self.fixed_now += timedelta(seconds=POLL)


def schedule(paths: list[str], state: str | None, env: str | None, once: bool, now: str | None,
             report: Callable[[str], None]) -> int:
    """The `flowrun schedule` command: 0 when every run it started succeeded, 1 when one failed,
    2 when a workflow could not be scheduled or started (the others still ran)."""
    for path in paths:
        if not Path(path).exists():
            raise NoSuchPath(path)
    scheduler = Scheduler(paths, state, env, parse_datetime(now) if now else None, report)

    async def main() -> bool:
        async with stopped_by_signals() as stop:
            await (scheduler.once() if once else scheduler.serve())
        return stop.cancel_called

    try:
        interrupted = trio.run(main)
    except BaseException as exc:  # Ctrl-C arrives wrapped in trio's exception groups
        if not is_interrupt(exc):
            raise
        interrupted = True
    finally:
        scheduler.store.close()
    if interrupted:
        where = "".join(f" {flag} {shlex.quote(value)}" for flag, value in (("--state", state), ("--env", env)) if value)
        report(f"stopped; unfinished runs can be resumed with flowrun run FILE --resume RUN_ID{where}")
        return 130
    if scheduler.failures:
        return 2  # after the others ran: a cron job or CI step must notice
    return 0 if all(r.state == "success" for r in scheduler.results) else 1


def describe(exc: BaseException, path: str | None = None) -> str:
    """An error in plain words: flowrun's own errors say it all; others get their kind. With
    `path`, said of that workflow file (a WorkflowError names its file and position itself)."""
    if isinstance(exc, FlowrunError):
        text = str(exc)
    else:
        text = f"unexpected error: {str(exc) or type(exc).__name__}"
    return text if path is None or isinstance(exc, WorkflowError) else f"{path}: {text}"
