"""Circuit breakers (a task's `circuitBreaker`): closed, open, half-open, kept in the state store.

One row of the `breakers` table per key, shared by every run, the scheduler and every runner on
the same store. Each decision reads and writes that row in one `BEGIN IMMEDIATE` transaction, so
two runners reaching the task at once see one state: of two runs reaching a half-open breaker,
one runs the trial and the other is short-circuited.

- closed: the task runs; a final failure (after its retries) counts, a success resets the count;
  `failureThreshold` consecutive failures open it.
- open: for `resetAfter` the task is not started; it ends `failed` with `circuit open: ...` and no try.
- half-open (open, `resetAfter` passed): the next run that reaches the task runs it once, as the
  trial's owner (run and task recorded) until the trial's timeout; success closes the breaker,
  failure opens it again. A trial whose owner died (SIGKILL) is taken over after its timeout.

The engine calls `admit` when a task's trigger rule says run and `record` when it ends; events
(`circuit_opened`, `circuit_half_open`, `circuit_closed`, `circuit_short_circuited`) go through
the engine's event function, so they are recorded and fire alerts.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from runner.durations import seconds
from runner.run.store import Store, StoreError

EventFn = Callable[[str, "str | None", "dict[str, Any]"], None]  # (kind, task_id, payload): the engine's _event
STATES = ("closed", "open", "half_open")


@dataclass(frozen=True)
class BreakerSpec:
    key: str
    threshold: int
    reset_after: float  # seconds open before a trial
    trial_timeout: float  # seconds a trial's owner holds it before another run may take over


def breaker_spec(data: Any, dag_id: str, task_id: str, execution: float | None, tries: int) -> BreakerSpec | None:
    """The task's `circuitBreaker` (validated by the schema), or None. The trial's timeout is the
    task's `timeout.execution` times its tries when it has one, else `resetAfter`."""
    if not isinstance(data, dict):
        return None
    reset_after = seconds(data.get("resetAfter", "1m")) or 0.0
    trial = execution * tries if execution else reset_after
    return BreakerSpec(str(data.get("key") or f"{dag_id}.{task_id}"), int(data.get("failureThreshold", 5)),
                       reset_after, max(trial, 1.0))


@dataclass(frozen=True)
class Breaker:
    """One row of the store's `breakers` table, as `flowrun breakers` lists it."""

    key: str
    state: str  # closed, open, half_open (stored); `shown_state` tells a due trial
    failures: int
    opened_at: float | None
    retry_after: float | None
    last_failure_at: float | None
    last_error: str | None
    trial_run: str | None
    trial_task: str | None
    trial_deadline: float | None

    def shown_state(self, now: float) -> str:
        """open whose `resetAfter` has passed is half-open: the next run makes the trial."""
        if self.state == "open" and self.retry_after is not None and now >= self.retry_after:
            return "half_open"
        return self.state

    def as_json(self, now: float) -> dict[str, Any]:
        return {"key": self.key, "state": self.shown_state(now), "failures": self.failures,
                "opened_at": iso(self.opened_at), "retry_after": iso(self.retry_after),
                "last_failure_at": iso(self.last_failure_at), "last_error": self.last_error,
                "trial_run": self.trial_run, "trial_task": self.trial_task, "trial_deadline": iso(self.trial_deadline)}


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def _locked(store: Store) -> Iterator[sqlite3.Connection]:
    """One write transaction on the store (BEGIN IMMEDIATE: the row read is the row written)."""
    store.flush()  # the runner's deferred writes first: they belong before this transaction
    db = store.db
    try:
        db.execute("BEGIN IMMEDIATE")
        yield db
        db.execute("COMMIT")
    except BaseException as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{store.path}: state store write failed: {exc}") from None
        raise


def _row(db: sqlite3.Connection, key: str) -> Breaker | None:
    row = db.execute("SELECT * FROM breakers WHERE key=?", (key,)).fetchone()
    if row is None:
        return None
    return Breaker(row["key"], row["state"], row["failures"], row["opened_at"], row["retry_after"],
                   row["last_failure_at"], row["last_error"], row["trial_run"], row["trial_task"],
                   row["trial_deadline"])


def _save(db: sqlite3.Connection, b: Breaker, now: float) -> None:
    db.execute(
        "INSERT OR REPLACE INTO breakers (key, state, failures, opened_at, retry_after, last_failure_at, last_error,"
        " trial_run, trial_task, trial_deadline, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (b.key, b.state, b.failures, b.opened_at, b.retry_after, b.last_failure_at, b.last_error, b.trial_run,
         b.trial_task, b.trial_deadline, now),
    )


