"""The engine with real processes and a real state file: retries and backoff (on trio's
MockClock), timeouts that leave no process behind, SLA, concurrency, queues, resources,
priority, and the Python API."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import trio.testing
from runner_helpers import (
    assert_no_survivor,
    events,
    flowrun,
    intervals,
    kill_marked,
    marker,
    max_overlap,
    query,
    run_api,
    survivors,
    timed_command,
    tries,
    write_workflow,
)

from runner import Workflow, run_workflow
from runner.model import RetryPolicy
from runner.run.executors.local import GRACE

# -- retries and backoff --------------------------------------------------------------------------

ALWAYS_FAILS = """
dagId: retries
tasks:
  - taskId: flaky
    operator: bash
    params: {command: "echo try {{ try_number }}; exit 7"}
    retryPolicy:
      maxRetries: 3
      retryDelay: 10s
      exponentialBackoff: true
      backoffMultiplier: 2
      maxRetryDelay: 30s
"""


def test_exponential_backoff_capped_on_a_mock_clock(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_api(tmp_path, ALWAYS_FAILS, clock=trio.testing.MockClock(autojump_threshold=0))
    elapsed = time.monotonic() - started
    db = tmp_path / "s.db"
    retry_events = events(db, "task_retry", result.run_id)
    assert [e["payload"]["delay"] for e in retry_events] == [10, 20, 30]
    assert [e["payload"]["try_number"] for e in retry_events] == [1, 2, 3]
    rows = tries(db, "flaky")
    assert [r["try_number"] for r in rows] == [1, 2, 3, 4]
    assert all(r["state"] == "failed" and r["exit_code"] == 7 for r in rows)
    assert len(events(db, "task_failed", result.run_id)) == 1
    assert result.tasks["flaky"].state == "failed"
    assert result.tasks["flaky"].tries == 4
    assert result.state == "failed"
    # 60 s of retry delays took (much) less than that: the mock clock jumped over them
    assert elapsed < 30
    # each try rendered its own try_number into its log
    logs = sorted((tmp_path / "logs" / "retries" / result.run_id / "flaky").glob("*.log"))
    assert [p.name for p in logs] == ["1.log", "2.log", "3.log", "4.log"]
    assert "try 3" in logs[2].read_text()


def test_retry_that_succeeds(tmp_path: Path) -> None:
    # fails on tries 1 and 2, succeeds on try 3; constant delay of 5 s
    result = run_api(tmp_path, """
        dagId: recovers
        tasks:
          - taskId: t
            operator: bash
            params: {command: "test {{ try_number }} -ge 3 && echo fine"}
            retryPolicy: {maxRetries: 5, retryDelay: 5s}
          - {taskId: after, operator: dummy, dependencies: [t]}
    """, clock=trio.testing.MockClock(autojump_threshold=0))
    retry_events = events(tmp_path / "s.db", "task_retry", result.run_id)
    assert [e["payload"]["delay"] for e in retry_events] == [5, 5]
    assert result.tasks["t"].state == "success"
    assert result.tasks["t"].tries == 3
    assert result.tasks["t"].output == "fine"
    assert result.tasks["after"].state == "success"
    assert result.state == "success"


def test_jittered_delays_stay_in_bounds_in_a_run(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: jitter
        tasks:
          - taskId: t
            operator: bash
            params: {command: "exit 1"}
            retryPolicy: {maxRetries: 4, retryDelay: 10s, jitter: 0.5}
    """, clock=trio.testing.MockClock(autojump_threshold=0))
    delays = [e["payload"]["delay"] for e in events(tmp_path / "s.db", "task_retry", result.run_id)]
    assert len(delays) == 4
    assert all(5.0 <= d <= 15.0 for d in delays), delays


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (RetryPolicy(delay=10), [10, 10, 10, 10]),
        (RetryPolicy(delay=10, exponential=True), [10, 20, 40, 80]),
        (RetryPolicy(delay=10, exponential=True, multiplier=3, max_delay=50), [10, 30, 50, 50]),
        (RetryPolicy(delay=10, max_delay=4), [4, 4, 4, 4]),
        (RetryPolicy(delay=0, exponential=True), [0, 0, 0, 0]),
    ],
)
def test_delay_for_without_jitter(policy: RetryPolicy, expected: list[float]) -> None:
    assert [policy.delay_for(n) for n in (1, 2, 3, 4)] == pytest.approx(expected)
    assert [policy.delay_for(n, rand=0.0) for n in (1, 2, 3, 4)] == pytest.approx(expected)


