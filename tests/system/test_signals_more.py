"""Signals and the last words of a task.

- SIGHUP (the terminal was closed) stops a run as SIGTERM does: its tasks are stopped and
  recorded, the run is `interrupted` and resumable, exit 130; no task process is left behind.
- A task that handles SIGTERM (on a timeout, Ctrl-C, SIGTERM or SIGHUP of the runner) and prints
  a last line has that line in its log, after the line that says why it was stopped and before
  the final `error:` line; a task that keeps printing is still killed after the grace period.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from runner_helpers import (
    STATE,
    assert_no_survivor,
    background,
    flowrun,
    kill_marked,
    marker,
    run_row,
    survivors,
    task_states,
    tries,
    wait_for,
    write_workflow,
)


def _last_words(mark: str, timeout: str | None = None) -> str:
    """A task that says `ready` once its SIGTERM trap is set, then waits on a marked sleep; on
    SIGTERM it writes one line to stdout and one to stderr and exits 143."""
    limit = f"\n    timeout: {{execution: {timeout}}}" if timeout else ""
    return f"""
dagId: last_words
tasks:
  - taskId: t
    operator: bash{limit}
    params:
      command: |
        trap 'echo "cleanup: got SIGTERM, flushing"; echo "stderr: bye" >&2; exit 143' TERM
        echo ready
        (exec -a {mark} sleep 60) & wait
  - {{taskId: after, operator: dummy, dependencies: [t]}}
"""


def _log(tmp_path: Path) -> str:
    row = tries(tmp_path / STATE, "t")[0]
    return Path(row["log_path"]).read_text(encoding="utf-8")


def _in_order(text: str, *parts: str) -> bool:
    at = 0
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def test_sighup_stops_the_run_like_sigterm_and_resume_completes(tmp_path: Path) -> None:
    mark = marker()
    write_workflow(tmp_path, _last_words(mark))
    try:
        with background(tmp_path, "run", "wf.yaml", "--state", STATE) as proc:
            wait_for(lambda: survivors(mark), what="the task's sleep")
            proc.send_signal(signal.SIGHUP)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 130, out + err
            assert "Traceback" not in err and "internal error" not in err, err
        assert_no_survivor(mark)  # nothing left running unsupervised
        db = tmp_path / STATE
        assert run_row(db)["state"] == "interrupted"
        row = tries(db, "t")[0]
        assert row["state"] == "failed" and "interrupted" in row["error"]
        assert task_states(db) == {"t": "failed", "after": "pending"}
        assert _in_order(_log(tmp_path), "the run was stopped", "cleanup: got SIGTERM, flushing", "interrupted")

        write_workflow(tmp_path, _last_words(mark).replace("(exec -a", "true || (exec -a"))
        resumed = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE, "--resume", "last")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert task_states(db) == {"t": "success", "after": "success"}
    finally:
        kill_marked(mark)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_last_words_on_an_interrupt_are_logged(tmp_path: Path, sig: signal.Signals) -> None:
    mark = marker()
    write_workflow(tmp_path, _last_words(mark))
    try:
        with background(tmp_path, "run", "wf.yaml", "--state", STATE) as proc:
            wait_for(lambda: survivors(mark), what="the task's sleep")
            proc.send_signal(sig)
            proc.communicate(timeout=60)
            assert proc.returncode == 130
        log = _log(tmp_path)
        assert _in_order(log, "ready", "the run was stopped: SIGTERM sent", "cleanup: got SIGTERM, flushing",
                         "interrupted: the run was stopped"), log
        assert "stderr: bye" in log
        assert_no_survivor(mark)
    finally:
        kill_marked(mark)


def test_last_words_on_a_timeout_are_logged_after_the_timed_out_line(tmp_path: Path) -> None:
    mark = marker()
    write_workflow(tmp_path, _last_words(mark, timeout="2s"))
    try:
        proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        log = _log(tmp_path)
        assert _in_order(log, "ready", "timed out after 2s: SIGTERM sent", "cleanup: got SIGTERM, flushing",
                         "error: timed out after 2s"), log
        assert _in_order(log, "timed out after 2s: SIGTERM sent", "stderr: bye", "error: timed out"), log
        assert tries(tmp_path / STATE, "t")[0]["error"].startswith("timed out after 2s")
        assert_no_survivor(mark)
    finally:
        kill_marked(mark)


def test_a_task_that_keeps_talking_after_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    """Its output during the grace period is kept; then SIGKILL ends it and the try is recorded."""
    mark = marker()
    write_workflow(tmp_path, f"""
        dagId: chatty
        tasks:
          - taskId: t
            operator: bash
            timeout: {{execution: 2s}}
            params:
              command: |
                trap 'echo "still here"' TERM
                echo ready
                while true; do (exec -a {mark} sleep 0.2); done
    """)
    try:
        proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        log = _log(tmp_path)
        assert _in_order(log, "ready", "timed out after 2s: SIGTERM sent", "still here", "error: timed out"), log
        assert tries(tmp_path / STATE, "t")[0]["state"] == "failed"
        assert_no_survivor(mark)
    finally:
        kill_marked(mark)


def test_sighup_stops_the_scheduler_and_its_runs(tmp_path: Path) -> None:
    mark = marker()
    flows = tmp_path / "flows"
    flows.mkdir()
    write_workflow(flows, _last_words(mark).replace("dagId: last_words", 'dagId: last_words\nschedule: "@daily"'),
                   "daily.yaml")
    try:
        with background(tmp_path, "schedule", "flows", "--now", "2026-01-01T12:00:00", "--state", STATE) as proc:
            wait_for(lambda: survivors(mark), what="the scheduled task's sleep")
            proc.send_signal(signal.SIGHUP)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 130, out + err
        assert_no_survivor(mark)
        assert run_row(tmp_path / STATE)["state"] == "interrupted"
        assert tries(tmp_path / STATE, "t")[0]["state"] == "failed"
    finally:
        kill_marked(mark)
