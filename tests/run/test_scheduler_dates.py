"""Scheduler dates and failures: a date-only `startDate` is midnight in the workflow's time zone
(on both sides of UTC and across DST changes), one workflow's error never stops the others, and
`schedule --once` exits 2 when a workflow given could not be scheduled."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from runner.model import Workflow
from runner.run.plan import compile_plan
from runner.run.scheduler import MAX_CATCHUP, Scheduler, due_ticks


def ticks(now: str, **fields: Any) -> list[str]:
    plan = compile_plan(Workflow.from_dict({
        "dagId": "d", "catchup": True, **fields, "tasks": [{"taskId": "a", "operator": "dummy"}],
    }))
    return [t.isoformat() for t in due_ticks(plan, datetime.fromisoformat(now), None)]


def test_a_date_is_midnight_in_the_workflow_zone_east_of_utc() -> None:
    # 00:00 in Berlin is 23:00 UTC the day before: parsing the date as UTC midnight skipped it
    assert ticks("2026-12-03T12:00:00+01:00", schedule="@daily", timezone="Europe/Berlin",
                 startDate="2026-12-03") == ["2026-12-03T00:00:00+01:00"]


def test_a_date_is_midnight_in_the_workflow_zone_west_of_utc() -> None:
    # UTC midnight is 19:00 the day before in New York: the 20:00 tick of Dec 2 must not run
    assert ticks("2026-12-04T02:00:00+00:00", schedule="0 20 * * *", timezone="America/New_York",
                 startDate="2026-12-03") == ["2026-12-03T20:00:00-05:00"]


@pytest.mark.parametrize(("zone", "start", "now", "expected"), [
    # Berlin springs forward on 2026-03-29: the first midnight is +01:00, the next +02:00
    ("Europe/Berlin", "2026-03-29", "2026-03-30T12:00:00+00:00",
     ["2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"]),
    # New York falls back on 2026-11-01
    ("America/New_York", "2026-11-01", "2026-11-02T12:00:00+00:00",
     ["2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00"]),
    # far east and far west of UTC
    ("Pacific/Auckland", "2026-12-03", "2026-12-03T12:00:00+00:00",
     ["2026-12-03T00:00:00+13:00", "2026-12-04T00:00:00+13:00"]),
    ("Pacific/Honolulu", "2026-12-03", "2026-12-04T12:00:00+00:00",
     ["2026-12-03T00:00:00-10:00", "2026-12-04T00:00:00-10:00"]),
])
def test_daily_ticks_across_dst_and_on_both_sides_of_utc(zone: str, start: str, now: str, expected: list[str]) -> None:
    assert ticks(now, schedule="@daily", timezone=zone, startDate=start) == expected


def test_a_date_time_without_offset_is_in_the_workflow_zone() -> None:
    assert ticks("2026-12-02T22:30:00+00:00", schedule="0 * * * *", timezone="Asia/Tokyo",
                 startDate="2026-12-03T06:00:00") == ["2026-12-03T06:00:00+09:00", "2026-12-03T07:00:00+09:00"]


def test_a_date_time_with_an_offset_keeps_it() -> None:
    assert ticks("2026-12-03T08:30:00+00:00", schedule="0 * * * *", timezone="Europe/Berlin",
                 startDate="2026-12-03T06:00:00Z") == ["2026-12-03T07:00:00+01:00", "2026-12-03T08:00:00+01:00",
                                                        "2026-12-03T09:00:00+01:00"]


GOOD = """\
dagId: good
schedule: "@daily"
startDate: "2026-12-01"
catchup: false
tasks:
  - taskId: a
    operator: dummy
"""


def schedule_once(root: Path, now: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", "schedule", "wf", "--once", "--now", now],
                          cwd=root, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("bad", [
    'startDate: "2026-02-30"',       # a date the calendar does not have
    "timezone: Mars/Olympus_Mons",   # a zone zoneinfo does not know
])
def test_one_unschedulable_workflow_never_stops_the_others(tmp_path: Path, bad: str) -> None:
    (tmp_path / "wf").mkdir()
    (tmp_path / "wf" / "a_bad.yaml").write_text(GOOD.replace("dagId: good", "dagId: bad").replace(
        'startDate: "2026-12-01"', bad))
    (tmp_path / "wf" / "b_good.yaml").write_text(GOOD)
    proc = schedule_once(tmp_path, "2026-12-04T12:00:00Z")
    out = proc.stdout + proc.stderr
    assert "finished scheduled__good__20261204T000000Z: success" in out
    assert "a_bad.yaml" in out and "not scheduled" in out
    assert "internal error" not in out and "Traceback" not in out
    assert proc.returncode == 2


def test_once_exits_2_for_an_invalid_cron_after_running_the_others(tmp_path: Path) -> None:
    (tmp_path / "wf").mkdir()
    (tmp_path / "wf" / "a_bad.yaml").write_text(GOOD.replace("dagId: good", "dagId: bad").replace('"@daily"', '"61 * * * *"'))
    (tmp_path / "wf" / "b_good.yaml").write_text(GOOD)
    proc = schedule_once(tmp_path, "2026-12-04T12:00:00Z")
    assert "finished scheduled__good__20261204T000000Z: success" in proc.stdout
    assert "a_bad.yaml:2:11: FR005" in proc.stdout
    assert proc.returncode == 2


def test_the_catch_up_cap_is_said_when_hit(tmp_path: Path) -> None:
    (tmp_path / "wf").mkdir()
    (tmp_path / "wf" / "m.yaml").write_text(textwrap.dedent("""\
        dagId: minutely
        schedule: "* * * * *"
        startDate: "2026-12-01"
        catchup: true
        tasks:
          - taskId: a
            operator: dummy
        """))
    lines: list[str] = []
    scheduler = Scheduler([str(tmp_path / "wf")], state=str(tmp_path / "s.db"),
                          now=datetime(2026, 12, 4, tzinfo=timezone.utc), report=lines.append)
    scheduler.scan()
    scheduler.refresh_queues()
    scheduler.store.close()
    entry = next(iter(scheduler.entries.values()))
    assert len(entry.queue) == MAX_CATCHUP
    assert entry.queue[0].isoformat() == "2026-12-01T00:00:00+00:00"  # oldest first
    assert any(f"catch-up queued {MAX_CATCHUP} missed ticks" in line for line in lines)
