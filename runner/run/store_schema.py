"""What the state store holds: its tables, the columns added to them since, and text it can hold.

A store written by an older flowrun is brought up to date when it is opened (`add_columns`):
columns are only ever added, never changed or dropped, so an older flowrun can still read it.
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    dag_id TEXT NOT NULL,
    workflow_path TEXT,
    workflow_hash TEXT,
    task_hashes TEXT,
    params TEXT,
    logical_date TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at REAL,
    ended_at REAL,
    pid INTEGER,
    pid_start TEXT,
    host TEXT,
    masked_params TEXT
);
CREATE INDEX IF NOT EXISTS runs_dag ON runs (dag_id, started_at);
CREATE TABLE IF NOT EXISTS tasks (
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    state TEXT NOT NULL,
    try_number INTEGER NOT NULL DEFAULT 0,
    started_at REAL,
    ended_at REAL,
    output TEXT,
    error TEXT,
    output_masked INTEGER,
    PRIMARY KEY (run_id, task_id)
);
CREATE TABLE IF NOT EXISTS tries (
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    try_number INTEGER NOT NULL,
    state TEXT NOT NULL,
    started_at REAL,
    ended_at REAL,
    exit_code INTEGER,
    error TEXT,
    pgid INTEGER,
    pid_start TEXT,
    log_path TEXT,
    PRIMARY KEY (run_id, task_id, try_number)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT,
    dag_id TEXT,
    task_id TEXT,
    kind TEXT NOT NULL,
    ts REAL NOT NULL,
    payload TEXT
);
CREATE INDEX IF NOT EXISTS events_run ON events (run_id);
CREATE TABLE IF NOT EXISTS metrics (
    run_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    try_number INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL,
    ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics (run_id);
CREATE TABLE IF NOT EXISTS alert_state (
    dag_id TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    last_fired REAL NOT NULL,
    PRIMARY KEY (dag_id, alert_id)
);
"""
# circuit breakers (runner/run/breakers.py): one row per key, shared by every run on the store.
# Its own table, created when a store is opened (an older store gets it then).
BREAKERS = """
CREATE TABLE IF NOT EXISTS breakers (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    opened_at REAL,
    retry_after REAL,
    last_failure_at REAL,
    last_error TEXT,
    trial_run TEXT,
    trial_task TEXT,
    trial_deadline REAL,
    updated_at REAL NOT NULL
);
"""
SCHEMA += BREAKERS
# columns added since the first release: (table, column, type), added to an older store when it is opened
ADDED_COLUMNS = (("runs", "masked_params", "TEXT"), ("tasks", "output_masked", "INTEGER"))


def add_columns(db: sqlite3.Connection) -> None:
    """Bring a store written by an older flowrun up to the current columns (ALTER TABLE ... ADD COLUMN)."""
    for table, column, kind in ADDED_COLUMNS:
        if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def storable(text: str) -> str:
    """`text` as the store (and a terminal) can hold it: a lone surrogate (JSON allows `"\\ud800"`,
    UTF-8 cannot encode it) becomes the escape `\\ud800`. Everything else is kept as it is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text