def test_delay_for_with_jitter_bounds() -> None:
    policy = RetryPolicy(delay=10, exponential=True, multiplier=2, max_delay=30, jitter=0.25)
    for try_number, base in ((1, 10), (2, 20), (3, 30), (4, 30)):
        low = policy.delay_for(try_number, rand=0.0)
        mid = policy.delay_for(try_number, rand=0.5)
        high = policy.delay_for(try_number, rand=0.999999)
        assert low == pytest.approx(base * 0.75)
        assert mid == pytest.approx(base)
        assert high == pytest.approx(base * 1.25, rel=1e-5)
        for i in range(100):
            assert base * 0.75 <= policy.delay_for(try_number, rand=i / 100) <= base * 1.25
    # jitter 1: anywhere from 0 to twice the delay, never negative
    full = RetryPolicy(delay=10, jitter=1.0)
    assert full.delay_for(1, rand=0.0) == 0.0
    assert all(0.0 <= full.delay_for(1, rand=i / 10) < 20.0 for i in range(10))


# -- timeouts and process groups ------------------------------------------------------------------


def test_execution_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    mark = marker()
    try:
        result = run_api(tmp_path, f"""
            dagId: timeout
            tasks:
              - taskId: slow
                operator: bash
                params:
                  command: "(exec -a {mark} sleep 300) & (exec -a {mark} sleep 300) & echo started > started.txt; wait"
                timeout: {{execution: 2s}}
        """)
        assert (tmp_path / "started.txt").exists()  # the background sleeps were there
        assert_no_survivor(mark)
        row = tries(tmp_path / "s.db", "slow")[0]
        assert row["state"] == "failed"
        assert "timed out" in row["error"]
        assert result.tasks["slow"].state == "failed"
        assert "timed out" in (result.tasks["slow"].error or "")
        assert result.state == "failed"
    finally:
        kill_marked(mark)


def test_background_jobs_of_a_finished_task_are_killed_or_given_up(tmp_path: Path) -> None:
    """After the leader exits, its background jobs get SIGTERM; one that ignores it gets SIGKILL
    after the grace; a process that left the group (and holds the pipe) is given up a second
    later, not waited for. (The leaders wait until their jobs are set up: a SIGTERM that came
    before the `trap` or the `setsid` would end them early.)"""
    plain, stubborn, escaped = marker(), marker(), marker()
    escape = f"{sys.executable} -c 'import os, time; os.setsid(); open(\"escaped.ready\", \"w\").close(); time.sleep(300)'"
    try:
        started = time.monotonic()
        result = run_api(tmp_path, f"""
            dagId: leftovers
            tasks:
              - taskId: plain
                operator: bash
                params: {{command: "(exec -a {plain} sleep 300) & echo done"}}
              - taskId: stubborn
                operator: bash
                params:
                  command: |
                    (trap '' TERM; touch stubborn.ready; exec -a {stubborn} sleep 300) &
                    until [ -e stubborn.ready ]; do sleep 0.01; done; echo done
              - taskId: escaped
                operator: bash
                params:
                  command: |
                    {escape} {escaped} &
                    until [ -e escaped.ready ]; do sleep 0.01; done; echo done
        """)
        elapsed = time.monotonic() - started
        for task in ("plain", "stubborn", "escaped"):
            assert (result.tasks[task].state, result.tasks[task].output) == ("success", "done"), task
        assert_no_survivor(plain)
        assert_no_survivor(stubborn)
        assert GRACE <= elapsed < GRACE + 30  # waited for the grace (and a second), not for the sleeps
    finally:
        for mark in (plain, stubborn, escaped):
            kill_marked(mark)


