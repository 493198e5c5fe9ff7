"""The seams issue 14 made in errors and shared helpers: WorkflowError as a FlowrunError, one
kind for a missing path, and the leaf modules dates, environment, mail and the one signal watcher."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import trio

import runner
from runner import model
from runner.dates import parse_datetime
from runner.errors import FlowrunError, NoSuchPath, UsageError, WorkflowError
from runner.run.environment import inherited_env
from runner.run.mail import send
from runner.run.scheduler import describe
from runner.run.session import RunOptions, stopped_by_signals


def _flowrun(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60, check=False)


# -- errors -------------------------------------------------------------------------------------


def test_workflow_error_is_a_flowrun_error_with_exit_status_2() -> None:
    error = WorkflowError("w.yaml", 3, 5, "duplicate key 'dagId'")
    assert isinstance(error, FlowrunError)
    assert error.exit_code == 2
    assert str(error) == "w.yaml:3:5: duplicate key 'dagId'"
    assert runner.WorkflowError is WorkflowError is model.WorkflowError  # the public names still point at it


def test_load_workflow_raises_the_one_workflow_error(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("dagId: [\n", encoding="utf-8")
    with pytest.raises(FlowrunError) as info:
        model.load_workflow(path)
    assert isinstance(info.value, WorkflowError) and info.value.exit_code == 2


@pytest.mark.parametrize("command", ["run", "graph"])
def test_the_cli_prints_a_workflow_error_as_one_fr001_line(tmp_path: Path, command: str) -> None:
    (tmp_path / "bad.yaml").write_text("dagId: d\ndagId: e\n", encoding="utf-8")
    proc = _flowrun(tmp_path, command, "bad.yaml")
    assert proc.returncode == 2
    assert proc.stdout == "bad.yaml:2:1: FR001 [error] duplicate key 'dagId'\n"
    assert proc.stderr == ""


def test_no_such_path_is_a_usage_error() -> None:
    assert issubclass(NoSuchPath, UsageError)
    assert str(NoSuchPath("a.yaml")) == "a.yaml: no such file or directory"
    assert str(NoSuchPath("a.yaml", "file")) == "a.yaml: no such file"
    assert NoSuchPath("a.yaml").exit_code == 2


def test_the_scheduler_says_which_file_unless_the_error_does() -> None:
    assert describe(WorkflowError("w.yaml", 1, 2, "bad"), "w.yaml") == "w.yaml:1:2: bad"
    assert describe(UsageError("unknown environment 'x'"), "w.yaml") == "w.yaml: unknown environment 'x'"
    assert describe(ValueError("boom"), "w.yaml") == "w.yaml: unexpected error: boom"


def test_run_options_have_no_signal_switch_that_nothing_reads() -> None:
    assert "handle_signals" not in {f.name for f in dataclasses.fields(RunOptions)}


# -- dates --------------------------------------------------------------------------------------


def test_parse_datetime_reads_dates_and_date_times() -> None:
    assert parse_datetime("2026-01-31") == datetime(2026, 1, 31, tzinfo=timezone.utc)
    assert parse_datetime("2026-01-31T06:00:00Z") == datetime(2026, 1, 31, 6, tzinfo=timezone.utc)
    assert parse_datetime("2026-01-31T06:00:00").tzinfo is timezone.utc
    assert parse_datetime("2026-01-31T07:00:00+01:00") == datetime(2026, 1, 31, 6, tzinfo=timezone.utc)


def test_parse_datetime_refuses_other_text_as_a_usage_error() -> None:
    with pytest.raises(UsageError, match="'tomorrow' is not an ISO 8601 date or date-time"):
        parse_datetime("tomorrow")


# -- environment ----------------------------------------------------------------------------------


def test_inherited_env_withholds_flowrun_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWRUN_SECRET_TOKEN", "s3cret")
    monkeypatch.setenv("FLOWRUN_SMTP_PASSWORD", "pw")
    monkeypatch.setenv("FLOWRUN_TEST_KEPT", "yes")
    env = inherited_env()
    assert "FLOWRUN_SECRET_TOKEN" not in env and "FLOWRUN_SMTP_PASSWORD" not in env
    assert env["FLOWRUN_TEST_KEPT"] == "yes"


# -- mail -----------------------------------------------------------------------------------------


def test_mail_send_delivers_one_message_through_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("FLOWRUN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FLOWRUN_SMTP_PORT", str(port))
    monkeypatch.delenv("FLOWRUN_SMTP_USER", raising=False)
    monkeypatch.delenv("FLOWRUN_SMTP_STARTTLS", raising=False)
    try:
        message_id = send(["ops@example.com"], "hello", "body text", cc=["cc@example.com"], sender="me@example.com")
    finally:
        controller.stop()
    assert len(received) == 1
    assert received[0].mail_from == "me@example.com"
    assert received[0].rcpt_tos == ["ops@example.com", "cc@example.com"]
    assert message_id in received[0].content.decode()


# -- signals --------------------------------------------------------------------------------------


def test_a_stop_signal_cancels_the_block_and_says_so() -> None:
    reached_end = False

    async def main() -> bool:
        nonlocal reached_end
        async with stopped_by_signals() as stop:
            os.kill(os.getpid(), signal.SIGTERM)
            await trio.sleep(30)  # cancelled by the signal
            reached_end = True
        return stop.cancel_called

    assert trio.run(main) is True
    assert reached_end is False


def test_without_a_signal_the_block_runs_to_its_end() -> None:
    async def main() -> tuple[bool, int]:
        async with stopped_by_signals() as stop:
            await trio.sleep(0)
            value = 42
        return stop.cancel_called, value

    assert trio.run(main) == (False, 42)
