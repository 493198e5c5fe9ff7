"""Shared helpers of the runner tests: real workflows, real processes, a real SQLite file.

Nothing is mocked. A test writes a workflow into its tmp_path and runs it either in-process
(`run_api`: `runner.run.session.prepare` + `execute`, optionally with trio's MockClock) or as the real
`flowrun` command (`flowrun`/`start_flowrun`: `python -m runner.cli` in a subprocess, cwd
tmp_path). The state store is then read with plain sqlite3.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from runner.model import load_workflow
from runner.run.plan import InvalidWorkflow
from runner.run.session import RunOptions, RunResult, execute, prepare

CLI_TIMEOUT = 90  # seconds; a generous bound that only says "does not hang"
STATE = "s.db"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def marker() -> str:
    """A unique string to find a task's processes with (`pgrep -f`-style, via /proc)."""
    return f"flowrun_marker_{uuid.uuid4().hex}"  # lower-case: not "random-looking" to FR301


def write_workflow(tmp_path: Path, text: str | dict[str, Any], name: str = "wf.yaml") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(text) if isinstance(text, dict) else dedent(text), encoding="utf-8")
    return path


# -- in-process runs ------------------------------------------------------------------------------


def run_api(tmp_path: Path, text: str | dict[str, Any], clock: Any = None, **options: Any) -> RunResult:
    """Run a workflow in this process (no signal handling); state in tmp_path/s.db, cwd tmp_path.
    The test process works in that directory meanwhile, as `flowrun run` does: tasks are then
    started the way the command starts them (posix_spawn; Popen for a task's own `cwd`)."""
    path = write_workflow(tmp_path, text)
    options.setdefault("state", str(tmp_path / STATE))
    options.setdefault("cwd", str(tmp_path))
    opts = RunOptions(**options)
    try:
        plan, setup = prepare(load_workflow(path), opts)
    except InvalidWorkflow as exc:  # show the findings, not just their number
        raise AssertionError("; ".join(f"{f.line}:{f.column}: {f.code} {f.message}" for f in exc.findings)) from exc
    before = os.getcwd()
    os.chdir(options["cwd"])
    try:
        return execute(plan, setup, handle_signals=False, clock=clock)
    finally:
        os.chdir(before)


# -- the real command -----------------------------------------------------------------------------


def cli_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("GITHUB_ACTIONS", "FLOWRUN_ENV", "FLOWRUN_STATE") and not k.startswith(("FLOWRUN_VAR_", "FLOWRUN_SECRET_"))
    }
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def flowrun(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
            timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
    """`flowrun ARGS...` in tmp_path, to completion."""
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=tmp_path, env=env or cli_env(), capture_output=True, text=True, encoding="utf-8",
        errors="replace", timeout=timeout, check=False,
    )


def start_flowrun(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`flowrun ARGS...` in the background, in its own session (signals go to it alone)."""
    return subprocess.Popen(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=tmp_path, env=env or cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        encoding="utf-8", errors="replace", start_new_session=True,
    )


@contextmanager
def background(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
    """A background `flowrun`; killed (by its pid) if the test leaves it running."""
    proc = start_flowrun(tmp_path, *args, env=env)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        if proc.stdout is not None and not proc.stdout.closed:
            out, err = proc.communicate(timeout=CLI_TIMEOUT)
            print(f"background flowrun exited {proc.returncode}\nstdout:\n{out}\nstderr:\n{err}")  # shown on failure


# -- waiting and processes ------------------------------------------------------------------------


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll until `predicate()` is truthy; a generous bound, only against hangs."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def survivors(mark: str) -> list[int]:
    """Live (non-zombie) processes whose command line contains `mark`, like `pgrep -f`."""
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ")
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        state = stat[stat.rfind(")") + 2:].split()[0] if ")" in stat else "?"
        if mark.encode() in cmdline and state not in ("Z", "X"):
            found.append(int(entry))
    return found


def pgrep(mark: str) -> list[int]:
    """`pgrep -f MARK`, minus zombies (PID 1 does not reap orphans here, FACTS.md)."""
    out = subprocess.run(["pgrep", "-f", mark], capture_output=True, text=True, check=False).stdout
    pids = [int(p) for p in out.split()]
    return [p for p in pids if p in set(survivors(mark))]


def assert_no_survivor(mark: str, settle: float = 2.0) -> None:
    """No process with `mark` in its command line is left (allowing a moment for SIGKILL)."""
    deadline = time.monotonic() + settle
    while survivors(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pgrep(mark), f"processes survived: {pgrep(mark)}"
    assert not survivors(mark)


def kill_marked(mark: str) -> None:
    """Cleanup after a failed test: end the processes this test started (by marker)."""
    for pid in survivors(mark):
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# -- the state store ------------------------------------------------------------------------------


def connect(db_path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(db_path), timeout=30)
    db.row_factory = sqlite3.Row
    return db


def query(db_path: Path, sql: str, *args: Any) -> list[sqlite3.Row]:
    db = connect(db_path)
    try:
        return list(db.execute(sql, args))
    finally:
        db.close()


def events(db_path: Path, kind: str, run_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM events WHERE kind=?" + (" AND run_id=?" if run_id else "") + " ORDER BY id"
    rows = query(db_path, sql, *((kind, run_id) if run_id else (kind,)))
    return [{**dict(r), "payload": json.loads(r["payload"] or "{}")} for r in rows]


def tries(db_path: Path, task_id: str | None = None) -> list[sqlite3.Row]:
    if task_id is None:
        return query(db_path, "SELECT * FROM tries ORDER BY started_at, task_id")
    return query(db_path, "SELECT * FROM tries WHERE task_id=? ORDER BY try_number", task_id)


def task_states(db_path: Path, run_id: str | None = None) -> dict[str, str]:
    if run_id is None:
        rows = query(db_path, "SELECT task_id, state FROM tasks")
    else:
        rows = query(db_path, "SELECT task_id, state FROM tasks WHERE run_id=?", run_id)
    return {r["task_id"]: r["state"] for r in rows}


def run_row(db_path: Path, run_id: str | None = None) -> sqlite3.Row:
    if run_id is None:
        return query(db_path, "SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")[0]
    return query(db_path, "SELECT * FROM runs WHERE run_id=?", run_id)[0]


def intervals(directory: Path, pattern: str = "*.txt") -> dict[str, tuple[float, float]]:
    """`start end` pairs that tasks wrote into their own files."""
    spans = {}
    for path in sorted(directory.glob(pattern)):
        start, end = path.read_text().split()
        spans[path.stem] = (float(start), float(end))
    return spans


def max_overlap(spans: list[tuple[float, float]]) -> int:
    """The largest number of intervals open at one instant (an end before a start at a tie)."""
    points = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda p: (p[0], p[1]))
    current = best = 0
    for _, delta in points:
        current += delta
        best = max(best, current)
    return best


# A bash snippet that records `start end` of a task (wall-clock seconds) into FILE.
def timed_command(file: str, sleep: float = 0.2) -> str:
    return f"s=$(date +%s.%N); sleep {sleep}; e=$(date +%s.%N); echo \"$s $e\" > {file}"
