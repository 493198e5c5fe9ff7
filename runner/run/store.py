"""The SQLite state store: runs, task states and tries, events and metrics.

WAL with `synchronous=NORMAL`: a transition costs ~26 µs and survives a SIGKILL of the runner
(FACTS.md). Every method commits before it returns, so the engine acts only on recorded state.
The file is created 0600 in a 0700 directory, never through a symbolic link (runner/run/safefs.py).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import FlowrunError, plain
from runner.run import store_schema
from runner.run.safefs import private_store
from runner.run.states import ACTIVE_RUN

DEFAULT_STATE = ".flowrun/state.db"


def state_path(option: str | None) -> Path:
    """The state store: --state, else $FLOWRUN_STATE, else .flowrun/state.db."""
    return Path(option or os.environ.get("FLOWRUN_STATE") or DEFAULT_STATE)


class StoreError(FlowrunError):
    exit_code = 2


@dataclass
class RunRecord:
    run_id: str
    dag_id: str
    workflow_path: str
    workflow_hash: str
    task_hashes: dict[str, str]
    params: dict[str, Any]
    logical_date: str
    state: str
    started_at: float | None
    ended_at: float | None
    pid: int | None
    pid_start: str | None
    host: str | None
    masked_params: list[str] | None = None  # params whose stored value is masked; None: not recorded (older store)

    def is_live(self) -> bool:
        """A run is live while its runner process is: same host, pid alive, same start time."""
        if self.state not in ACTIVE_RUN or self.pid is None:
            return False
        if self.host and self.host != socket.gethostname():
            return True  # cannot check another machine: assume it is alive
        return process_start_time(self.pid) == self.pid_start and self.pid_start is not None


def boot_ticks() -> str:
    """Now, in the unit of a process's start time (clock ticks since boot). Recorded right after a
    spawn instead of reading /proc/PID/stat, which waits for the child's exec: the process started
    no later than this, and a process that reuses its pid only long after (the pids wrap first)."""
    return str(int(time.clock_gettime(time.CLOCK_BOOTTIME) * _TICKS))


def started_by(recorded: str | None, live: str | None) -> bool:
    """Whether a live process start time is that of the process recorded (at or before it)."""
    return recorded is not None and live is not None and int(live) <= int(recorded)


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_start_time(pid: int) -> str | None:
    """Start time of a process (clock ticks since boot), against pid reuse; None if gone."""
    try:  # os.open/os.read: a tenth of the cost of open() and a text wrapper, once per task
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
        try:
            stat = os.read(fd, 4096).decode("ascii", "replace")
        finally:
            os.close(fd)
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    if len(fields) < 20 or fields[0] == "Z":  # a zombie is dead
        return None
    return fields[19]


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            private_store(self.path)
            self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=30000")
            self.db.executescript(store_schema.SCHEMA)
            store_schema.add_columns(self.db)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open the state store: {plain(exc)}") from None
        self._pending: list[tuple[str, tuple[Any, ...]]] = []  # written with the next commit

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.flush()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            yield self.db
            self.db.execute("COMMIT")
        except BaseException as exc:
            self._rollback(exc)
            raise

    def _rollback(self, exc: BaseException) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{self.path}: state store write failed: {exc}") from None

    def flush(self) -> None:
        """Commit what was deferred."""
        if self._pending:
            self._write([])

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]], defer: bool = False) -> None:
        """Statements in one transaction with those deferred before them: `_tx` without a
        generator (the runner's per-task path). With `defer`, they wait for the next commit: the
        runner defers a try's end and commits it with the start of the try it lets run."""
        if defer or self._pending:
            self._pending.extend(statements)
            if defer:
                return
            statements, self._pending = self._pending, []
        db = self.db
        try:
            if len(statements) == 1:  # one statement is a transaction of its own (autocommit)
                db.execute(*statements[0])
                return
            db.execute("BEGIN IMMEDIATE")
            for sql, args in statements:
                db.execute(sql, args)
            db.execute("COMMIT")
        except BaseException as exc:
            self._rollback(exc)
            raise

    # -- runs -----------------------------------------------------------------------------------

    def create_run(self, run_id: str, dag_id: str, workflow_path: str, workflow_hash: str,
                   task_hashes: dict[str, str], params: dict[str, Any], logical_date: str,
                   task_ids: list[str], masked_params: list[str] | None = None) -> None:
        """`params` as they may be stored (masked); `masked_params` names those that masking altered."""
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT INTO runs (run_id, dag_id, workflow_path, workflow_hash, task_hashes, params, logical_date,"
                " state, started_at, pid, pid_start, host, masked_params) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (run_id, dag_id, workflow_path, workflow_hash, json.dumps(task_hashes), json.dumps(params),
                 logical_date, "running", now, os.getpid(), process_start_time(os.getpid()), socket.gethostname(),
                 json.dumps(masked_params or [])),
            )
            db.executemany(
                "INSERT INTO tasks (run_id, task_id, state) VALUES (?,?,?)",
                [(run_id, t, "pending") for t in task_ids],
            )

    def claim_run(self, run_id: str, workflow_hash: str, task_hashes: dict[str, str], task_ids: list[str],
                  rerun: Collection[str] = ()) -> None:
        """Take over a run for --resume: our pid, state running, unfinished tasks (and `rerun`) pending,
        unfinished tasks that are no longer in the workflow `removed`."""
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET state='running', ended_at=NULL, pid=?, pid_start=?, host=?, workflow_hash=?,"
                " task_hashes=? WHERE run_id=?",
                (os.getpid(), process_start_time(os.getpid()), socket.gethostname(), workflow_hash,
                 json.dumps(task_hashes), run_id),
            )
            known = {r[0] for r in db.execute("SELECT task_id FROM tasks WHERE run_id=?", (run_id,))}
            db.executemany(
                "INSERT INTO tasks (run_id, task_id, state) VALUES (?,?,?)",
                [(run_id, t, "pending") for t in task_ids if t not in known],
            )
            db.execute(
                "UPDATE tasks SET state='pending', error=NULL, output=NULL, output_masked=NULL WHERE run_id=?"
                " AND state NOT IN ('success', 'skipped')",  # states.KEPT_ON_RESUME
                (run_id,),
            )
            db.executemany(
                "UPDATE tasks SET state='pending', error=NULL, output=NULL, output_masked=NULL, ended_at=NULL"
                " WHERE run_id=? AND task_id=?",
                [(run_id, t) for t in rerun],
            )
            current = set(task_ids)
            db.executemany(
                "UPDATE tasks SET state='removed', ended_at=? WHERE run_id=? AND task_id=? AND state='pending'",
                [(time.time(), run_id, t) for t in known - current],
            )
            db.execute(
                "UPDATE tries SET state='failed', error=COALESCE(error, 'interrupted: the runner stopped'),"
                " ended_at=COALESCE(ended_at, ?) WHERE run_id=? AND state='running'",
                (time.time(), run_id),
            )

    def finish_run(self, run_id: str, state: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE runs SET state=?, ended_at=? WHERE run_id=?", (state, time.time(), run_id))

    def get_run(self, run_id: str) -> RunRecord | None:
        row = self.db.execute("SELECT * FROM runs WHERE run_id=?", (run_id,)).fetchone()
        return _run(row) if row else None

    def last_run(self, dag_id: str) -> RunRecord | None:
        row = self.db.execute(
            "SELECT * FROM runs WHERE dag_id=? ORDER BY started_at DESC, rowid DESC LIMIT 1", (dag_id,)
        ).fetchone()
        return _run(row) if row else None

    def runs(self, dag_id: str | None = None, limit: int = 50) -> list[RunRecord]:
        if dag_id:
            rows = self.db.execute(
                "SELECT * FROM runs WHERE dag_id=? ORDER BY started_at DESC, rowid DESC LIMIT ?", (dag_id, limit)
            )
        else:
            rows = self.db.execute("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,))
        return [_run(r) for r in rows]

    def live_runs(self, dag_id: str) -> list[RunRecord]:
        rows = self.db.execute("SELECT * FROM runs WHERE dag_id=? AND state IN ('running', 'queued')", (dag_id,))
        return [run for run in map(_run, rows) if run.is_live()]

    def scheduled_dates(self, dag_id: str) -> list[str]:
        """The logical dates of the scheduler's runs of `dag_id` (run ids `scheduled__...`), unordered."""
        rows = self.db.execute(
            "SELECT logical_date FROM runs WHERE dag_id=? AND substr(run_id, 1, 11) = 'scheduled__'", (dag_id,)
        )
        return [row[0] for row in rows]

    # -- one run, read back (flowrun runs show / report) ----------------------------------------

    def run_tasks(self, run_id: str) -> list[sqlite3.Row]:
        """The run's tasks in the order they were recorded: the plan's, then tasks added on resume."""
        return list(self.db.execute("SELECT * FROM tasks WHERE run_id=? ORDER BY rowid", (run_id,)))

    def run_tries(self, run_id: str) -> list[sqlite3.Row]:
        """Every try of the run, by task id, then try number."""
        return list(self.db.execute("SELECT * FROM tries WHERE run_id=? ORDER BY task_id, try_number", (run_id,)))

    def run_events(self, run_id: str) -> list[sqlite3.Row]:
        """The run's events, oldest first (ties in the order they were recorded)."""
        return list(self.db.execute("SELECT * FROM events WHERE run_id=? ORDER BY ts, id", (run_id,)))

    def run_metrics(self, run_id: str) -> list[sqlite3.Row]:
        """The run's metrics in the order they were recorded."""
        return list(self.db.execute("SELECT * FROM metrics WHERE run_id=? ORDER BY rowid", (run_id,)))

    # -- tasks and tries ------------------------------------------------------------------------

    def task_states(self, run_id: str) -> dict[str, sqlite3.Row]:
        rows = self.db.execute("SELECT * FROM tasks WHERE run_id=?", (run_id,))
        return {row["task_id"]: row for row in rows}

    def last_try_number(self, run_id: str, task_id: str) -> int:
        row = self.db.execute(
            "SELECT MAX(try_number) FROM tries WHERE run_id=? AND task_id=?", (run_id, task_id)
        ).fetchone()
        return int(row[0] or 0)

    def start_try(self, run_id: str, task_id: str, try_number: int, log_path: str, defer: bool = False,
                  at: float | None = None) -> None:
        now = time.time() if at is None else at  # (the runner passes its own reading: one clock for every duration)
        self._write([
            ("INSERT OR REPLACE INTO tries (run_id, task_id, try_number, state, started_at, log_path)"
             " VALUES (?,?,?,?,?,?)", (run_id, task_id, try_number, "running", now, log_path)),
            ("UPDATE tasks SET state='running', try_number=?, started_at=COALESCE(started_at, ?)"
             " WHERE run_id=? AND task_id=?", (try_number, now, run_id, task_id)),
        ], defer)

    def record_process(self, run_id: str, task_id: str, try_number: int, pgid: int, pid_start: str | None) -> None:
        self._write([("UPDATE tries SET pgid=?, pid_start=? WHERE run_id=? AND task_id=? AND try_number=?",
                      (pgid, pid_start, run_id, task_id, try_number))])

    def end_try(self, run_id: str, task_id: str, try_number: int, try_state: str, task_state: str,
                exit_code: int | None, error: str | None, output: Any = None,
                metrics: list[tuple[str, float]] | None = None, defer: bool = False, at: float | None = None) -> None:
        now = time.time() if at is None else at
        final = task_state in ("success", "failed")
        self._write([
            ("UPDATE tries SET state=?, ended_at=?, exit_code=?, error=? WHERE run_id=? AND task_id=? AND try_number=?",
             (try_state, now, exit_code, error, run_id, task_id, try_number)),
            ("UPDATE tasks SET state=?, ended_at=?, error=?, output=? WHERE run_id=? AND task_id=?",
             (task_state, now if final else None, error, json.dumps(output) if task_state == "success" else None,
              run_id, task_id)),
            *(("INSERT INTO metrics (run_id, task_id, try_number, name, value, ts) VALUES (?,?,?,?,?,?)",
               (run_id, task_id, try_number, name, value, now)) for name, value in metrics or ()),
        ], defer)

    def mark_output_masked(self, run_id: str, task_id: str) -> None:
        """The task's stored output is masked (it held a secret's value): not the value it passed on.
        Deferred: committed with the end of the try."""
        self._write([("UPDATE tasks SET output_masked=1 WHERE run_id=? AND task_id=?", (run_id, task_id))], defer=True)

    def stop_running(self, run_id: str, error: str) -> None:
        """Record every try and task still `running` as failed with `error` (the run stopped without them)."""
        now = time.time()
        with self._tx() as db:
            db.execute("UPDATE tries SET state='failed', ended_at=?, error=COALESCE(error, ?) WHERE run_id=?"
                       " AND state='running'", (now, error, run_id))
            db.execute("UPDATE tasks SET state='failed', ended_at=?, error=? WHERE run_id=? AND state='running'",
                       (now, error, run_id))

    def set_task_states(self, run_id: str, changes: list[tuple[str, str]]) -> None:
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "UPDATE tasks SET state=?, ended_at=? WHERE run_id=? AND task_id=?",
                [(state, now, run_id, task_id) for task_id, state in changes],
            )

    def running_tries(self, run_id: str) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM tries WHERE run_id=? AND state='running'", (run_id,)))

    # -- events and metrics ---------------------------------------------------------------------

    def add_event(self, kind: str, run_id: str | None, dag_id: str | None, task_id: str | None,
                  payload: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO events (run_id, dag_id, task_id, kind, ts, payload) VALUES (?,?,?,?,?,?)",
                (run_id, dag_id, task_id, kind, time.time(), json.dumps(payload, default=str)),
            )

    def claim_alert(self, dag_id: str, alert_id: str, cooldown: float) -> bool:
        """True (and the time recorded) unless the alert fired less than `cooldown` seconds ago."""
        now = time.time()
        with self._tx() as db:
            row = db.execute(
                "SELECT last_fired FROM alert_state WHERE dag_id=? AND alert_id=?", (dag_id, alert_id)
            ).fetchone()
            if row is not None and now - row[0] < cooldown:
                return False
            db.execute(
                "INSERT OR REPLACE INTO alert_state (dag_id, alert_id, last_fired) VALUES (?,?,?)",
                (dag_id, alert_id, now),
            )
        return True


def _run(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        run_id=row["run_id"],
        dag_id=row["dag_id"],
        workflow_path=row["workflow_path"] or "",
        workflow_hash=row["workflow_hash"] or "",
        task_hashes=json.loads(row["task_hashes"] or "{}"),
        params=json.loads(row["params"] or "{}"),
        logical_date=row["logical_date"],
        state=row["state"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        pid=row["pid"],
        pid_start=row["pid_start"],
        host=row["host"],
        masked_params=None if row["masked_params"] is None else json.loads(row["masked_params"]),
    )
