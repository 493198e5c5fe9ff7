"""`flowrun breakers [--format json]` and `flowrun breakers reset KEY` (runner/cli/breakers.py),
on a breaker that real runs opened against a real failing HTTP server; `runs show` and the HTML
report mark the short-circuited task."""

from __future__ import annotations

import json
from pathlib import Path

from runner_helpers import STATE, flowrun
from test_breakers import Service, breaker, run, service, workflow  # noqa: F401 - the fixture


def _opened(tmp_path: Path, svc: Service) -> None:
    workflow(tmp_path, svc.url, reset_after="1h")
    for _ in range(5):
        run(tmp_path)
    assert breaker(tmp_path)["state"] == "open"


def test_breakers_lists_and_reset_closes(tmp_path: Path, service: Service) -> None:  # noqa: F811
    _opened(tmp_path, service)
    listed = flowrun(tmp_path, "breakers", "--state", STATE)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["KEY", "STATE", "FAILURES", "OPENED", "AT", "RETRY", "AFTER", "LAST", "ERROR"]
    assert lines[1].split()[:3] == ["payments-api", "open", "5"]
    assert "returned HTTP 503" in lines[1]

    as_json = flowrun(tmp_path, "breakers", "--state", STATE, "--format", "json")
    [entry] = json.loads(as_json.stdout)
    assert entry["key"] == "payments-api" and entry["state"] == "open" and entry["failures"] == 5
    assert entry["opened_at"].endswith("Z") and entry["retry_after"] > entry["opened_at"]
    assert "HTTP 503" in entry["last_error"]

    done = flowrun(tmp_path, "breakers", "reset", "payments-api", "--state", STATE)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "closed circuit breaker 'payments-api' (was open, 5 failures)\n"
    assert breaker(tmp_path)["state"] == "closed" and breaker(tmp_path)["failures"] == 0
    calls = service.requests
    run(tmp_path)
    assert service.requests == calls + 1  # closed: the next run calls again


def test_reset_of_an_unknown_key_and_a_bad_format_say_what_to_do(tmp_path: Path) -> None:
    none = flowrun(tmp_path, "breakers", "--state", STATE)
    assert none.returncode == 0 and none.stdout == "no circuit breakers in s.db\n"
    assert not (tmp_path / STATE).exists()  # listing creates no store
    missing = flowrun(tmp_path, "breakers", "reset", "nope", "--state", STATE)
    assert missing.returncode == 2
    assert missing.stderr.strip() == "flowrun: error: no circuit breaker 'nope': there is no state store at s.db"
    bad = flowrun(tmp_path, "breakers", "--format", "yaml", "--state", STATE)
    assert bad.returncode == 2 and "unknown format 'yaml'; expected one of: text, json" in bad.stderr
    assert "Traceback" not in missing.stderr + bad.stderr


def test_runs_show_and_the_report_mark_a_short_circuited_task(tmp_path: Path, service: Service) -> None:  # noqa: F811
    _opened(tmp_path, service)
    sixth = run(tmp_path)
    shown = flowrun(tmp_path, "runs", "show", sixth["run_id"], "--state", STATE)
    row = next(line for line in shown.stdout.splitlines() if line.strip().startswith("call_service"))
    assert "failed (short-circuited)" in row and "circuit open: payments-api" in row
    as_json = json.loads(flowrun(tmp_path, "runs", "show", "last", "--state", STATE, "--format", "json").stdout)
    flags = {t["task_id"]: t["short_circuited"] for t in as_json["tasks"]}
    assert flags == {"call_service": True, "fallback": False}
    report = flowrun(tmp_path, "runs", "report", "last", "-o", "-", "--state", STATE)
    assert report.stdout.count("short-circuited</span>") == 1