def test_task_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    mark = marker()
    try:
        started = time.monotonic()
        result = run_api(tmp_path, f"""
            dagId: stubborn
            tasks:
              - taskId: t
                operator: bash
                params: {{command: "trap '' TERM; (exec -a {mark} sleep 300) & wait; wait; wait"}}
                timeout: {{execution: 1500ms}}
        """)
        elapsed = time.monotonic() - started
        assert_no_survivor(mark)
        assert result.tasks["t"].state == "failed"
        assert "timed out" in (result.tasks["t"].error or "")
        assert elapsed >= GRACE  # SIGTERM was ignored: only the SIGKILL after the grace ended it
    finally:
        kill_marked(mark)


# -- SLA ------------------------------------------------------------------------------------------


def test_sla_missed_is_recorded_once_and_the_task_goes_on(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: sla
        tasks:
          - taskId: late
            operator: bash
            params: {command: "sleep 1; echo finished"}
            timeout: {sla: 200ms}
          - taskId: punctual
            operator: bash
            params: {command: "echo quick"}
            timeout: {sla: 30s}
    """)
    missed = events(tmp_path / "s.db", "sla_missed", result.run_id)
    assert [e["task_id"] for e in missed] == ["late"]
    assert missed[0]["payload"]["sla"] == pytest.approx(0.2)
    assert result.tasks["late"].state == "success"
    assert result.tasks["late"].output == "finished"
    assert result.tasks["punctual"].state == "success"
    assert result.state == "success"


def test_sla_covers_retries_and_fires_once(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: sla_retries
        tasks:
          - taskId: t
            operator: bash
            params: {command: "exit 1"}
            retryPolicy: {maxRetries: 3, retryDelay: 10s}
            timeout: {sla: 15s}
    """, clock=trio.testing.MockClock(autojump_threshold=0))
    assert len(events(tmp_path / "s.db", "sla_missed", result.run_id)) == 1
    assert result.tasks["t"].tries == 4


# -- concurrency, queues, resources, priority -----------------------------------------------------


def _timed_tasks(names: list[str], extra: str = "") -> str:
    lines = []
    for name in names:
        lines.append(f"  - taskId: {name}\n    operator: bash\n    params: {{command: '{timed_command(f'spans/{name}.txt')}'}}\n{extra}")
    return "\n".join(lines)


def test_concurrency_limit(tmp_path: Path) -> None:
    (tmp_path / "spans").mkdir()
    names = [f"t{i:02d}" for i in range(12)]
    result = run_api(tmp_path, "dagId: conc\nconcurrency: 3\ntasks:\n" + _timed_tasks(names))
    assert result.state == "success"
    spans = intervals(tmp_path / "spans")
    assert sorted(spans) == names
    assert max_overlap(list(spans.values())) <= 3
    # the engine's own record agrees
    rows = tries(tmp_path / "s.db")
    assert max_overlap([(r["started_at"], r["ended_at"]) for r in rows]) <= 3


def test_queue_limit(tmp_path: Path) -> None:
    (tmp_path / "spans").mkdir()
    queued = [f"q{i}" for i in range(4)]
    free = [f"f{i}" for i in range(3)]
    text = (
        "dagId: queues\nconcurrency: 10\nqueues:\n  serial: {concurrency: 1}\ntasks:\n"
        + _timed_tasks(queued, "    queue: serial\n") + "\n" + _timed_tasks(free)
    )
    result = run_api(tmp_path, text)
    assert result.state == "success"
    spans = intervals(tmp_path / "spans")
    assert max_overlap([spans[q] for q in queued]) == 1


def test_resources_fit_the_capacity(tmp_path: Path) -> None:
    (tmp_path / "spans").mkdir()
    names = ["a", "b", "c"]
    result = run_api(
        tmp_path, "dagId: res\ntasks:\n" + _timed_tasks(names, "    resources: {cpu: 2}\n"), capacity="cpu=3"
    )
    assert result.state == "success"
    assert max_overlap(list(intervals(tmp_path / "spans").values())) == 1


