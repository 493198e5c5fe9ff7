"""`flowrun schedule` driven with --once and --now (SPEC sections 4 and 5): catchup, maxActiveRuns,
restart without duplicates, and a file that breaks while the scheduler is up."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import trio

from runner.model import Workflow
from runner.run.plan import compile_plan
from runner.run.scheduler import Scheduler, due_ticks

HOURLY = """\
dagId: hourly
schedule: "0 * * * *"
startDate: "2026-11-25T06:00:00Z"
catchup: {catchup}
maxActiveRuns: {max_active}
tasks:
  - taskId: t
    operator: bash
    timeout: {{execution: 1m}}
    params: {{command: "sleep 0.3"}}
"""


def _schedule(root: Path, now: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", "schedule", "wf", "--once", "--now", now],
        cwd=root, capture_output=True, text=True, timeout=120,
    )


def _runs(root: Path) -> list[tuple[str, str, float, float]]:
    with sqlite3.connect(root / ".flowrun" / "state.db") as db:
        return db.execute("SELECT run_id, logical_date, started_at, ended_at FROM runs ORDER BY logical_date").fetchall()


def _write(root: Path, catchup: str = "true", max_active: int = 2) -> None:
    (root / "wf").mkdir(exist_ok=True)
    (root / "wf" / "hourly.yaml").write_text(HOURLY.format(catchup=catchup, max_active=max_active))


def test_catchup_creates_every_missed_tick_oldest_first_within_max_active_runs(tmp_path: Path) -> None:
    _write(tmp_path, max_active=2)
    proc = _schedule(tmp_path, "2026-11-25T10:30:00Z")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    runs = _runs(tmp_path)
    assert [r[1] for r in runs] == [f"2026-11-25T{h:02d}:00:00+00:00" for h in range(6, 11)]
    started = [line for line in proc.stdout.splitlines() if " started " in line]
    assert [s.split()[2] for s in started] == [r[0] for r in runs]  # oldest first
    # never more than 2 runs at once: at each start, count runs that overlap it
    for _, _, start, _ in runs:
        overlapping = sum(1 for _, _, s, e in runs if s <= start < e)
        assert overlapping <= 2


def test_restart_never_creates_a_run_twice(tmp_path: Path) -> None:
    _write(tmp_path)
    assert _schedule(tmp_path, "2026-11-25T08:30:00Z").returncode == 0
    assert len(_runs(tmp_path)) == 3
    again = _schedule(tmp_path, "2026-11-25T08:30:00Z")
    assert again.returncode == 0 and " started " not in again.stdout
    later = _schedule(tmp_path, "2026-11-25T09:10:00Z")
    assert later.returncode == 0
    assert [r[1][11:16] for r in _runs(tmp_path)] == ["06:00", "07:00", "08:00", "09:00"]


def test_without_catchup_only_the_latest_tick_runs(tmp_path: Path) -> None:
    _write(tmp_path, catchup="false")
    assert _schedule(tmp_path, "2026-11-25T10:30:00Z").returncode == 0
    assert [r[1] for r in _runs(tmp_path)] == ["2026-11-25T10:00:00+00:00"]


def test_due_ticks_in_the_workflow_timezone() -> None:
    plan = compile_plan(Workflow.from_dict({
        "dagId": "berlin", "schedule": "30 0 * * *", "timezone": "Europe/Berlin",
        "tasks": [{"taskId": "a", "operator": "dummy"}],
    }))
    ticks = due_ticks(plan, datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc), None)
    assert [t.isoformat() for t in ticks] == ["2026-11-25T00:30:00+01:00"]
    assert ticks[0].astimezone(timezone.utc).hour == 23  # the evening before in UTC


def test_a_file_that_breaks_keeps_its_last_good_version(tmp_path: Path) -> None:
    _write(tmp_path, catchup="false")
    lines: list[str] = []
    scheduler = Scheduler([str(tmp_path / "wf")], state=str(tmp_path / "s.db"),
                          now=datetime(2026, 11, 25, 10, 30, tzinfo=timezone.utc), report=lines.append)
    scheduler.scan()
    entry = next(iter(scheduler.entries.values()))
    assert entry.plan is not None and entry.error is None
    path = tmp_path / "wf" / "hourly.yaml"
    path.write_text(path.read_text().replace("operator: bash", "operator: bsh"))
    entry.mtime = -1  # the test's edit may land within the file system's timestamp granularity
    scheduler.scan()
    assert entry.plan is not None and entry.plan.dag_id == "hourly"  # kept
    assert entry.error is not None and "bsh" in entry.error
    assert any("keeping the last good version" in line for line in lines)

    async def once() -> None:
        await scheduler.once()

    trio.run(once)
    scheduler.store.close()
    assert [r.state for r in scheduler.results] == ["success"]  # ran with the good version


def test_broken_file_at_start_is_reported_not_scheduled(tmp_path: Path) -> None:
    (tmp_path / "wf").mkdir()
    (tmp_path / "wf" / "bad.yaml").write_text(textwrap.dedent("""\
        dagId: bad
        schedule: "@hourly"
        tasks:
          - taskId: a
            operator: dummy
            dependencies: [nope]
        """))
    proc = _schedule(tmp_path, "2026-11-25T10:30:00Z")
    assert proc.returncode == 2  # a cron job running --once must notice
    assert "bad.yaml:6:20: FR004" in proc.stdout and "not scheduled" in proc.stdout
