"""Operators against real things: bash and python processes, an HTTP server on 127.0.0.1 in a
thread, an aiosmtpd SMTP server; branch, transfer, outputSchema, the 1 MiB output limit and
metrics from JSON-object stdout lines."""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from runner_helpers import events, query, run_api, tries

# -- a real HTTP server -----------------------------------------------------------------------------


@dataclass
class Recorded:
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


def _handler(recorded: Recorded) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _record(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded.requests.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
            )
            return body

        def do_GET(self) -> None:
            self._record()
            if self.path == "/json":
                self._send(200, json.dumps({"status": "healthy", "items": [1, 2, 3]}).encode(), "application/json")
            elif self.path == "/text":
                self._send(200, b"plain words", "text/plain; charset=utf-8")
            elif self.path.startswith("/status/"):
                code = int(self.path.rsplit("/", 1)[1])
                self._send(code, f"answer {code}".encode(), "text/plain")
            elif self.path == "/big":
                self._send(200, b"[" + b"1," * (600 * 1024) + b"1]", "application/json")
            elif self.path == "/slow":
                recorded.release.wait(10)
                self._send(200, b"late", "text/plain")
            else:
                self._send(404, b"no such page", "text/plain")

        def do_POST(self) -> None:
            body = self._record()
            self._send(201, json.dumps({"received": json.loads(body or b"null")}).encode(), "application/json")

        do_PUT = do_POST

    return Handler


@pytest.fixture
def http_server() -> Iterator[tuple[str, Recorded]]:
    recorded = Recorded()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorded))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorded
    finally:
        recorded.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


# -- a real SMTP server -----------------------------------------------------------------------------


class Collecting:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Collecting]:
    from aiosmtpd.controller import Controller

    handler = Collecting()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("FLOWRUN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FLOWRUN_SMTP_PORT", str(port))
    monkeypatch.delenv("FLOWRUN_SMTP_USER", raising=False)
    monkeypatch.delenv("FLOWRUN_SMTP_STARTTLS", raising=False)
    try:
        yield handler
    finally:
        controller.stop()


# -- bash ---------------------------------------------------------------------------------------------


