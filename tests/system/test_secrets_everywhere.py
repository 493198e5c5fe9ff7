"""A secret leaves no trace in anything flowrun writes, wherever the secret went.

test_masking.py checks the masker and the run's logs and store. Here a real run sends the secret
everywhere at once (task output in every encoding and split across writes, error messages,
template errors, URLs, metric names, alerts to a command notifier and to a webhook, a resumed
run, `runs show`, `runs report`, bad `--param` values, `--dry-run`), then every byte below the
test's directory (state db, -wal, -shm, logs, report, notifier and webhook captures) and every
captured stdout/stderr is searched for the secret and its encodings.
"""

from __future__ import annotations

import base64
import html
import json
import socket
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from runner_helpers import cli_env, flowrun, query, write_workflow

from runner.run.masking import MASK, variants

# -- what must not appear ---------------------------------------------------------------------------


def secret_forms(secret: str) -> dict[str, bytes]:
    """The secret and the encodings a leak could take (base64 without its alignment edges)."""
    raw = secret.encode()
    json_body = json.dumps(secret)[1:-1]
    forms = {
        "plain": secret,
        "quote": quote(secret, safe=""),
        "quote_slash": quote(secret),
        "quote_plus": quote_plus(secret, safe=""),
        "json": json_body,
        "json_unicode": json.dumps(secret, ensure_ascii=False)[1:-1],
        "html": html.escape(secret),
        "html_noquote": html.escape(secret, quote=False),
        "html_json": html.escape(json_body),
        "tojson": json_body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("'", "\\u0027"),
    }
    out = {name: form.encode() for name, form in forms.items()}
    for name, data in (("b64", raw), ("b64x", b"x" + raw), ("b64xy", b"xy" + raw), ("b64nl", raw + b"\n")):
        out[name] = base64.b64encode(data)[4:-4]
    return out


def everything_written(root: Path, captured: dict[str, str]) -> dict[str, bytes]:
    """Every file below `root` (flowrun's and the notifiers' output) and every captured stream."""
    haystacks = {f"<{name}>": text.encode("utf-8", "replace") for name, text in captured.items()}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            haystacks[str(path.relative_to(root))] = path.read_bytes()
    return haystacks


def assert_nowhere(secret: str, haystacks: dict[str, bytes], forms: dict[str, bytes] | None = None) -> None:
    forms = forms if forms is not None else secret_forms(secret)
    leaks = [f"the {name} form is in {where}" for name, form in forms.items()
             for where, data in haystacks.items() if form in data]
    assert not leaks, "\n".join(leaks)


# -- a webhook that keeps every body it gets, in a file -----------------------------------------------


@pytest.fixture
def webhook(tmp_path: Path) -> Iterator[str]:
    received = tmp_path / "webhook"
    received.mkdir()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            (received / f"{uuid.uuid4().hex}.body").write_bytes(self.requestline.encode() + b"\n" + body)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the run --------------------------------------------------------------------------------------------

PRINTER = r"""
import base64, json, os, sys, time
from urllib.parse import quote, quote_plus
t = os.environ["TOKEN"]
sys.stdout.write("half:" + t[:len(t) // 2]); sys.stdout.flush(); time.sleep(0.2)
sys.stdout.write(t[len(t) // 2:] + " end\n"); sys.stdout.flush()
sys.stderr.write("err:" + t[:3]); sys.stderr.flush(); time.sleep(0.2)
sys.stderr.write(t[3:] + "\n"); sys.stderr.flush()
for prefix in (b"", b"x", b"xy"):
    print(base64.b64encode(prefix + t.encode()).decode())
print(base64.b64encode(t.encode() + b"\n").decode())
print(quote(t, safe=""), quote(t), quote_plus(t, safe=""))
print(json.dumps({t: 7, "tokens": 1}))
print(json.dumps({"token": t}))
"""

WORKFLOW = """
dagId: secrets_everywhere
params:
  note: {type: string, default: "-"}
alerts:
  - id: tell
    on: [task_failed, task_retry, run_failed]
    severity: critical
    message: "{{ task_id }} failed: {{ error }}"
    notify:
      - command: 'cat > "ALERTS/$FLOWRUN_ALERT_EVENT.$$.stdin"; env > "ALERTS/$FLOWRUN_ALERT_EVENT.$$.env"'
      - webhook: WEBHOOK
tasks:
  - taskId: printer
    operator: python
    params:
      pythonCode: PRINTER
      env: {TOKEN: "{{ var.secret.TOKEN }}"}
  - taskId: on_command_line
    operator: bash
    params:
      command: "echo {{ var.secret.TOKEN | shell_quote }} {{ var.secret.TOKEN | urlencode }} {{ params.note | shell_quote }}"
  - taskId: error_message
    operator: python
    retryPolicy: {maxRetries: 1, retryDelay: 10ms}
    params:
      pythonCode: 'import os; raise SystemExit("cannot log in with " + os.environ["TOKEN"])'
      env: {TOKEN: "{{ var.secret.TOKEN }}"}
  - taskId: template_error
    operator: bash
    params:
      command: "echo {{ params[var.secret.TOKEN] }}"
  - taskId: url_error
    operator: http
    params:
      url: "http://127.0.0.1:CLOSED/{{ var.secret.TOKEN | urlencode }}?t={{ var.secret.TOKEN }}"
  - taskId: schema_error
    operator: python
    outputSchema: {type: object, properties: {token: {type: integer}}}
    params:
      pythonCode: 'import json, os; print(json.dumps({"token": os.environ["TOKEN"]}))'
      env: {TOKEN: "{{ var.secret.TOKEN }}"}
  - taskId: consumer
    operator: bash
    dependencies: [printer]
    params:
      command: "echo {{ ti.xcom_pull(task_ids='printer') | tojson | shell_quote }}"
"""


