"""Small things of `flowrun run` and friends that users met: --capacity values, where logs go,
one duration per try, JSON log timestamps, `graph` of a broken file, plain words in alert
errors, and errors raised inside a trio nursery shown as themselves."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from runner_helpers import STATE, cli_env, events, flowrun, query, write_workflow

ONE_TASK = """
dagId: small
tasks:
  - {taskId: a, operator: bash, params: {command: "echo hi"}}
"""


@pytest.mark.parametrize("value", ["cpu=-1", "memory=-0.5", "gpu=abc", "cpu=nan", "cpu=inf", "cpu="])
def test_capacity_must_be_a_number_not_below_zero(tmp_path: Path, value: str) -> None:
    write_workflow(tmp_path, ONE_TASK)
    proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE, "--capacity", value)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("flowrun: error: bad --capacity value") and "expected a number >= 0" in proc.stderr
    assert not (tmp_path / STATE).exists()  # refused before anything was written


def test_capacity_zero_is_accepted(tmp_path: Path) -> None:
    write_workflow(tmp_path, ONE_TASK)
    proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE, "--capacity", "gpu=0,cpu=2")
    assert proc.returncode == 0, proc.stderr


def test_help_says_logs_go_beside_the_state_store(tmp_path: Path) -> None:
    for command in ("run", "schedule"):
        proc = flowrun(tmp_path, command, "--help")
        assert proc.returncode == 0
        assert "task logs go to 'logs' beside it" in " ".join(proc.stdout.split())
    write_workflow(tmp_path, ONE_TASK)
    assert flowrun(tmp_path, "run", "wf.yaml", "--state", "elsewhere/x.db").returncode == 0
    assert list((tmp_path / "elsewhere" / "logs" / "small").glob("*/a/1.log"))


def test_one_duration_per_try_live_and_in_runs_show(tmp_path: Path) -> None:
    """The live line's duration of a try is the recorded ended_at - started_at."""
    tasks = "\n".join(f"  - {{taskId: t{i}, operator: bash, params: {{command: \"sleep 0.{i}; exit {i % 2}\"}}}}"
                      for i in range(1, 7))
    write_workflow(tmp_path, f"dagId: timing\ntasks:\n{tasks}\n")
    proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE, "--log-format", "json")
    live = {e["task_id"]: e["duration"] for e in map(json.loads, proc.stdout.splitlines()) if "duration" in e}
    recorded = {r["task_id"]: r["ended_at"] - r["started_at"] for r in query(tmp_path / STATE, "SELECT * FROM tries")}
    assert sorted(live) == sorted(recorded) == [f"t{i}" for i in range(1, 7)]
    for task_id, seconds in recorded.items():
        assert live[task_id] == round(seconds, 3), (task_id, live[task_id], seconds)


def test_json_log_timestamps_are_rfc3339_with_milliseconds_and_z(tmp_path: Path) -> None:
    write_workflow(tmp_path, ONE_TASK)
    proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE, "--log-format", "json")
    stamps = [json.loads(line)["ts"] for line in proc.stdout.splitlines()]
    assert stamps and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", ts) for ts in stamps), stamps


@pytest.mark.parametrize(("text", "code"), [
    ("dagId: g\ntasks:\n  - {taskId: a, operator: dummy, dependencies: [ghost]}\n", "FR004"),
    ("dagId: g\ntasks:\n  - {taskId: a, operator: dummy, dependencies: [b]}\n"
     "  - {taskId: b, operator: dummy, dependencies: [a]}\n", "FR101"),
    ("dagId: g\ntasks:\n  - {taskId: a, operator: dummy}\n  - {taskId: a, operator: dummy}\n", "FR003"),
    ("dagId: g\ntasks:\n  - {taskId: 7, operator: dummy}\n", "FR002"),
])
def test_graph_of_a_broken_file_exits_2_with_its_findings(tmp_path: Path, text: str, code: str) -> None:
    write_workflow(tmp_path, text)
    proc = flowrun(tmp_path, "graph", "wf.yaml")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert re.search(rf"^wf\.yaml:\d+:\d+: {code} \[error\]", proc.stdout, re.M), proc.stdout
    assert "flowchart" not in proc.stdout
    assert proc.stderr.strip() == "flowrun: error: wf.yaml: the workflow has errors; no graph is drawn"