def test_task_that_can_never_fit_is_refused_before_anything_starts(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, """
        dagId: toobig
        tasks:
          - {taskId: small, operator: bash, params: {command: "touch small_ran"}}
          - {taskId: big, operator: bash, params: {command: "touch big_ran"}, resources: {cpu: 4}, dependencies: [small]}
    """)
    proc = flowrun(tmp_path, "run", str(path), "--capacity", "cpu=2")
    assert proc.returncode == 2, proc.stderr
    assert "big" in proc.stderr and "cpu" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "small_ran").exists()
    state = tmp_path / ".flowrun" / "state.db"
    if state.exists():
        assert query(state, "SELECT * FROM tasks") == []
        assert query(state, "SELECT * FROM tries") == []


def test_priority_then_file_order(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: prio
        concurrency: 1
        tasks:
          - {taskId: a, operator: bash, params: {command: "true"}}
          - {taskId: b, operator: bash, params: {command: "true"}, priority: 5}
          - {taskId: c, operator: bash, params: {command: "true"}, priority: 5}
          - {taskId: d, operator: bash, params: {command: "true"}, priority: -1}
          - {taskId: e, operator: bash, params: {command: "true"}, priority: 10}
          - {taskId: f, operator: bash, params: {command: "true"}}
          - {taskId: g, operator: bash, params: {command: "true"}, priority: 7, dependencies: [e]}
    """)
    assert result.state == "success"
    rows = tries(tmp_path / "s.db")
    # g becomes ready after e and outranks everything still waiting
    assert [r["task_id"] for r in rows] == ["e", "g", "b", "c", "a", "f", "d"]
    starts = [r["started_at"] for r in rows]
    ends = [r["ended_at"] for r in rows]
    assert all(ends[i] <= starts[i + 1] for i in range(len(rows) - 1))  # one at a time


# -- Python API -----------------------------------------------------------------------------------


def test_python_api_run_workflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    wf = Workflow.from_dict({
        "dagId": "api",
        "params": {"n": {"type": "integer", "default": 1}},
        "tasks": [
            {"taskId": "double", "operator": "python", "params": {"pythonCode": "print({{ params.n }} * 2)"}},
            {"taskId": "shout", "operator": "bash", "dependencies": ["double"],
             "params": {"command": "echo '{\"got\": {{ ti.xcom_pull(task_ids=\"double\") }}}'"}},
            {"taskId": "bad", "operator": "bash", "params": {"command": "echo oops >&2; exit 3"}},
        ],
    })
    state = tmp_path / "api.db"
    result = run_workflow(wf, params={"n": 21}, state=str(state))
    assert result.state == "failed"
    assert result.dag_id == "api"
    assert result.tasks["double"].state == "success"
    assert result.tasks["double"].output == 42
    assert result.tasks["shout"].output == {"got": 42}
    assert result.tasks["bad"].state == "failed"
    assert "status 3" in (result.tasks["bad"].error or "")
    assert result.tasks["bad"].tries == 1
    assert Path(result.state_path) == state
    assert query(state, "SELECT state FROM runs WHERE run_id=?", result.run_id)[0]["state"] == "failed"


def test_python_api_success_and_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    wf = Workflow.from_dict({
        "dagId": "api_ok",
        "params": {"word": {"type": "string", "default": "hello"}},
        "tasks": [{"taskId": "t", "operator": "bash", "params": {"command": "echo {{ params.word | shell_quote }}"}}],
    })
    result = run_workflow(wf, state=str(tmp_path / "ok.db"))
    assert result.state == "success"
    assert result.tasks["t"].output == "hello"
    assert not result.interrupted


def test_marker_helper_sees_live_processes(tmp_path: Path) -> None:
    """The survivor check used above does find a live marked process (it could fail)."""
    import subprocess

    mark = marker()
    proc = subprocess.Popen(["bash", "-c", f"exec -a {mark} sleep 30"])
    try:
        from runner_helpers import wait_for

        wait_for(lambda: survivors(mark), what="the marked process")
        with pytest.raises(AssertionError):
            assert_no_survivor(mark, settle=0.2)
    finally:
        proc.kill()
        proc.wait()
    assert_no_survivor(mark)
