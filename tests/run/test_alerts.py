"""Alerts (SPEC section 5) against real notifiers: a command, a local HTTP server, a local SMTP
server. Cooldown is kept in the state store across runs and processes."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from runner.model import Workflow
from runner.run.session import run_workflow


def _workflow(alerts: list[dict[str, Any]], command: str = "exit 3") -> Workflow:
    return Workflow.from_dict({
        "dagId": "alerting",
        "alerts": alerts,
        "tasks": [{"taskId": "job", "operator": "bash", "params": {"command": command}}],
    })


def _events(db: Path, kind: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT payload FROM events WHERE kind=? ORDER BY id", (kind,)).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_command_notifier_gets_event_on_stdin_and_env(tmp_path: Path) -> None:
    out = tmp_path / "alert"
    command = f'cat > {out}.json; printf "%s|%s|%s|%s" "$FLOWRUN_ALERT_ID" "$FLOWRUN_ALERT_EVENT" "$FLOWRUN_ALERT_SEVERITY" "$FLOWRUN_ALERT_TASK_ID" > {out}.env'
    wf = _workflow([{
        "id": "job_failed", "on": ["task_failed"], "severity": "critical",
        "message": "task {{ task_id }} failed in {{ run_id }}", "notify": [{"command": command}],
    }])
    result = run_workflow(wf, state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    assert result.state == "failed"
    event = json.loads((tmp_path / "alert.json").read_text())
    assert event["event"] == "task_failed" and event["task_id"] == "job"
    assert event["message"] == f"task job failed in {result.run_id}"
    assert (tmp_path / "alert.env").read_text() == "job_failed|task_failed|critical|job"
    fired = _events(tmp_path / "s.db", "alert_fired")
    assert [f["alert_id"] for f in fired] == ["job_failed"]


def test_condition_filters_events(tmp_path: Path) -> None:
    wf = _workflow([
        {"id": "never", "on": ["task_failed"], "condition": "exit_code == 99", "notify": [{"command": "true"}]},
        {"id": "exit3", "on": ["task_failed"], "condition": "exit_code == 3", "notify": [{"command": "true"}]},
    ])
    run_workflow(wf, state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    assert [f["alert_id"] for f in _events(tmp_path / "s.db", "alert_fired")] == ["exit3"]


def test_failing_notifier_is_recorded_and_does_not_fail_the_run(tmp_path: Path) -> None:
    wf = _workflow(
        [{"id": "broken", "on": ["run_succeeded"], "notify": [{"command": "echo nope >&2; exit 4"},
                                                              {"webhook": "http://127.0.0.1:9/unreachable"}]}],
        command="true",
    )
    result = run_workflow(wf, state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    assert result.state == "success"
    failed = _events(tmp_path / "s.db", "alert_failed")
    assert sorted(f["notifier"] for f in failed) == ["command", "webhook"]
    assert any("status 4" in f["error"] for f in failed)


def test_cooldown_holds_across_processes(tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text(textwrap.dedent("""\
        dagId: cooling
        alerts:
          - id: fail
            on: [task_failed]
            cooldown: 1h
            notify:
              - command: "echo fired >> fired.log"
        tasks:
          - taskId: job
            operator: bash
            params: {command: "exit 1"}
        """))
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-m", "runner.cli", "run", "wf.yaml"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=90)
        assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "fired.log").read_text() == "fired\n"
    assert len(_events(tmp_path / ".flowrun" / "state.db", "alert_fired")) == 1


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        _Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_webhook_gets_json_post_with_the_rendered_message(tmp_path: Path, webhook: str) -> None:
    wf = _workflow([{"id": "done", "on": ["run_succeeded"], "message": "{{ dag_id }} ok",
                     "notify": [{"webhook": webhook}]}], command="true")
    run_workflow(wf, state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    assert len(_Hook.received) == 1
    assert _Hook.received[0]["message"] == "alerting ok"
    assert _Hook.received[0]["event"] == "run_succeeded"


def test_email_notifier_through_local_smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.controller import Controller

    messages: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("FLOWRUN_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("FLOWRUN_SMTP_PORT", str(port))
        wf = _workflow([{"id": "mail", "on": ["task_failed"], "severity": "error", "message": "job broke",
                         "notify": [{"email": {"to": "ops@example.com"}}]}])
        run_workflow(wf, state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    finally:
        controller.stop()
    assert len(messages) == 1
    assert messages[0].rcpt_tos == ["ops@example.com"]
    content = messages[0].content.decode()
    assert "job broke" in content and "[flowrun] error: mail" in content


def test_secret_in_alert_message_is_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWRUN_SECRET_TOKEN", "s3cr3t-t0ken-value")
    out = tmp_path / "msg.txt"
    wf = _workflow(
        [{"id": "leak", "on": ["task_failed"], "message": "{{ error }}",
          "notify": [{"command": f'echo "$FLOWRUN_ALERT_MESSAGE" > {out}'}]}],
        command="echo s3cr3t-t0ken-value >&2; exit 1",
    )
    wf.data["tasks"][0]["params"]["env"] = {"T": "{{ var.secret.TOKEN }}"}
    wf = Workflow.from_dict(wf.data)
    run_workflow(wf, state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    assert out.exists()
    assert "s3cr3t-t0ken-value" not in out.read_text()
    assert b"s3cr3t-t0ken-value" not in (tmp_path / "s.db").read_bytes()


EVENT_TYPES = ("task_failed", "task_retry", "sla_missed", "run_failed", "run_succeeded")


def _all_events_workflow(notifier: dict[str, Any], fail: bool) -> Workflow:
    task: dict[str, Any] = {"taskId": "job", "operator": "bash",
                            "params": {"command": "sleep 0.3; exit 1" if fail else "true"}}
    if fail:
        task["retryPolicy"] = {"maxRetries": 1, "retryDelay": "10ms"}
        task["timeout"] = {"sla": "100ms"}
    return Workflow.from_dict({
        "dagId": "every_event_" + ("fail" if fail else "ok"),
        "alerts": [{"id": kind, "on": [kind], "message": "{{ event }}", "notify": [notifier]} for kind in EVENT_TYPES],
        "tasks": [task],
    })


def _smtp(messages: list[Any]) -> Any:
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


@pytest.mark.parametrize("kind", ["command", "webhook", "email"])
def test_each_event_type_fires_each_notifier(kind: str, tmp_path: Path, webhook: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    messages: list[Any] = []
    controller = None
    if kind == "command":
        notifier: dict[str, Any] = {"command": f'echo "$FLOWRUN_ALERT_EVENT" >> {tmp_path}/events.txt'}
    elif kind == "webhook":
        notifier = {"webhook": webhook}
    else:
        controller, port = _smtp(messages)
        monkeypatch.setenv("FLOWRUN_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("FLOWRUN_SMTP_PORT", str(port))
        notifier = {"email": {"to": "ops@example.com"}}
    try:
        for fail in (True, False):
            run_workflow(_all_events_workflow(notifier, fail), state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    finally:
        if controller is not None:
            controller.stop()
    if kind == "command":
        seen = set((tmp_path / "events.txt").read_text().split())
    elif kind == "webhook":
        seen = {body["event"] for body in _Hook.received}
    else:
        seen = {kind_ for m in messages for kind_ in EVENT_TYPES if f"[flowrun] warning: {kind_}" in m.content.decode()}
    assert seen == set(EVENT_TYPES)


def test_a_hanging_notifier_times_out_without_changing_the_outcome(tmp_path: Path) -> None:
    from trio.testing import MockClock

    from runner.run.session import RunOptions, execute, prepare

    wf = _workflow([{"id": "hang", "on": ["run_succeeded"], "notify": [{"command": "sleep 600"}]}], command="true")
    plan, setup = prepare(wf, RunOptions(state=str(tmp_path / "s.db"), cwd=str(tmp_path)))
    result = execute(plan, setup, handle_signals=False, clock=MockClock(autojump_threshold=0))
    assert result.state == "success"
    failed = _events(tmp_path / "s.db", "alert_failed")
    assert len(failed) == 1 and "timed out" in failed[0]["error"]
