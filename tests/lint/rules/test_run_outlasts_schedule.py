"""FR408 run-outlasts-schedule (runner/lint/rules/run_outlasts_schedule.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from runner.findings import Finding
from runner.lint.rules.run_outlasts_schedule import shortest_interval

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR408 run-outlasts-schedule ------------------------------------------------------------------


def scheduled(schedule: str, tasks: str) -> str:
    return f"dagId: d\nschedule: \"{schedule}\"\ntasks:\n{tasks}"


EXPORT = """\
  - taskId: export
    operator: bash
    timeout: {execution: 40m}
    retryPolicy: {maxRetries: 1, retryDelay: 5m}
    params: {command: ./export.sh}
"""


def test_fr408_hourly_run_that_can_last_85_minutes(lint: Lint, findings: Findings) -> None:
    text = scheduled("@hourly", EXPORT)
    assert lint(text, "FR408") == [(2, 11, "FR408")]
    message = findings(text, "FR408")[0].message
    assert "1h25m" in message and "1h00m" in message and "export" in message


def test_fr408_every_two_hours_is_enough(lint: Lint) -> None:
    assert lint(scheduled("0 */2 * * *", EXPORT), "FR408") == []


def test_fr408_critical_path_adds_up(lint: Lint, findings: Findings) -> None:
    tasks = """\
  - {taskId: a, operator: bash, timeout: {execution: 25m}, params: {command: ./a.sh}}
  - {taskId: b, operator: bash, timeout: {execution: 10m}, dependencies: [a], params: {command: ./b.sh}}
  - {taskId: c, operator: bash, timeout: {execution: 30m}, dependencies: [a], params: {command: ./c.sh}}
  - {taskId: d, operator: dummy, dependencies: [b, c]}
"""
    # a -> c is 55m; with d (no timeout, no process) the path stops there
    assert lint(scheduled("@hourly", tasks), "FR408") == []
    slower = tasks.replace("execution: 30m", "execution: 40m")
    assert lint(scheduled("@hourly", slower), "FR408") == [(2, 11, "FR408")]
    assert "a -> c" in findings(scheduled("@hourly", slower), "FR408")[0].message


def test_fr408_a_task_without_timeout_breaks_the_path(lint: Lint) -> None:
    tasks = """\
  - {taskId: a, operator: bash, timeout: {execution: 40m}, params: {command: ./a.sh}}
  - {taskId: b, operator: bash, dependencies: [a], params: {command: ./b.sh}}
  - {taskId: c, operator: bash, timeout: {execution: 40m}, dependencies: [b], params: {command: ./c.sh}}
"""
    assert lint(scheduled("@hourly", tasks), "FR408") == []


def test_fr408_defaults_backoff_and_cap_are_counted(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        schedule: "*/30 * * * *"
        defaults:
          timeout: {execution: 5m}
          retryPolicy: {maxRetries: 3, retryDelay: 2m, exponentialBackoff: true, maxRetryDelay: 5m}
        tasks:
          - {taskId: a, operator: bash, params: {command: ./a.sh}}
        """
    # 4 tries x 5m + waits of 2m, 4m and 5m (capped) = 31m > 30m
    assert lint(text, "FR408") == [(2, 11, "FR408")]
    assert "31m00s" in findings(text, "FR408")[0].message
    assert lint(text.replace("maxRetryDelay: 5m", "maxRetryDelay: 3m"), "FR408") == []


def test_fr408_the_shortest_gap_of_an_irregular_cron_counts(lint: Lint) -> None:
    tasks = EXPORT.replace("retryPolicy: {maxRetries: 1, retryDelay: 5m}", "retryPolicy: {maxRetries: 0}").replace("40m", "90m")
    assert lint(scheduled("0 9,10 * * *", tasks), "FR408") == [(2, 11, "FR408")]
    assert lint(scheduled("0 9,18 * * *", tasks), "FR408") == []
    assert shortest_interval("0 9,10 * * *") == 3600
    assert shortest_interval("@daily") == 86400


def test_fr408_manual_or_invalid_schedules_pass(lint: Lint) -> None:
    assert lint(f"dagId: d\nschedule: null\ntasks:\n{EXPORT}", "FR408") == []
    assert lint(f"dagId: d\ntasks:\n{EXPORT}", "FR408") == []
    assert lint(scheduled("61 * * * *", EXPORT), "FR408") == []