def test_bash_env_cwd_and_last_line(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    result = run_api(tmp_path, """
        dagId: bash_basics
        tasks:
          - taskId: env_cwd
            operator: bash
            params:
              command: 'echo first; echo "$GREETING from $(basename "$PWD")"; echo; echo "   "; echo err >&2'
              env: {GREETING: hello, FLAG: true}
              cwd: sub
          - taskId: flag
            operator: bash
            params:
              command: 'echo "$FLAG-$COUNT"'
              env: {FLAG: true, COUNT: 3}
          - taskId: json_out
            operator: bash
            params: {command: "echo not json; echo '{\\"a\\": [1, 2], \\"b\\": null}'"}
          - taskId: number
            operator: bash
            params: {command: "echo 42"}
          - taskId: silent
            operator: bash
            params: {command: "true"}
          - taskId: no_newline
            operator: bash
            params: {command: "printf 'one\\ntwo'"}
    """)
    out = {t: r.output for t, r in result.tasks.items()}
    assert out["env_cwd"] == "hello from sub"
    assert out["flag"] == "true-3"
    assert out["json_out"] == {"a": [1, 2], "b": None}
    assert out["number"] == 42
    assert out["silent"] is None
    assert out["no_newline"] == "two"
    assert result.state == "success"
    log = (tmp_path / "logs" / "bash_basics" / result.run_id / "env_cwd" / "1.log").read_text()
    assert "first" in log and "err" in log  # stdout and stderr both logged


def test_bash_exit_status_and_signal(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: bash_fail
        tasks:
          - {taskId: five, operator: bash, params: {command: "echo partial; exit 5"}}
          - {taskId: killed, operator: bash, params: {command: "kill -9 $$"}}
          - {taskId: nowhere, operator: bash, params: {command: "true", cwd: does/not/exist}}
    """)
    db = tmp_path / "s.db"
    five = tries(db, "five")[0]
    assert five["state"] == "failed" and five["exit_code"] == 5
    assert "exited with status 5" in five["error"]
    killed = tries(db, "killed")[0]
    assert killed["exit_code"] == -9 and "signal 9" in killed["error"]
    assert "not a directory" in (result.tasks["nowhere"].error or "")
    assert result.tasks["five"].output is None
    failed = events(db, "task_failed", result.run_id)
    assert {e["task_id"] for e in failed} == {"five", "killed", "nowhere"}
    assert next(e for e in failed if e["task_id"] == "five")["payload"]["exit_code"] == 5
    assert result.state == "failed"


# -- python -------------------------------------------------------------------------------------------


def test_python_runs_in_a_separate_interpreter(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: py
        tasks:
          - taskId: info
            operator: python
            params:
              pythonCode: |
                import json, os, sys
                print("noise")
                print(json.dumps({"pid": os.getpid(), "exe": sys.executable, "v": os.environ["V"]}))
              env: {V: value}
          - taskId: fails
            operator: python
            params: {pythonCode: "raise SystemExit(3)"}
    """)
    info = result.tasks["info"].output
    assert isinstance(info, dict)
    assert info["pid"] != os.getpid()
    assert info["v"] == "value"
    assert os.path.realpath(info["exe"]) == os.path.realpath(__import__("sys").executable)
    assert result.tasks["fails"].state == "failed"
    assert tries(tmp_path / "s.db", "fails")[0]["exit_code"] == 3


# -- http ---------------------------------------------------------------------------------------------


def test_http_get_json_and_text(tmp_path: Path, http_server: tuple[str, Recorded]) -> None:
    base, recorded = http_server
    result = run_api(tmp_path, f"""
        dagId: http_get
        tasks:
          - taskId: get_json
            operator: http
            params:
              url: "{base}/json"
              headers: {{X-Flowrun-Test: "yes"}}
          - taskId: get_text
            operator: http
            params: {{url: "{base}/text"}}
    """)
    assert result.tasks["get_json"].output == {"status": "healthy", "items": [1, 2, 3]}
    assert result.tasks["get_text"].output == "plain words"
    request = next(r for r in recorded.requests if r["path"] == "/json")
    assert request["method"] == "GET"
    assert request["headers"].get("X-Flowrun-Test") == "yes"
    assert result.state == "success"


def test_http_post_json_body(tmp_path: Path, http_server: tuple[str, Recorded]) -> None:
    base, recorded = http_server
    result = run_api(tmp_path, f"""
        dagId: http_post
        tasks:
          - {{taskId: src, operator: bash, params: {{command: "echo '[1, 2]'"}}}}
          - taskId: post
            operator: http
            dependencies: [src]
            params:
              url: "{base}/submit"
              method: POST
              json: {{name: "{{{{ dag_id }}}}", n: 3, nested: {{ok: true}}}}
              expectStatus: 201
          - taskId: raw
            operator: http
            params:
              url: "{base}/raw"
              method: PUT
              body: '{{"raw": "{{{{ ds }}}}"}}'
              headers: {{Content-Type: application/json}}
              expectStatus: [200, 201]
    """, execution_date="2026-03-04")
    posts = {r["path"]: r for r in recorded.requests if r["method"] in ("POST", "PUT")}
    assert json.loads(posts["/submit"]["body"]) == {"name": "http_post", "n": 3, "nested": {"ok": True}}
    assert "json" in posts["/submit"]["headers"].get("Content-Type", "")
    assert json.loads(posts["/raw"]["body"]) == {"raw": "2026-03-04"}
    assert result.tasks["post"].output == {"received": {"name": "http_post", "n": 3, "nested": {"ok": True}}}
    assert result.state == "success"


def test_http_status_expectations(tmp_path: Path, http_server: tuple[str, Recorded]) -> None:
    base, _ = http_server
    result = run_api(tmp_path, f"""
        dagId: http_status
        tasks:
          - taskId: accepted_404
            operator: http
            params: {{url: "{base}/status/404", expectStatus: [200, 404]}}
          - taskId: server_error
            operator: http
            params: {{url: "{base}/status/500"}}
          - taskId: wrong_2xx
            operator: http
            params: {{url: "{base}/status/204", expectStatus: 200}}
    """)
    assert result.tasks["accepted_404"].state == "success"
    assert result.tasks["accepted_404"].output == "answer 404"
    error = result.tasks["server_error"].error or ""
    assert result.tasks["server_error"].state == "failed"
    assert "500" in error and "2xx" in error
    assert "204" in (result.tasks["wrong_2xx"].error or "")
    assert tries(tmp_path / "s.db", "server_error")[0]["exit_code"] == 500


def test_http_timeout_and_refused_connection(tmp_path: Path, http_server: tuple[str, Recorded]) -> None:
    base, _ = http_server
    closed = f"http://127.0.0.1:{_free_port()}/nothing"
    result = run_api(tmp_path, f"""
        dagId: http_timeout
        tasks:
          - taskId: slow
            operator: http
            params: {{url: "{base}/slow", timeout: 300ms}}
          - taskId: refused
            operator: http
            params: {{url: "{closed}"}}
          - taskId: too_big
            operator: http
            params: {{url: "{base}/big"}}
    """)
    assert result.tasks["too_big"].state == "failed"
    assert "larger than 1 MiB" in (result.tasks["too_big"].error or "")
    assert result.tasks["slow"].state == "failed"
    assert "timed out" in (result.tasks["slow"].error or "")
    assert result.tasks["refused"].state == "failed"
    assert "failed" in (result.tasks["refused"].error or "")


# -- email --------------------------------------------------------------------------------------------


def test_email_is_delivered(tmp_path: Path, smtp_server: Collecting) -> None:
    result = run_api(tmp_path, """
        dagId: mail
        tasks:
          - taskId: notify
            operator: email
            params:
              to: [ops@example.com, dev@example.com]
              cc: boss@example.com
              from: flowrun@example.com
              subject: "Report {{ ds }}"
              body: "Run {{ run_id }} is done."
    """, execution_date="2026-05-06")
    assert result.state == "success", result.tasks["notify"].error
    output = result.tasks["notify"].output
    assert output["to"] == ["ops@example.com", "dev@example.com"]
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert sorted(envelope.rcpt_tos) == ["boss@example.com", "dev@example.com", "ops@example.com"]
    assert envelope.mail_from == "flowrun@example.com"
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert message["Subject"] == "Report 2026-05-06"
    assert message["Message-ID"] == output["messageId"]
    assert "ops@example.com" in message["To"] and "dev@example.com" in message["To"]
    assert f"Run {result.run_id} is done." in message.get_content()


def test_email_header_injection_fails_the_try_not_the_run(tmp_path: Path, smtp_server: Collecting) -> None:
    result = run_api(tmp_path, """
        dagId: injection
        tasks:
          - taskId: notify
            operator: email
            params: {to: a@example.com, subject: "hello\\nBcc: victim@example.com", body: b}
          - {taskId: other, operator: bash, params: {command: "echo fine"}}
    """)
    assert result.tasks["notify"].state == "failed"
    assert "ValueError" in (result.tasks["notify"].error or "")
    assert smtp_server.envelopes == []
    assert result.tasks["other"].output == "fine"
    assert result.state == "failed"


def test_email_without_a_server_fails_the_try(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWRUN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("FLOWRUN_SMTP_PORT", str(_free_port()))
    result = run_api(tmp_path, """
        dagId: nomail
        tasks:
          - {taskId: notify, operator: email, params: {to: a@example.com, subject: s, body: b}}
    """)
    assert result.tasks["notify"].state == "failed"
    assert "sending mail through 127.0.0.1" in (result.tasks["notify"].error or "")


# -- branch and transfer ------------------------------------------------------------------------------

BRANCHING = """
dagId: branching
tasks:
  - taskId: check
    operator: bash
    params: {command: "echo '{\\"status\\": \\"STATUS\\"}'"}
  - taskId: decide
    operator: branch
    dependencies: [check]
    params:
      condition: "'proceed' if ti.xcom_pull(task_ids='check').status == 'healthy' else 'circuit_open'"
      branches: {proceed: [load, report], circuit_open: alarm}
  - {taskId: load, operator: bash, params: {command: "echo loaded"}, dependencies: [decide]}
  - {taskId: report, operator: dummy, dependencies: [decide]}
  - {taskId: alarm, operator: bash, params: {command: "echo alarm > alarm_ran"}, dependencies: [decide]}
  - {taskId: after_load, operator: dummy, dependencies: [load]}
  - {taskId: after_alarm, operator: bash, params: {command: "touch after_alarm_ran"}, dependencies: [alarm]}
  - {taskId: join, operator: dummy, dependencies: [load, alarm], triggerRule: none_failed_min_one_success}
"""


def test_branch_skips_the_unchosen_and_propagates(tmp_path: Path) -> None:
    result = run_api(tmp_path, BRANCHING.replace("STATUS", "healthy"))
    states = {t: r.state for t, r in result.tasks.items()}
    assert result.tasks["decide"].output == "proceed"
    assert states == {
        "check": "success", "decide": "success", "load": "success", "report": "success",
        "alarm": "skipped", "after_load": "success", "after_alarm": "skipped", "join": "success",
    }
    assert not (tmp_path / "alarm_ran").exists()
    assert not (tmp_path / "after_alarm_ran").exists()
    assert result.state == "success"


def test_branch_other_way(tmp_path: Path) -> None:
    result = run_api(tmp_path, BRANCHING.replace("STATUS", "degraded"))
    assert result.tasks["decide"].output == "circuit_open"
    assert result.tasks["load"].state == "skipped"
    assert result.tasks["report"].state == "skipped"
    assert result.tasks["after_load"].state == "skipped"
    assert result.tasks["alarm"].state == "success"
    assert result.tasks["after_alarm"].state == "success"
    assert result.tasks["join"].state == "success"
    assert (tmp_path / "alarm_ran").exists()


def test_branch_condition_with_unknown_key_fails(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: badbranch
        tasks:
          - taskId: decide
            operator: branch
            params: {condition: "'nowhere'", branches: {yes: a, no: b}}
          - {taskId: a, operator: dummy, dependencies: [decide]}
          - {taskId: b, operator: dummy, dependencies: [decide]}
    """)
    assert result.tasks["decide"].state == "failed"
    assert "nowhere" in (result.tasks["decide"].error or "")
    assert result.tasks["a"].state == "upstream_failed"
    assert result.tasks["b"].state == "upstream_failed"


def test_transfer_outputs_its_source(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: transfer
        tasks:
          - {taskId: produce, operator: bash, params: {command: "echo '{\\"rows\\": [1, 2, 3], \\"name\\": \\"x\\"}'"}}
          - {taskId: copy, operator: transfer, params: {sourceTask: produce}, dependencies: [produce]}
          - {taskId: use, operator: python, dependencies: [copy],
             params: {pythonCode: "print(sum({{ ti.xcom_pull(task_ids='copy').rows | pyliteral }}))"}}
    """)
    assert result.tasks["copy"].output == {"rows": [1, 2, 3], "name": "x"}
    assert result.tasks["copy"].output == result.tasks["produce"].output
    assert result.tasks["use"].output == 6
    assert result.state == "success"


# -- outputs: schema, size, metrics -------------------------------------------------------------------


def test_output_schema(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: schema
        tasks:
          - taskId: good
            operator: bash
            params: {command: "echo '{\\"n\\": 3}'"}
            outputSchema: {type: object, properties: {n: {type: integer}}, required: [n]}
          - taskId: bad
            operator: bash
            params: {command: "echo '{\\"n\\": \\"three\\"}'"}
            outputSchema: {type: object, properties: {n: {type: integer}}, required: [n]}
          - {taskId: after_bad, operator: dummy, dependencies: [bad]}
    """)
    assert result.tasks["good"].state == "success"
    assert result.tasks["bad"].state == "failed"
    error = result.tasks["bad"].error or ""
    assert "outputSchema" in error and "n" in error
    assert result.tasks["after_bad"].state == "upstream_failed"
    # a failed try stores no output
    assert query(tmp_path / "s.db", "SELECT output FROM tasks WHERE task_id='bad'")[0]["output"] is None


def test_output_over_one_mib_fails(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: big
        tasks:
          - taskId: huge_line
            operator: python
            params: {pythonCode: "print('x' * (1024 * 1024 + 10))"}
          - taskId: huge_json
            operator: python
            params: {pythonCode: "import json; print(json.dumps(['y' * 1000] * 1100))"}
          - taskId: many_small_lines
            operator: python
            params: {pythonCode: "print(('z' * 1000 + chr(10)) * 2000, end=''); print('small')"}
          - taskId: huge_then_small
            operator: python
            params: {pythonCode: "print('x' * (3 * 1024 * 1024)); print('small')"}
          - taskId: huge_without_newline
            operator: python
            params: {pythonCode: "print('x' * (3 * 1024 * 1024), end='')"}
    """)
    for task in ("huge_line", "huge_json", "huge_without_newline"):
        assert result.tasks[task].state == "failed", task
        assert "write the data to a file" in (result.tasks[task].error or "")
    for task in ("many_small_lines", "huge_then_small"):  # only the last line is the output
        assert result.tasks[task].state == "success", result.tasks[task].error
        assert result.tasks[task].output == "small"
    size = (tmp_path / "s.db").stat().st_size
    assert size < 1024 * 1024  # the oversized output was not stored


def test_metrics_from_json_lines(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: metrics
        tasks:
          - taskId: m
            operator: bash
            params:
              command: |
                echo '{"rows": 10, "ratio": 0.5, "name": "batch", "ok": true, "nested": {"x": 1}}'
                echo 'plain line'
                echo '{"rows": 20}'
                echo '[1, 2]'
                echo '{"broken": '
                echo done
    """)
    assert result.tasks["m"].output == "done"
    rows = query(tmp_path / "s.db", "SELECT task_id, name, value, run_id FROM metrics ORDER BY rowid")
    assert [(r["name"], r["value"]) for r in rows] == [("rows", 10.0), ("ratio", 0.5), ("rows", 20.0)]
    assert {r["task_id"] for r in rows} == {"m"}
    assert {r["run_id"] for r in rows} == {result.run_id}


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_output_collector_in_chunks(size: int) -> None:
    from runner.run.operators.base import OutputCollector

    text = 'noise\n{"rows": 5, "label": "x"}\n\n  \nlast line\r\n\n'
    collector = OutputCollector()
    for i in range(0, len(text), size):
        collector.feed(text[i:i + size])
    assert collector.output() == "last line"
    assert collector.metrics == [("rows", 5.0)]


def test_output_collector_limits() -> None:
    from runner.run.operators.base import MAX_OUTPUT, OutputCollector, TaskFailure

    collector = OutputCollector()
    for _ in range(40):
        collector.feed("y" * 65536)  # one 2.5 MiB line, read in pipe-sized chunks
    collector.feed("\n42\n")
    assert collector.output() == 42
    collector = OutputCollector()
    collector.feed("z" * (MAX_OUTPUT + 1))
    with pytest.raises(TaskFailure, match="write the data to a file"):
        collector.output()
    held = OutputCollector(held=lambda: "tail\n")
    held.feed("first\n")
    assert held.output() == "tail"  # what a stream filter still held back is read first