class _Answers501(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(501)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook_501() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers501)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_alert_failures_are_plain_words(tmp_path: Path, hook_501: str) -> None:
    write_workflow(tmp_path, f"""
        dagId: alerting
        alerts:
          - id: hook
            on: [task_failed]
            notify: [{{webhook: "{hook_501}"}}, {{command: "echo 'pager is down' >&2; exit 4"}}]
        tasks:
          - {{taskId: a, operator: bash, params: {{command: "exit 1"}}}}
    """)
    proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE)
    assert proc.returncode == 1
    errors = sorted(e["payload"]["error"] for e in events(tmp_path / STATE, "alert_failed"))
    assert errors == ["command exited with status 4 pager is down", "webhook answered HTTP 501"]
    assert "Error" not in proc.stdout  # no RuntimeError, ValueError, ...
    assert "webhook notifier failed: webhook answered HTTP 501" in proc.stdout


def test_an_error_inside_a_nursery_is_shown_as_itself(tmp_path: Path) -> None:
    """The scheduler meets an impossible startDate inside its nursery: one line, exit 2, never
    `internal error: ExceptionGroup`."""
    flows = tmp_path / "flows"
    flows.mkdir()
    write_workflow(flows, 'dagId: s\nschedule: "@daily"\nstartDate: "2026-02-30"\ntasks:\n'
                          "  - {taskId: a, operator: dummy}\n", "s.yaml")
    proc = flowrun(tmp_path, "schedule", "flows", "--once", "--now", "2026-03-03T00:00:00", "--state", STATE)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "internal error" not in proc.stderr and "ExceptionGroup" not in proc.stderr
    assert "2026-02-30" in proc.stdout + proc.stderr


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_library_errors_are_plain_words(tmp_path: Path) -> None:
    """httpx, smtplib and the OS say `Connection refused`, not `ConnectError: [Errno 111] ...`."""
    port = _closed_port()
    write_workflow(tmp_path, f"""
        dagId: plain
        tasks:
          - {{taskId: web, operator: http, params: {{url: "http://127.0.0.1:{port}/x"}}}}
          - {{taskId: mail, operator: email, params: {{to: a@example.com, subject: s, body: b}}}}
    """)
    env = cli_env(FLOWRUN_SMTP_HOST="127.0.0.1", FLOWRUN_SMTP_PORT=str(port))
    proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE, env=env)
    assert proc.returncode == 1
    errors = {r["task_id"]: r["error"] for r in query(tmp_path / STATE, "SELECT * FROM tries")}
    assert errors["web"].startswith(f"GET http://127.0.0.1:{port}/x failed: ") and "Error" not in errors["web"]
    assert errors["mail"] == f"sending mail through 127.0.0.1:{port} failed: Connection refused"
    assert "[Errno" not in proc.stdout

    store = flowrun(tmp_path, "run", "wf.yaml", "--state", "/proc/no/such/dir/s.db")
    assert store.returncode == 2
    assert store.stderr.strip() == ("flowrun: error: /proc/no/such/dir/s.db: cannot open the state store:"
                                    " No such file or directory")


@pytest.mark.parametrize("option", ["--vars", "--secrets"])
def test_a_values_file_that_is_not_utf8_is_a_usage_error(tmp_path: Path, option: str) -> None:
    write_workflow(tmp_path, ONE_TASK)
    (tmp_path / "values.env").write_bytes(b"NAME=caf\xe9\n")
    proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE, option, "values.env")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "flowrun: error: values.env: not UTF-8 text (byte 0xe9 at offset 8)"


def test_a_configuration_file_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    write_workflow(tmp_path, ONE_TASK)
    (tmp_path / ".flowrun.toml").write_bytes(b'[lint]\nselect = "\xff"\n')
    proc = flowrun(tmp_path, "lint", "wf.yaml")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"flowrun: error: {tmp_path / '.flowrun.toml'}: cannot read configuration: ")
    assert "internal error" not in proc.stderr and proc.stderr.count("\n") == 1
