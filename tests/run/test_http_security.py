"""The http operator and secrets (issue 12 item 3): a body that echoes a secret across the cut of
the error excerpt, and redirects to another origin (two real servers on two ports of 127.0.0.1)
that must not receive credentials; https -> http is refused."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from runner_helpers import cli_env, flowrun, run_api, write_workflow

from runner.run.masking import Masker
from runner.run.operators.base import TaskFailure, TryContext
from runner.run.operators.http import next_hop

SECRET = "sk-live-7f3a9c2e41b8d605e9a1c4f7b2d8"  # 35 characters
OTHER = "other-secret-5d2c8e1f"


class Server:
    """A real HTTP server in a thread; `routes` maps a path to (status, headers, body)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        recorded, routes = self.requests, self.routes

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                 "body": body})
                status, headers, content = routes.get(self.path, (404, {}, b"no such page"))
                self.send_response(status)
                for name, value in {"Content-Type": "text/plain", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    first, second = Server(), Server()
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def _everything(tmp_path: Path) -> str:
    """Every byte flowrun wrote below tmp_path (store, logs, report), as text."""
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in tmp_path.rglob("*")
                   if p.is_file() and p.name not in ("secrets.env", "secrets.yaml", "secret.txt"))


# -- mask first, cut after ------------------------------------------------------------------------------


def test_an_echoed_secret_across_the_cut_leaves_no_part(tmp_path: Path, servers: tuple[Server, Server]) -> None:
    """The excerpt was text[:200], masked afterwards: 25 of the 35 characters were shown."""
    server, _ = servers
    server.routes["/echo"] = (401, {}, ("x" * 175 + f" bad token {SECRET} for user").encode())
    secrets = tmp_path / "secrets.env"
    secrets.write_text(f"TOKEN={SECRET}\n")
    write_workflow(tmp_path, f"""
        dagId: echo
        tasks:
          - taskId: call
            operator: http
            params:
              url: "{server.url}/echo"
              headers: {{X-Token: "{{{{ var.secret.TOKEN }}}}"}}
    """)
    run = flowrun(tmp_path, "run", "wf.yaml", "--secrets", str(secrets), "--state", "s.db", env=cli_env())
    shown = flowrun(tmp_path, "runs", "show", "last", "--state", "s.db", "--format", "json", env=cli_env())
    report = flowrun(tmp_path, "runs", "report", "last", "--state", "s.db", "-o", "r.html", env=cli_env())
    assert run.returncode == 1, run.stderr
    assert shown.returncode == 0 and report.returncode == 0, shown.stderr + report.stderr
    assert "returned HTTP 401" in run.stdout
    for where, text in (("stdout", run.stdout + run.stderr), ("runs show", shown.stdout), ("files", _everything(tmp_path))):
        assert SECRET[:8] not in text, where  # no part of it, before the cut or after
    error = json.loads(shown.stdout)
    assert "bad token ***" in json.dumps(error)


# -- redirects ------------------------------------------------------------------------------------------


CREDENTIALS = {
    "Authorization": "Bearer {{ var.secret.TOKEN }}",
    "X-Api-Key": "{{ var.value.API_KEY }}",  # credential-like names, values that are not secrets
    "PRIVATE-TOKEN": "{{ var.value.GITLAB }}",
    "Cookie": "session={{ var.value.SESSION }}",
    "X-Custom": "v={{ var.secret.OTHER }}",
}


def _redirect_flow(tmp_path: Path, start: Server, target: str, status: int = 302, method: str = "GET",
                   body: str | None = None, **params: Any) -> Any:
    start.routes["/go"] = (status, {"Location": target}, b"moved")
    headers = {**CREDENTIALS, "X-Trace": "trace-7"}
    task: dict[str, Any] = {"taskId": "call", "operator": "http",
                            "params": {"url": f"{start.url}/go", "method": method, "headers": headers, **params}}
    if body is not None:
        task["params"]["body"] = body
    (tmp_path / "secrets.env").write_text(f"TOKEN={SECRET}\nOTHER={OTHER}\n")
    (tmp_path / "vars.env").write_text("API_KEY=k-plain-key-0042\nGITLAB=glpat-plain-0042\nSESSION=abc123\n")
    return run_api(tmp_path, {"dagId": "redirect", "tasks": [task]}, secrets_file=str(tmp_path / "secrets.env"),
                   vars_file=str(tmp_path / "vars.env"))


def test_a_redirect_to_another_origin_carries_no_credential(tmp_path: Path, servers: tuple[Server, Server]) -> None:
    """httpx strips only Authorization: X-Api-Key, PRIVATE-TOKEN, Cookie and a header holding a
    secret reached the other port."""
    first, second = servers
    second.routes["/landing"] = (200, {"Content-Type": "application/json"}, b'{"landed": true}')
    result = _redirect_flow(tmp_path, first, f"{second.url}/landing")
    assert result.tasks["call"].state == "success", result.tasks["call"].error
    assert result.tasks["call"].output == {"landed": True}
    assert [r["path"] for r in second.requests] == ["/landing"]
    received = {k.lower(): v for k, v in second.requests[0]["headers"].items()}
    for name in CREDENTIALS:
        assert name.lower() not in received, name
    assert SECRET not in json.dumps(received) and OTHER not in json.dumps(received)
    assert received["x-trace"] == "trace-7"  # what is not a credential still goes
    sent = {k.lower(): v for k, v in first.requests[0]["headers"].items()}
    assert sent["x-api-key"] == "k-plain-key-0042" and sent["authorization"] == f"Bearer {SECRET}"
    log = next(tmp_path.rglob("1.log")).read_text()
    assert "X-Api-Key" in log and "not sent" in log and SECRET not in log


