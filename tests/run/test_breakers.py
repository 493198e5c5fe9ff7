"""Circuit breakers (runner/run/breakers.py), with real `flowrun run` processes against a real
HTTP server on 127.0.0.1 that fails on demand and counts the requests it gets.

`resetAfter` is 1s, so a test waits about a second instead of minutes.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from runner_helpers import (
    STATE,
    background,
    dedent,
    events,
    flowrun,
    query,
    tries,
    wait_for,
    write_workflow,
)


class Service:
    """The called service: `mode` is ok, fail or hang; `requests` counts the calls."""

    def __init__(self) -> None:
        self.mode = "fail"
        self.requests = 0
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.url = ""


@pytest.fixture
def service() -> Iterator[Service]:
    svc = Service()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with svc.lock:
                svc.requests += 1
            if svc.mode == "hang":
                svc.release.wait(30)
            status = 200 if svc.mode in ("ok", "hang") else 503
            body = json.dumps({"ok": status == 200}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # a client killed meanwhile
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    svc.url = f"http://127.0.0.1:{server.server_port}/pay"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield svc
    finally:
        svc.release.set()
        server.shutdown()
        server.server_close()


def workflow(tmp_path: Path, url: str, alerts: str = "", execution: str = "5s", name: str = "wf.yaml",
             reset_after: str = "1s", dag_id: str = "payments") -> Path:
    return write_workflow(tmp_path, dedent(f"""
        dagId: {dag_id}
        tasks:
          - taskId: call_service
            operator: http
            timeout: {{execution: {execution}}}
            circuitBreaker: {{failureThreshold: 5, resetAfter: {reset_after}, key: payments-api}}
            params: {{url: "{url}"}}
          - taskId: fallback
            operator: bash
            dependencies: [call_service]
            triggerRule: one_failed
            params: {{command: "echo queued for later"}}
        """) + dedent(alerts), name)


def run(tmp_path: Path, name: str = "wf.yaml") -> dict[str, Any]:
    """One `flowrun run`; its run id and the final states of its tasks."""
    proc = flowrun(tmp_path, "run", name, "--state", STATE)
    assert proc.returncode in (0, 1), proc.stderr
    run_id = query(tmp_path / STATE, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")[0][0]
    tasks = {r["task_id"]: dict(r) for r in query(tmp_path / STATE, "SELECT * FROM tasks WHERE run_id=?", run_id)}
    return {"run_id": run_id, "tasks": tasks, "stdout": proc.stdout, "code": proc.returncode}


def breaker(tmp_path: Path, key: str = "payments-api") -> dict[str, Any]:
    rows = query(tmp_path / STATE, "SELECT * FROM breakers WHERE key=?", key)
    return dict(rows[0]) if rows else {}


def open_it(tmp_path: Path, service: Service) -> None:
    for n in range(5):
        result = run(tmp_path)
        assert result["tasks"]["call_service"]["state"] == "failed"
        assert service.requests == n + 1
    assert breaker(tmp_path)["state"] == "open"


def test_five_failures_open_it_and_the_sixth_run_takes_the_fallback_without_a_call(tmp_path: Path,
                                                                                     service: Service) -> None:
    workflow(tmp_path, service.url, reset_after="1h")
    for n in range(4):
        run(tmp_path)
        assert breaker(tmp_path)["state"] == "closed"
        assert breaker(tmp_path)["failures"] == n + 1
    result = run(tmp_path)
    assert result["tasks"]["fallback"]["state"] == "success"  # a failing call is a failure either way
    assert breaker(tmp_path)["state"] == "open"
    assert len(events(tmp_path / STATE, "circuit_opened")) == 1

    sixth = run(tmp_path)
    assert service.requests == 5  # no call
    task = sixth["tasks"]["call_service"]
    assert task["state"] == "failed" and task["try_number"] == 0
    assert task["error"].startswith("circuit open: payments-api (5 consecutive failures, last at ")
    assert ", retry after " in task["error"]
    assert sixth["tasks"]["fallback"]["state"] == "success"
    assert not [t for t in tries(tmp_path / STATE, "call_service") if t["run_id"] == sixth["run_id"]]
    assert "circuit open: payments-api" in sixth["stdout"]
    short = events(tmp_path / STATE, "circuit_short_circuited", sixth["run_id"])
    assert len(short) == 1 and short[0]["payload"]["key"] == "payments-api"


def test_after_reset_after_one_trial_and_success_closes_it(tmp_path: Path, service: Service) -> None:
    workflow(tmp_path, service.url)
    open_it(tmp_path, service)
    time.sleep(1.1)  # resetAfter: 1s
    service.mode = "ok"
    trial = run(tmp_path)
    assert service.requests == 6  # one trial call
    assert trial["tasks"]["call_service"]["state"] == "success"
    assert trial["tasks"]["fallback"]["state"] == "skipped"
    assert breaker(tmp_path)["state"] == "closed" and breaker(tmp_path)["failures"] == 0
    assert len(events(tmp_path / STATE, "circuit_half_open", trial["run_id"])) == 1
    assert len(events(tmp_path / STATE, "circuit_closed", trial["run_id"])) == 1
    run(tmp_path)
    assert service.requests == 7  # closed: it calls again


def test_a_failed_trial_opens_it_again(tmp_path: Path, service: Service) -> None:
    workflow(tmp_path, service.url)
    open_it(tmp_path, service)
    first = breaker(tmp_path)
    time.sleep(1.1)
    run(tmp_path)
    assert service.requests == 6
    again = breaker(tmp_path)
    assert again["state"] == "open" and again["failures"] == 6
    assert again["retry_after"] > first["retry_after"] + 1  # open for another resetAfter, from the trial's end
    assert len(events(tmp_path / STATE, "circuit_opened")) == 2


def test_two_concurrent_runs_during_half_open_make_one_call(tmp_path: Path, service: Service) -> None:
    workflow(tmp_path, service.url)
    workflow(tmp_path, service.url, name="other.yaml", dag_id="refunds")  # another workflow, the same key
    open_it(tmp_path, service)
    time.sleep(1.1)
    service.mode = "hang"  # the trial's call is held until both runs have decided
    with background(tmp_path, "run", "wf.yaml", "--state", STATE) as first, \
            background(tmp_path, "run", "other.yaml", "--state", STATE) as second:
        wait_for(lambda: len(events(tmp_path / STATE, "circuit_short_circuited")) == 1 and service.requests == 6,
                 what="one trial and one short circuit")
        service.release.set()
        assert first.wait(60) is not None and second.wait(60) is not None
    assert service.requests == 6
    assert breaker(tmp_path)["state"] == "closed"
    assert len(events(tmp_path / STATE, "circuit_half_open")) == 1


def test_state_survives_a_sigkill_and_the_next_run_takes_over_after_the_trials_timeout(
        tmp_path: Path, service: Service) -> None:
    workflow(tmp_path, service.url, execution="6s")
    open_it(tmp_path, service)
    time.sleep(1.1)
    service.mode = "hang"
    with background(tmp_path, "run", "wf.yaml", "--state", STATE) as proc:
        wait_for(lambda: service.requests == 6, what="the trial's call")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    state = breaker(tmp_path)
    assert state["state"] == "half_open" and state["trial_task"] == "payments.call_service"
    assert state["trial_run"] is not None and state["failures"] == 5
    service.mode = "ok"
    during = run(tmp_path)  # within the trial's timeout (6s x 1 try): still the killed run's trial
    assert time.time() < state["trial_deadline"]
    assert during["tasks"]["call_service"]["state"] == "failed"
    assert during["tasks"]["call_service"]["error"].startswith("circuit open: payments-api")
    assert service.requests == 6
    wait_for(lambda: time.time() > state["trial_deadline"], what="the trial's timeout")
    during = run(tmp_path)
    assert during["tasks"]["call_service"]["state"] == "success"
    assert service.requests == 7
    assert events(tmp_path / STATE, "circuit_half_open")[-1]["payload"]["took_over_from"] == state["trial_run"]
    assert breaker(tmp_path)["state"] == "closed"


def test_alert_on_circuit_opened_fires_once_per_opening_with_its_cooldown(tmp_path: Path, service: Service) -> None:
    alerts = f"""
        alerts:
          - id: breaker
            on: [circuit_opened]
            cooldown: 1h
            message: "breaker {{{{ key }}}} opened after {{{{ failures }}}} failures"
            notify: [{{command: "echo \\"$FLOWRUN_ALERT_MESSAGE\\" >> {tmp_path}/alerts.txt"}}]
        """
    workflow(tmp_path, service.url, alerts=alerts)
    open_it(tmp_path, service)
    assert (tmp_path / "alerts.txt").read_text().splitlines() == ["breaker payments-api opened after 5 failures"]
    time.sleep(1.1)
    run(tmp_path)  # the failed trial opens it again: an opening within the cooldown
    assert len(events(tmp_path / STATE, "circuit_opened")) == 2
    assert (tmp_path / "alerts.txt").read_text().splitlines() == ["breaker payments-api opened after 5 failures"]


def test_a_store_without_the_breakers_table_gets_it_when_opened(tmp_path: Path, service: Service) -> None:
    import sqlite3

    from runner.run.store import Store
    from runner.run.store_schema import BREAKERS, SCHEMA

    old = sqlite3.connect(str(tmp_path / STATE))
    old.executescript(SCHEMA.replace(BREAKERS, ""))  # a store written before breakers existed
    old.close()
    assert not query(tmp_path / STATE, "SELECT name FROM sqlite_master WHERE name='breakers'")
    Store(tmp_path / STATE).close()
    assert query(tmp_path / STATE, "SELECT name FROM sqlite_master WHERE name='breakers'")
    workflow(tmp_path, service.url)
    run(tmp_path)
    assert breaker(tmp_path)["failures"] == 1