def test_a_secret_leaves_no_trace_in_anything_flowrun_writes(tmp_path: Path, webhook: str) -> None:
    secret = f'Q<&"{uuid.uuid4().hex[:10]}/+= {uuid.uuid4().hex[:10]}'
    alerts = tmp_path / "alerts"
    alerts.mkdir()
    text = (WORKFLOW.replace("PRINTER", json.dumps(PRINTER)).replace("CLOSED", str(_closed_port()))
            .replace("ALERTS", str(alerts)).replace("WEBHOOK", webhook))
    path = write_workflow(tmp_path, text)
    env = cli_env(FLOWRUN_SECRET_TOKEN=secret)
    captured: dict[str, str] = {}

    def run(name: str, *args: str, code: int | None = None) -> subprocess.CompletedProcess[str]:
        proc = flowrun(tmp_path, *args, env=env)
        captured[f"{name} stdout"], captured[f"{name} stderr"] = proc.stdout, proc.stderr
        if code is not None:
            assert proc.returncode == code, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        return proc

    run("run", "run", str(path), "--param", f"note={secret}", code=1)
    # a reader holds the store open: the runs below leave their -wal and -shm files to be searched
    holder = sqlite3.connect(str(tmp_path / ".flowrun" / "state.db"))
    holder.execute("SELECT COUNT(*) FROM runs").fetchall()
    run("json run", "run", str(path), "--log-format", "json", code=1)
    run("resume", "run", str(path), "--resume", "last", code=1)
    run("runs", "runs", code=0)
    show = run("show", "runs", "show", "last", code=0)
    show_json = run("show json", "runs", "show", "last", "--format", "json", code=0)
    first = query(tmp_path / ".flowrun" / "state.db", "SELECT run_id FROM runs ORDER BY started_at LIMIT 1")[0][0]
    show_first = run("show first", "runs", "show", first, "--format", "json", code=0)
    run("report", "runs", "report", first, "-o", str(tmp_path / "r.html"), code=0)
    run("report last", "runs", "report", "last", "-o", str(tmp_path / "last.html"), code=0)
    run("dry run", "run", str(path), "--dry-run", "--param", f"note={secret}", code=0)
    run("dry run json", "run", str(path), "--dry-run", "--format", "json", "--param", f"note={secret}", code=0)
    bad_date = run("bad date", "run", str(path), "--execution-date", secret, code=2)

    # everything happened: the secret went through each of these paths, masked
    state = tmp_path / ".flowrun" / "state.db"
    outputs = {r["task_id"]: r["output"] for r in query(state, "SELECT task_id, output FROM tasks WHERE run_id=?", first)}
    assert json.loads(outputs["printer"]) == {"token": MASK}
    assert json.loads(outputs["on_command_line"]) == f"{MASK} {MASK} {MASK}"
    assert json.loads(outputs["consumer"]) == {"token": MASK}
    errors = {r["task_id"]: r["error"] for r in query(state, "SELECT task_id, error FROM tries WHERE run_id=?", first)}
    assert MASK in errors["template_error"] and MASK in errors["url_error"]
    assert "outputSchema" in errors["schema_error"] and MASK in errors["schema_error"]
    metric_names = {r["name"] for r in query(state, "SELECT name FROM metrics")}
    assert metric_names == {MASK, "tokens"}
    params = [json.loads(r["params"]) for r in query(state, "SELECT params FROM runs")]
    assert {"note": MASK} in params
    printer_log = next((tmp_path / ".flowrun" / "logs").rglob("printer/1.log")).read_text()
    # stdout and stderr interleave in the log, each pipe masked on its own
    assert "half:" in printer_log and f"{MASK} end" in printer_log and "err:" in printer_log
    dies_log = next((tmp_path / ".flowrun" / "logs").rglob("error_message/1.log")).read_text()
    assert f"cannot log in with {MASK}" in dies_log

    stdin_files = sorted(alerts.glob("*.stdin"))
    env_files = sorted(alerts.glob("*.env"))
    assert {p.name.split(".")[0] for p in stdin_files} == {"task_failed", "task_retry", "run_failed"}
    assert len(env_files) == len(stdin_files)
    bodies = [json.loads(p.read_text()) for p in stdin_files]
    assert any(MASK in b["message"] for b in bodies)
    for env_file in env_files:
        assert "FLOWRUN_ALERT_MESSAGE=" in env_file.read_text()
        assert "FLOWRUN_SECRET_" not in env_file.read_text()  # a notifier does not inherit the secrets
    hooks = sorted((tmp_path / "webhook").glob("*.body"))
    assert len(hooks) == len(stdin_files)
    assert any(MASK in json.loads(h.read_bytes().split(b"\n", 1)[1])["message"] for h in hooks)

    report = (tmp_path / "r.html").read_text()
    assert html.escape(MASK) in report or MASK in report
    assert MASK in show.stdout and MASK in show_json.stdout
    assert json.loads(show_first.stdout)["run"]["params"] == {"note": MASK}
    # the secret renders as *** in a dry run, and the --param that holds its value is masked too
    assert "command: echo '***' %2A%2A%2A '***'" in captured["dry run stdout"]
    assert MASK in bad_date.stderr

    # and the secret itself, in any encoding, is nowhere
    written = everything_written(tmp_path, captured)
    holder.close()
    assert {".flowrun/state.db", ".flowrun/state.db-wal", ".flowrun/state.db-shm", "r.html"} <= set(written)
    assert_nowhere(secret, written)


