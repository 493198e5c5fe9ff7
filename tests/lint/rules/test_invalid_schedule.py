"""FR005 invalid-schedule (runner/lint/rules/invalid_schedule.py), on (line, column, code)
of small fixtures.

Other rules are filtered out: only the structural rules run unless a test selects
(`DEFAULT_SELECT`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import STRUCTURAL

Lint = Callable[..., list[tuple[int, int, str]]]

DEFAULT_SELECT = STRUCTURAL


# -- FR005 invalid-schedule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    ['"0 */6 * *"', '"61 * * * *"', '"@fortnightly"', '"0 0 30 2 *"', '"* * * * * *"', "'not cron'"],
)
def test_fr005_bad_schedules_point_at_the_value(lint: Lint, schedule: str) -> None:
    text = f"dagId: d\nschedule: {schedule}\ntasks:\n  - {{taskId: a, operator: dummy}}\n"
    assert lint(text) == [(2, 11, "FR005")]


@pytest.mark.parametrize("schedule", ['"0 */6 * * *"', "'@daily'", "'@hourly'", "'*/5 1-3 * * mon-fri'", "null"])
def test_fr005_good_schedules_pass(lint: Lint, schedule: str) -> None:
    text = f"dagId: d\nschedule: {schedule}\ntasks:\n  - {{taskId: a, operator: dummy}}\n"
    assert lint(text) == []


def test_fr005_timezone_and_environment_overlays(lint: Lint) -> None:
    text = """
        dagId: d
        schedule: "@daily"
        timezone: Mars/Olympus
        environments:
          production: {schedule: "0 0 * *"}
          development: {schedule: null, timezone: Europe/Berlin}
        tasks:
          - {taskId: a, operator: dummy}
        """
    assert lint(text) == [(3, 11, "FR005"), (5, 26, "FR005")]