def open_message(b: Breaker, retry_after: float | None) -> str:
    return (f"circuit open: {b.key} ({b.failures} consecutive failures, last at {iso(b.last_failure_at)},"
            f" retry after {iso(retry_after)})")


def admit(setup: Any, task: Any, event: EventFn) -> str | None:
    """Whether `task` (a PlannedTask with a breaker) may start in this run: None if it may (closed,
    or this run now owns the half-open trial), else the error it ends `failed` with (its task
    row gets it; `circuit_short_circuited` is recorded)."""
    spec: BreakerSpec = task.breaker
    run_id, owner = setup.run_id, f"{setup.plan.dag_id}.{task.task_id}"
    now = time.time()
    opened: str | None = None  # the event this decision makes
    with _locked(setup.store) as db:
        b = _row(db, spec.key)
        if b is None or b.state == "closed":
            return None
        if b.state == "open" and b.retry_after is not None and now < b.retry_after:
            error = open_message(b, b.retry_after)
        elif b.state == "half_open" and (b.trial_run, b.trial_task) != (run_id, owner) and \
                b.trial_deadline is not None and now < b.trial_deadline:
            error = open_message(b, b.trial_deadline)  # another run's trial is under way: open to this one
        else:  # due for a trial, or a trial whose owner ran out of time: this run makes it
            opened = "took over" if b.state == "half_open" else None
            _save(db, Breaker(b.key, "half_open", b.failures, b.opened_at, b.retry_after, b.last_failure_at,
                              b.last_error, run_id, owner, now + spec.trial_timeout), now)
            error = None
        if error is not None:
            db.execute("UPDATE tasks SET error=? WHERE run_id=? AND task_id=?", (error, run_id, task.task_id))
    if error is None:
        payload: dict[str, Any] = {"key": spec.key, "failures": b.failures, "trial_deadline": iso(now + spec.trial_timeout)}
        if opened:
            payload["took_over_from"] = b.trial_run
        event("circuit_half_open", task.task_id, payload)
        return None
    event("circuit_short_circuited", task.task_id, {"key": spec.key, "error": error, "failures": b.failures,
                                                    "retry_after": iso(b.retry_after)})
    return error


def record(setup: Any, task: Any, state: str, error: str | None, event: EventFn) -> None:
    """The task ended `state` (success or failed, after its retries): count it in its breaker.
    Any other state (up_for_retry) is not an outcome yet; a task without a breaker has none."""
    if task.breaker is None or state not in ("success", "failed"):
        return
    spec: BreakerSpec = task.breaker
    now = time.time()
    kind: str | None = None
    with _locked(setup.store) as db:
        b = _row(db, spec.key) or Breaker(spec.key, "closed", 0, None, None, None, None, None, None, None)
        if state == "success":
            kind = "circuit_closed" if b.state != "closed" else None
            b = Breaker(b.key, "closed", 0, None, None, b.last_failure_at, b.last_error, None, None, None)
        else:
            shown = setup.masker.mask(error or "failed")
            failures = b.failures + 1
            reopen = b.state == "half_open" or (b.state == "closed" and failures >= spec.threshold)
            if reopen:
                kind = "circuit_opened"
                b = Breaker(b.key, "open", failures, now, now + spec.reset_after, now, shown, None, None, None)
            else:  # still closed, or already open (this run started before it opened)
                b = Breaker(b.key, b.state, failures, b.opened_at, b.retry_after, now, shown, b.trial_run,
                            b.trial_task, b.trial_deadline)
        _save(db, b, now)
    if kind == "circuit_opened":
        event(kind, task.task_id, {"key": spec.key, "failures": b.failures, "error": b.last_error,
                                   "retry_after": iso(b.retry_after)})
    elif kind is not None:
        event(kind, task.task_id, {"key": spec.key})


def list_breakers(store: Store) -> list[Breaker]:
    with _locked(store) as db:
        keys = [r[0] for r in db.execute("SELECT key FROM breakers ORDER BY key")]
        return [b for b in (_row(db, k) for k in keys) if b is not None]


def reset(store: Store, key: str) -> Breaker | None:
    """Close the breaker `key` (count 0); None if there is none. Records `circuit_closed`."""
    now = time.time()
    with _locked(store) as db:
        b = _row(db, key)
        if b is None:
            return None
        _save(db, Breaker(key, "closed", 0, None, None, b.last_failure_at, b.last_error, None, None, None), now)
    store.add_event("circuit_closed", None, None, None, {"key": key, "reset": True})
    return b
