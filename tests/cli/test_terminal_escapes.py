"""What flowrun prints holds no control character it did not write itself (issue 12 item 3): a
server's error text, a rendered alert, a value quoted from a workflow file or a file name cannot
set the window title, clear the screen, overwrite a line or write the clipboard (OSC 52)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from runner_helpers import cli_env, flowrun, write_workflow

from runner.escapes import printable, printable_lines

# set the title, clear the screen, go back to the line start, print a fake line, write the clipboard
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[H\r\x1b[Kall tasks succeeded\x1b]52;c;ZXZpbA==\x07\u202eevil\x9b31m"
CONTROLS = ("\x1b", "\x07", "\r", "\x9b", "\u202e")


def test_printable_escapes_controls_and_keeps_text() -> None:
    assert printable("plain text, été, 日本語, tab-free") == "plain text, été, 日本語, tab-free"
    shown = printable(HOSTILE)
    assert not any(c in shown for c in CONTROLS)
    assert shown.startswith("\\x1b]0;pwned\\x07\\x1b[2J")
    assert "\\u202e" in shown and "\\x9b" in shown and "\\r" in shown
    assert printable("a\nb\tc\x00") == "a\\nb\\tc\\x00"
    assert printable(shown) == shown  # once is enough: escaping again changes nothing
    assert printable("bad byte \udcff in a name") == "bad byte \\udcff in a name"
    assert printable(None) == ""
    assert printable_lines("line one\x1b[2J\nline two") == "line one\\x1b[2J\nline two"


class _Hostile(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = HOSTILE.encode("utf-8")
        self.send_response(500)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hostile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_run_output_escapes_a_servers_error_text_and_alerts(tmp_path: Path, hostile_server: str) -> None:
    write_workflow(tmp_path, f"""
        dagId: hostile
        alerts:
          - id: told
            on: [task_failed]
            message: "failed: {{{{ error }}}}"
            notify: [{{command: "true"}}]
        tasks:
          - taskId: call
            operator: http
            params: {{url: "{hostile_server}/"}}
            timeout: {{execution: 30s}}
            retryPolicy: {{maxRetries: 1, retryDelay: 10ms}}
    """)
    result = flowrun(tmp_path, "run", "wf.yaml", "--state", "s.db", env=cli_env())
    assert result.returncode == 1, result.stderr
    out = result.stdout + result.stderr
    assert not any(c in out for c in CONTROLS), repr(out)
    assert "\\x1b]52;c;ZXZpbA==\\x07" in out  # shown, not acted on
    assert "retrying" in out and "alert 'told'" in out
    assert out.count("all tasks succeeded") == 3  # the retry line, the failure line, the alert: all escaped


def test_lint_text_output_escapes_values_quoted_from_the_file(tmp_path: Path) -> None:
    """An unknown key written with YAML escapes ("\\e]0;...\\a") is quoted in the finding."""
    (tmp_path / "wf.yaml").write_text(
        'dagId: quoted\ntasks:\n  - taskId: a\n    operator: dummy\n    "\\e]0;owned\\a\\e[2J": 1\n', encoding="utf-8"
    )
    for fmt in ("text", "github"):
        result = flowrun(tmp_path, "lint", "wf.yaml", "--format", fmt, env=cli_env())
        assert result.returncode == 1, result.stdout + result.stderr
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout, repr(result.stdout)
        assert "\\x1b]0;owned\\x07" in result.stdout


def test_dry_run_escapes_params(tmp_path: Path) -> None:
    write_workflow(tmp_path, {"dagId": "dry", "tasks": [
        {"taskId": "a", "operator": "bash", "params": {"command": "echo one\necho '\x1b]52;c;eA==\x07'"}},
    ]})
    result = flowrun(tmp_path, "run", "wf.yaml", "--dry-run", env=cli_env())
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "echo one\n" in result.stdout and "\\x1b]52;c;eA==\\x07" in result.stdout
