"""runner/run/store.py: the SQLite state store, in a real file below tmp_path (SPEC section 3,
"State store"). What the engine writes is read back through a second connection or a new
Store on the same file: every write is committed before the method returns (except a deferred
try end, committed with the next write)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.errors import FlowrunError
from runner.run.store import Store

TASKS = ["extract", "transform", "load"]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / ".flowrun" / "state.db"


@pytest.fixture
def store(path: Path) -> Iterator[Store]:
    opened = Store(path)
    yield opened
    opened.close()


def new_run(store: Store, run_id: str = "r1", dag_id: str = "etl") -> None:
    store.create_run(run_id, dag_id, "etl.yaml", "hash1", {t: f"h-{t}" for t in TASKS}, {"limit": 5},
                     "2026-11-25T00:00:00+00:00", TASKS)


def rows(path: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """What another process would read: a connection of its own."""
    with sqlite3.connect(path) as db:
        return [tuple(r) for r in db.execute(sql, args)]


def states(path: Path, run_id: str = "r1") -> dict[str, str]:
    return dict(rows(path, "SELECT task_id, state FROM tasks WHERE run_id=?", run_id))


def test_the_store_is_private(store: Store, path: Path) -> None:
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_run_and_its_pending_tasks(store: Store, path: Path) -> None:
    new_run(store)
    run = Store(path).get_run("r1")  # a second store on the same file sees it: committed
    assert run is not None
    assert (run.dag_id, run.workflow_path, run.workflow_hash, run.state) == ("etl", "etl.yaml", "hash1", "running")
    assert (run.params, run.logical_date, run.task_hashes["load"]) == ({"limit": 5}, "2026-11-25T00:00:00+00:00", "h-load")
    assert run.pid == os.getpid() and run.is_live()
    assert states(path) == dict.fromkeys(TASKS, "pending")
    assert {t: row["state"] for t, row in store.task_states("r1").items()} == dict.fromkeys(TASKS, "pending")
    assert store.get_run("r2") is None


def test_a_try_from_start_to_success_with_its_output_and_metrics(store: Store, path: Path) -> None:
    new_run(store)
    store.start_try("r1", "extract", 1, "/logs/extract/1.log")
    assert states(path)["extract"] == "running"
    assert store.last_try_number("r1", "extract") == 1
    store.end_try("r1", "extract", 1, "success", "success", 0, None, output={"rows": 3},
                  metrics=[("rows", 3.0), ("seconds", 0.5)])
    row = store.task_states("r1")["extract"]
    assert (row["state"], json.loads(row["output"]), row["try_number"]) == ("success", {"rows": 3}, 1)
    assert row["ended_at"] is not None
    assert rows(path, "SELECT state, exit_code, log_path FROM tries WHERE task_id='extract'") == \
        [("success", 0, "/logs/extract/1.log")]
    assert rows(path, "SELECT name, value FROM metrics WHERE run_id='r1' ORDER BY name") == [("rows", 3.0), ("seconds", 0.5)]


def test_a_failed_try_up_for_retry_keeps_no_output(store: Store) -> None:
    new_run(store)
    store.start_try("r1", "extract", 1, "1.log")
    store.end_try("r1", "extract", 1, "failed", "up_for_retry", 3, "exit status 3", output="partial")
    row = store.task_states("r1")["extract"]
    assert (row["state"], row["error"], row["output"], row["ended_at"]) == ("up_for_retry", "exit status 3", None, None)
    store.start_try("r1", "extract", 2, "2.log")
    assert store.last_try_number("r1", "extract") == 2


def test_a_deferred_try_end_is_committed_with_the_next_write(store: Store, path: Path) -> None:
    new_run(store)
    store.start_try("r1", "extract", 1, "1.log")
    store.end_try("r1", "extract", 1, "success", "success", 0, None, output=1, defer=True)
    store.mark_output_masked("r1", "extract")
    assert states(path)["extract"] == "running"  # not yet on disk
    store.start_try("r1", "transform", 1, "1.log")  # one transaction with what was deferred
    assert states(path) == {"extract": "success", "transform": "running", "load": "pending"}
    assert rows(path, "SELECT output_masked FROM tasks WHERE task_id='extract'") == [(1,)]


def test_close_commits_what_was_deferred(path: Path) -> None:
    store = Store(path)
    new_run(store)
    store.start_try("r1", "extract", 1, "1.log")
    store.end_try("r1", "extract", 1, "failed", "failed", 1, "boom", defer=True)
    store.close()
    assert states(path)["extract"] == "failed"


def test_finished_runs_newest_first(store: Store) -> None:
    new_run(store, "r1")
    new_run(store, "r2")
    new_run(store, "o1", dag_id="other")
    store.finish_run("r1", "failed")
    finished = store.get_run("r1")
    assert finished is not None and finished.state == "failed" and finished.ended_at is not None
    assert not finished.is_live()
    assert [r.run_id for r in store.runs("etl")] == ["r2", "r1"]
    assert [r.run_id for r in store.runs(limit=2)] == ["o1", "r2"]
    last = store.last_run("etl")
    assert last is not None and last.run_id == "r2"
    assert [r.run_id for r in store.live_runs("etl")] == ["r2"]


def test_a_run_whose_runner_died_is_not_live(path: Path, store: Store) -> None:
    code = (f"from runner.run.store import Store; s = Store({str(path)!r}); "
            "s.create_run('dead', 'etl', 'etl.yaml', 'h', {}, {}, '2026-11-25', ['a']); s.close()")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    run = store.get_run("dead")
    assert run is not None and run.state == "running" and run.pid != os.getpid()
    assert not run.is_live()
    assert store.live_runs("etl") == []


def test_resume_claims_the_run_and_keeps_what_finished(store: Store, path: Path) -> None:
    new_run(store)
    store.start_try("r1", "extract", 1, "1.log")
    store.end_try("r1", "extract", 1, "success", "success", 0, None, output="x")
    store.start_try("r1", "transform", 1, "1.log")
    store.end_try("r1", "transform", 1, "failed", "failed", 2, "exit status 2")
    store.start_try("r1", "load", 1, "1.log")  # still running when the runner stopped
    store.finish_run("r1", "failed")
    # `load` is no longer in the workflow; `publish` is new
    store.claim_run("r1", "hash2", {"extract": "h", "transform": "h", "publish": "h"}, ["extract", "transform", "publish"])
    assert states(path) == {"extract": "success", "transform": "pending", "load": "removed", "publish": "pending"}
    assert store.task_states("r1")["extract"]["output"] == '"x"'
    assert store.task_states("r1")["transform"]["error"] is None
    assert rows(path, "SELECT state, error FROM tries WHERE task_id='load'") == [("failed", "interrupted: the runner stopped")]
    run = store.get_run("r1")
    assert run is not None and (run.state, run.workflow_hash, run.ended_at) == ("running", "hash2", None)


def test_resume_reruns_a_finished_task_when_asked(store: Store, path: Path) -> None:
    new_run(store)
    store.start_try("r1", "extract", 1, "1.log")
    store.end_try("r1", "extract", 1, "success", "success", 0, None, output="x")
    store.claim_run("r1", "hash1", {}, TASKS, rerun=["extract"])
    row = store.task_states("r1")["extract"]
    assert (row["state"], row["output"], row["ended_at"]) == ("pending", None, None)


def test_stopping_a_run_fails_what_is_running(store: Store, path: Path) -> None:
    new_run(store)
    store.start_try("r1", "extract", 1, "1.log")
    store.record_process("r1", "extract", 1, 4242, "123")
    assert [(r["task_id"], r["pgid"]) for r in store.running_tries("r1")] == [("extract", 4242)]
    store.stop_running("r1", "interrupted")
    assert states(path)["extract"] == "failed"
    assert store.task_states("r1")["extract"]["error"] == "interrupted"
    assert store.running_tries("r1") == []
    store.set_task_states("r1", [("transform", "upstream_failed"), ("load", "upstream_failed")])
    assert states(path) == {"extract": "failed", "transform": "upstream_failed", "load": "upstream_failed"}


def test_events_and_alert_cooldown(store: Store, path: Path) -> None:
    new_run(store)
    store.add_event("sla_missed", "r1", "etl", "extract", {"sla": 60, "at": 1.5})
    assert [(k, json.loads(p)) for k, p in rows(path, "SELECT kind, payload FROM events WHERE run_id='r1'")] == \
        [("sla_missed", {"sla": 60, "at": 1.5})]
    assert store.claim_alert("etl", "page", cooldown=3600) is True
    assert store.claim_alert("etl", "page", cooldown=3600) is False  # fired less than an hour ago
    assert store.claim_alert("etl", "mail", cooldown=3600) is True
    assert store.claim_alert("etl", "page", cooldown=0) is True


def test_a_file_that_is_not_a_store_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "state.db"
    bad.write_bytes(b"this is not an SQLite database, " * 64)
    bad.chmod(0o600)
    with pytest.raises(FlowrunError) as caught:
        Store(bad)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert message.startswith(f"{bad}: cannot open the state store: ") and "\n" not in message
