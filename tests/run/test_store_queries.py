"""The store's read queries (runner/run/store.py) against a state store written by real runs.

`run_tasks`, `run_tries`, `run_events` and `run_metrics` are what `flowrun runs show` and
`runs report` read; `scheduled_dates` is what the scheduler resumes its ticks from; `state_path`
is where every command finds the store. Each is checked for what it returns, in which order,
and that it never returns another run's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from runner_helpers import run_api

from runner.run.store import DEFAULT_STATE, Store, state_path


def workflow(marker: Path) -> dict[str, Any]:
    """`zeta` runs first and `alpha` last, but alpha sorts first: the orders below tell them apart.
    `flaky` fails its first try and succeeds on its second; `alpha` fails (so does the run)."""
    flaky = (f"if [ -f {marker} ]; then echo '{{\"attempt\": 2}}'; "
             f"else touch {marker}; echo '{{\"attempt\": 1}}'; exit 3; fi")
    return {"dagId": "queries", "tasks": [
        {"taskId": "zeta", "operator": "bash", "params": {"command": """echo '{"rows": 3, "elapsed": 1.5}'"""}},
        {"taskId": "flaky", "operator": "bash", "dependencies": ["zeta"],
         "retryPolicy": {"maxRetries": 1, "retryDelay": "10ms"}, "params": {"command": flaky}},
        {"taskId": "alpha", "operator": "bash", "dependencies": ["flaky"], "params": {"command": "exit 1"}},
    ]}


OTHER = {"dagId": "other", "tasks": [{"taskId": "zeta", "operator": "bash", "params": {"command": "echo '{\"n\": 1}'"}}]}


@dataclass
class Runs:
    state: Path
    run_id: str  # the run of WORKFLOW (failed: alpha exits 1)
    other_id: str  # a run of another dag in the same store, afterwards


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    tmp = tmp_path_factory.mktemp("queries")
    first = run_api(tmp, workflow(tmp / "marker"))
    assert first.state == "failed", first
    other = run_api(tmp, OTHER)
    assert other.state == "success", other
    return Runs(tmp / "s.db", first.run_id, other.run_id)


@pytest.fixture
def store(runs: Runs) -> Iterator[Store]:
    opened = Store(runs.state)
    yield opened
    opened.close()


def test_run_tasks_in_the_order_of_the_plan(store: Store, runs: Runs) -> None:
    rows = store.run_tasks(runs.run_id)
    assert [(r["task_id"], r["state"], r["try_number"]) for r in rows] == [
        ("zeta", "success", 1), ("flaky", "success", 2), ("alpha", "failed", 1)]
    assert [r["task_id"] for r in store.run_tasks(runs.other_id)] == ["zeta"]


def test_run_tries_by_task_then_try_number(store: Store, runs: Runs) -> None:
    rows = store.run_tries(runs.run_id)
    assert [(r["task_id"], r["try_number"], r["state"], r["exit_code"]) for r in rows] == [
        ("alpha", 1, "failed", 1), ("flaky", 1, "failed", 3), ("flaky", 2, "success", 0), ("zeta", 1, "success", 0)]
    assert all(r["started_at"] <= r["ended_at"] for r in rows)
    assert [(r["task_id"], r["try_number"]) for r in store.run_tries(runs.other_id)] == [("zeta", 1)]


def test_run_events_oldest_first(store: Store, runs: Runs) -> None:
    rows = store.run_events(runs.run_id)
    kinds = [(r["kind"], r["task_id"]) for r in rows]
    assert ("task_retry", "flaky") in kinds and ("task_failed", "alpha") in kinds
    assert kinds.index(("task_retry", "flaky")) < kinds.index(("task_failed", "alpha"))
    assert kinds[-1] == ("run_failed", None)
    stamps = [r["ts"] for r in rows]
    assert stamps == sorted(stamps)
    assert {r["run_id"] for r in rows} == {runs.run_id}
    assert [r["kind"] for r in store.run_events(runs.other_id)] == ["run_succeeded"]


def test_run_metrics_in_the_order_recorded(store: Store, runs: Runs) -> None:
    rows = store.run_metrics(runs.run_id)
    assert [(r["task_id"], r["try_number"], r["name"], r["value"]) for r in rows] == [
        ("zeta", 1, "rows", 3.0), ("zeta", 1, "elapsed", 1.5), ("flaky", 2, "attempt", 2.0)]  # (a failed try: none)
    assert [(r["name"], r["value"]) for r in store.run_metrics(runs.other_id)] == [("n", 1.0)]


def test_an_unknown_run_has_no_rows(store: Store) -> None:
    assert store.run_tasks("nope") == store.run_tries("nope") == store.run_events("nope") == []
    assert store.run_metrics("nope") == []


def test_scheduled_dates_are_those_of_the_scheduler_runs_of_the_dag(tmp_path: Path) -> None:
    """Runs with the scheduler's ids (`scheduled__...`), as stored; a manual run and another
    dag's scheduled run are not counted."""
    tiny = {"dagId": "tick", "tasks": [{"taskId": "t", "operator": "bash", "params": {"command": "true"}}]}
    for date in ("2026-11-25T06:00:00+00:00", "2026-11-25T09:00:00+02:00"):
        result = run_api(tmp_path, tiny, run_id=f"scheduled__tick__{date[:13]}", execution_date=date)
        assert result.state == "success", result
    assert run_api(tmp_path, tiny, execution_date="2026-11-26T00:00:00Z").state == "success"  # manual
    assert run_api(tmp_path, {**tiny, "dagId": "tock"}, run_id="scheduled__tock__x",
                   execution_date="2026-11-27T00:00:00Z").state == "success"
    store = Store(tmp_path / "s.db")
    try:
        assert sorted(store.scheduled_dates("tick")) == ["2026-11-25T06:00:00+00:00", "2026-11-25T09:00:00+02:00"]
        assert store.scheduled_dates("tock") == ["2026-11-27T00:00:00+00:00"]
        assert store.scheduled_dates("never") == []
    finally:
        store.close()


def test_state_path_option_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWRUN_STATE", raising=False)
    assert state_path(None) == Path(DEFAULT_STATE) == Path(".flowrun/state.db")
    monkeypatch.setenv("FLOWRUN_STATE", "/tmp/from-env.db")
    assert state_path(None) == Path("/tmp/from-env.db")
    assert state_path("given.db") == Path("given.db")
    monkeypatch.setenv("FLOWRUN_STATE", "")
    assert state_path(None) == Path(DEFAULT_STATE)