def test_a_redirect_on_the_same_origin_keeps_the_headers(tmp_path: Path, servers: tuple[Server, Server]) -> None:
    first, _ = servers
    first.routes["/landing"] = (200, {}, b"here")
    result = _redirect_flow(tmp_path, first, "/landing")
    assert result.tasks["call"].output == "here"
    landing = next(r for r in first.requests if r["path"] == "/landing")
    assert landing["headers"].get("X-Api-Key") == "k-plain-key-0042"
    assert landing["headers"].get("Authorization") == f"Bearer {SECRET}"


def test_a_body_holding_a_secret_is_not_resent_to_another_origin(tmp_path: Path,
                                                                 servers: tuple[Server, Server]) -> None:
    first, second = servers
    second.routes["/landing"] = (200, {}, b"ok")
    result = _redirect_flow(tmp_path, first, f"{second.url}/landing", status=307, method="POST",
                            body='{"password": "{{ var.secret.TOKEN }}"}')
    assert result.tasks["call"].state == "failed"
    assert "holds a secret" in (result.tasks["call"].error or "")
    assert second.requests == []


def test_follow_redirects_false_returns_the_redirect(tmp_path: Path, servers: tuple[Server, Server]) -> None:
    first, second = servers
    result = _redirect_flow(tmp_path, first, f"{second.url}/landing", followRedirects=False, expectStatus=302)
    assert result.tasks["call"].state == "success"
    assert result.tasks["call"].output == "moved"
    assert second.requests == []


def _context(masker: Masker, logged: list[str]) -> TryContext:
    return TryContext(task=None, params={}, template_context={}, outputs={}, log=logged.append,  # type: ignore[arg-type]
                      stdout=logged.append, stderr=logged.append, on_process=lambda pid: None, cwd=".",
                      mask=masker.mask)


def test_https_to_http_is_never_followed() -> None:
    """(No TLS server here: the decision, on httpx requests and responses built by hand.)"""
    masker = Masker([SECRET])
    request = httpx.Request("GET", "https://api.example.com/a", headers={"X-Api-Key": SECRET})
    for target in ("http://api.example.com/b", "http://elsewhere.example.com/b"):
        response = httpx.Response(301, headers={"Location": target}, request=request)
        following = httpx.Request("GET", target, headers=request.headers)
        with pytest.raises(TaskFailure, match="from https to another scheme is not followed"):
            next_hop(_context(masker, []), request, response, following, b"")
    # the upgrade http -> https on the same host keeps the headers, as requests and httpx do
    plain = httpx.Request("GET", "http://api.example.com/a", headers={"X-Api-Key": SECRET})
    response = httpx.Response(301, headers={"Location": "https://api.example.com/a"}, request=plain)
    upgraded = httpx.Request("GET", "https://api.example.com/a", headers=plain.headers)
    assert next_hop(_context(masker, []), plain, response, upgraded, b"").headers["X-Api-Key"] == SECRET
    # to another host over https: the header holding a secret stays behind
    other = httpx.Request("GET", "https://other.example.com/a", headers=request.headers)
    response = httpx.Response(302, headers={"Location": "https://other.example.com/a"}, request=request)
    assert "X-Api-Key" not in next_hop(_context(masker, []), request, response, other, b"").headers


def test_an_alert_commands_stderr_is_masked_before_its_last_line_is_taken(tmp_path: Path) -> None:
    """The error of a failed command notifier is its last stderr line. Taken before masking, the
    last line of a multi-line secret (too short to be masked on its own) was recorded in clear."""
    secret = "first-part-of-it-9f2c\nZq7"
    (tmp_path / "secret.txt").write_text(secret)
    (tmp_path / "secrets.yaml").write_text(json.dumps({"MULTI": secret}))
    result = run_api(tmp_path, {
        "dagId": "alert_tail",
        "alerts": [{"id": "tell", "on": ["task_failed"],
                    "notify": [{"command": f"cat '{tmp_path / 'secret.txt'}' >&2; exit 3"}]}],
        "tasks": [{"taskId": "a", "operator": "bash",
                   "params": {"command": "exit 1", "env": {"M": "{{ var.secret.MULTI }}"}}}],
    }, secrets_file=str(tmp_path / "secrets.yaml"))
    assert result.tasks["a"].state == "failed"
    store = _everything(tmp_path)
    assert "status 3 ***" in store  # the notifier failed, and its last line is the masked secret
    assert "Zq7" not in store and "first-part" not in store