def test_a_secret_given_as_a_bad_param_is_masked_in_the_error(tmp_path: Path) -> None:
    secret = "param-secret-" + uuid.uuid4().hex[:12]
    path = write_workflow(tmp_path, """
        dagId: bad_param
        params:
          n: {type: integer, default: 1}
          short: {type: string, maxLength: 3, default: ""}
        tasks:
          - {taskId: t, operator: bash, params: {command: "echo {{ params.n }} {{ params.short | shell_quote }}"}}
    """)
    env = cli_env(FLOWRUN_SECRET_TOKEN=secret)
    captured = {}
    for i, args in enumerate([("--param", f"n={secret}"), ("--param", f"short={secret}"),
                              ("--dry-run", "--param", f"n={secret}"), ("--capacity", f"cpu={secret}")]):
        proc = flowrun(tmp_path, "run", str(path), *args, env=env)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("flowrun: error: ") and MASK in proc.stderr
        assert "Traceback" not in proc.stderr
        captured[f"{i} out"], captured[f"{i} err"] = proc.stdout, proc.stderr
    assert_nowhere(secret, everything_written(tmp_path, captured))


# -- a secret shorter than 4 characters ------------------------------------------------------------------


def test_a_short_secret_is_masked_verbatim_only_with_a_warning(tmp_path: Path) -> None:
    """runner/run/masking.py: a secret under 4 characters is masked as it is (every occurrence),
    with no encoded variant (an encoded 3-character string would mask noise), and `prepare`
    warns about it; the warning does not show the secret."""
    short = "Zq~"
    assert variants(short) == {short}
    encoded = base64.b64encode(short.encode()).decode()  # "WnF+": not masked, by design
    path = write_workflow(tmp_path, """
        dagId: short_secret
        alerts:
          - id: tell
            on: [task_failed]
            message: "{{ error }}"
            notify:
              - command: 'cat > alert.stdin; env > alert.env'
        tasks:
          - taskId: t
            operator: bash
            params:
              command: 'echo "pin $PIN"; echo "pin=$PIN" >&2; printf %s "$PIN" | base64; echo "$PIN"'
              env: {PIN: "{{ var.secret.PIN }}"}
          - taskId: f
            operator: bash
            params:
              command: "echo {{ params[var.secret.PIN] }}"
    """)
    env = cli_env(FLOWRUN_SECRET_PIN=short)
    proc = flowrun(tmp_path, "run", str(path), env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "a secret is shorter than 4 characters; every occurrence of it is masked (3 characters)" in proc.stderr
    show = flowrun(tmp_path, "runs", "show", "last", "--format", "json", env=env)
    report = flowrun(tmp_path, "runs", "report", "last", "-o", "r.html", env=env)
    assert show.returncode == 0 and report.returncode == 0

    state = tmp_path / ".flowrun" / "state.db"
    assert json.loads(query(state, "SELECT output FROM tasks WHERE task_id='t'")[0]["output"]) == MASK
    log = next((tmp_path / ".flowrun" / "logs").rglob("t/1.log")).read_text()
    assert f"pin {MASK}" in log and f"pin={MASK}" in log
    assert encoded in log  # the documented limit: no encoded variant of a short secret
    assert MASK in (tmp_path / "alert.stdin").read_text()
    captured = {"run out": proc.stdout, "run err": proc.stderr, "show": show.stdout, "report": report.stdout}
    verbatim = {"plain": short.encode(), "html": html.escape(short).encode()}
    assert_nowhere(short, everything_written(tmp_path, captured), verbatim)
