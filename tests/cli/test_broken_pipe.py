"""A reader that goes away (`flowrun run wf.yaml | head -1`) or a terminal that is closed (EIO)
never changes a run: it goes on without printing, every state is recorded, the exit status is
the run's, and there is no "internal error". Real pipes and a real pseudo-terminal; the reader
closes its end while the run is in the middle of its tasks (the task waits for that)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from runner_helpers import CLI_TIMEOUT, STATE, cli_env, query, run_row, task_states, write_workflow

# `a` waits until the test has closed its end of the pipe, so every later line hits a closed pipe
WAITS_FOR_CLOSE = """
dagId: piped
tasks:
  - taskId: a
    operator: bash
    params: {command: "while [ ! -e reader_gone ]; do sleep 0.02; done; echo a-done"}
  - taskId: b
    operator: bash
    dependencies: [a]
    params: {command: "echo b-done"}
  - taskId: c
    operator: python
    dependencies: [b]
    params: {pythonCode: "print('c-done')"}
"""


def _start(tmp_path: Path, *args: str, stdout: int, stderr: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "runner.cli", *args], cwd=tmp_path, env=cli_env(),
                            stdout=stdout, stderr=stderr, start_new_session=True)


def _head_1(tmp_path: Path, *args: str) -> tuple[int, bytes, str]:
    """`flowrun ARGS | head -1`: read one line, close the pipe, let the task go on."""
    proc = _start(tmp_path, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        first = proc.stdout.readline()
        proc.stdout.close()  # the reader is gone
        (tmp_path / "reader_gone").touch()
        err = proc.stderr.read().decode("utf-8", "replace")
        return proc.wait(timeout=CLI_TIMEOUT), first, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_run_piped_into_head_keeps_running_and_records_everything(tmp_path: Path, log_format: str) -> None:
    write_workflow(tmp_path, WAITS_FOR_CLOSE)
    code, first, err = _head_1(tmp_path, "run", "wf.yaml", "--state", STATE, "--log-format", log_format)
    assert first  # the one line the reader wanted
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 0, err  # the run's outcome, not the pipe's
    db = tmp_path / STATE
    assert run_row(db)["state"] == "success"
    assert task_states(db) == {"a": "success", "b": "success", "c": "success"}
    assert {r["state"] for r in query(db, "SELECT state FROM tries")} == {"success"}


def test_a_failed_run_piped_into_head_still_exits_1(tmp_path: Path) -> None:
    write_workflow(tmp_path, WAITS_FOR_CLOSE.replace("echo b-done", "exit 4"))
    code, _first, err = _head_1(tmp_path, "run", "wf.yaml", "--state", STATE)
    assert code == 1 and "internal error" not in err, err
    assert task_states(tmp_path / STATE) == {"a": "success", "b": "failed", "c": "upstream_failed"}
    assert run_row(tmp_path / STATE)["state"] == "failed"


def test_schedule_once_piped_into_head(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    text = WAITS_FOR_CLOSE.replace("dagId: piped", 'dagId: piped\nschedule: "@daily"\nstartDate: 2026-01-01')
    write_workflow(flows, text, "daily.yaml")
    code, first, err = _head_1(tmp_path, "schedule", "flows", "--once", "--now", "2026-01-01T12:00:00",
                               "--state", STATE)
    assert b"started" in first
    assert "internal error" not in err and "Traceback" not in err, err
    assert code == 0, err
    assert run_row(tmp_path / STATE)["state"] == "success"
    assert set(task_states(tmp_path / STATE).values()) == {"success"}


def test_help_piped_into_head(tmp_path: Path) -> None:
    proc = _start(tmp_path, "run", "--help", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # gone before anything is written
    _out, err = proc.communicate(timeout=CLI_TIMEOUT)
    assert proc.returncode == 0 and b"Traceback" not in err and b"Exception ignored" not in err, err


def test_closed_terminal_eio_does_not_change_the_run(tmp_path: Path) -> None:
    """stdout and stderr on a pseudo-terminal whose other side is closed: every write gets EIO."""
    write_workflow(tmp_path, WAITS_FOR_CLOSE)
    controller, terminal = pty.openpty()
    proc = _start(tmp_path, "run", "wf.yaml", "--state", STATE, stdout=terminal, stderr=terminal)
    os.close(terminal)
    try:
        seen = b""
        while b"started" not in seen:
            chunk = os.read(controller, 4096)
            assert chunk, "the terminal closed before the run started"
            seen += chunk
        os.close(controller)  # the terminal is gone
        controller = -1
        (tmp_path / "reader_gone").touch()
        assert proc.wait(timeout=CLI_TIMEOUT) == 0
    finally:
        if controller >= 0:
            os.close(controller)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert run_row(tmp_path / STATE)["state"] == "success"
    assert task_states(tmp_path / STATE) == {"a": "success", "b": "success", "c": "success"}


def test_a_full_disk_on_stdout_is_said_once_and_the_run_goes_on(tmp_path: Path) -> None:
    """/dev/full: every write gets ENOSPC; the run succeeds and stderr says so, once."""
    write_workflow(tmp_path, WAITS_FOR_CLOSE)
    (tmp_path / "reader_gone").touch()
    with open("/dev/full", "wb") as full:
        proc = _start(tmp_path, "run", "wf.yaml", "--state", STATE, stdout=full.fileno(), stderr=subprocess.PIPE)
        _out, err_bytes = proc.communicate(timeout=CLI_TIMEOUT)
    err = err_bytes.decode()
    assert proc.returncode == 0, err
    assert err.count("cannot write to standard output") == 1 and "internal error" not in err, err
    assert run_row(tmp_path / STATE)["state"] == "success"


@pytest.mark.parametrize("closed", [">&-", "2>&-", ">&- 2>&-"])
def test_started_with_stdout_or_stderr_closed(tmp_path: Path, closed: str) -> None:
    """`flowrun run wf.yaml >&-`: Python has no sys.stdout; the run still runs and is recorded,
    and nothing it opens later is written to as if it were the terminal."""
    write_workflow(tmp_path, WAITS_FOR_CLOSE)
    (tmp_path / "reader_gone").touch()
    proc = subprocess.run(["sh", "-c", f'exec "$@" {closed}', "sh", sys.executable, "-m", "runner.cli",
                           "run", "wf.yaml", "--state", STATE],
                          cwd=tmp_path, env=cli_env(), capture_output=True, timeout=CLI_TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert b"Traceback" not in proc.stdout + proc.stderr
    assert run_row(tmp_path / STATE)["state"] == "success"
    assert {r["state"] for r in query(tmp_path / STATE, "SELECT state FROM tries")} == {"success"}
    logs = sorted(p.read_text() for p in (tmp_path / "logs").rglob("*.log"))
    assert logs == ["a-done\n", "b-done\n", "c-done\n"]
