"""Every path `flowrun run`, `flowrun schedule` and `flowrun runs report -o` write, with a
symbolic link (or a hard link, or a directory other users can change) planted at it (issue 12).

Outside the working directory sits a sentinel file; after each case its content, its mode and
the listing of its directory are unchanged, and flowrun either stops with one clear line (exit 2)
or writes safely. Decisions per path (runner/run/safefs.py):

| planted at | result |
|---|---|
| `.flowrun` (state directory), `state.db`, `state.db-wal`/`-shm`/`-journal` | exit 2, one line |
| `logs/`, `logs/<dag>`, `logs/<dag>/<run>` | exit 2, one line, before the run starts |
| `logs/<dag>/<run>/<task>` | that try fails: "cannot write its log ...: ... is a symbolic link" |
| `<try>.log` (symbolic or hard link) | replaced by a new 0600 file, never written through |
| report `-o FILE`, a symbolic link | exit 2, one line |
| report `-o FILE`, a hard link or a file | replaced (temporary file + rename) |
| the report's temporary file | another name is taken (O_EXCL) |

Modes: the state directory, `logs/` and every directory below 0700, the store and its companions
and the logs 0600, whatever the umask.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from runner_helpers import cli_env, flowrun, query, write_workflow

from runner import safe_io
from runner.run import safefs
from runner.run.store import Store

SENTINEL = "sentinel: must not change\n"
SENTINEL_MODE = 0o640

WORKFLOW = """
dagId: links
tasks:
  - taskId: t
    operator: bash
    params: {command: "echo hello-from-the-task; test -f ok"}
"""


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A directory outside the working directory, holding only the sentinel; checked after the test."""
    directory = tmp_path / "outside"
    directory.mkdir()
    sentinel = directory / "sentinel.txt"
    sentinel.write_text(SENTINEL)
    sentinel.chmod(SENTINEL_MODE)
    yield directory
    assert sorted(os.listdir(directory)) == ["sentinel.txt"]
    assert sentinel.read_text() == SENTINEL
    assert stat.S_IMODE(sentinel.stat().st_mode) == SENTINEL_MODE


@pytest.fixture
def work(tmp_path: Path) -> Path:
    directory = tmp_path / "work"
    directory.mkdir()
    write_workflow(directory, WORKFLOW)
    return directory


def run(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return flowrun(work, "run", "wf.yaml", *args)


def one_line(proc: subprocess.CompletedProcess[str], *words: str, code: int = 2) -> str:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def first_run(work: Path) -> str:
    """A run whose task fails (no `ok` file yet): try 1 is logged; returns the run id."""
    proc = run(work)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return str(query(work / ".flowrun" / "state.db", "SELECT run_id FROM runs")[0]["run_id"])


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# -- the state store -----------------------------------------------------------------------------


def test_state_directory_link_is_refused(work: Path, outside: Path) -> None:
    (work / ".flowrun").symlink_to(outside)
    one_line(run(work), "'.flowrun' is a symbolic link", "does not follow")


def test_state_file_link_is_refused(work: Path, outside: Path) -> None:
    (work / ".flowrun").mkdir(mode=0o700)
    (work / ".flowrun" / "state.db").symlink_to(outside / "sentinel.txt")
    one_line(run(work), "'.flowrun/state.db' is a symbolic link")


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
@pytest.mark.parametrize("existing_store", [False, True])
def test_store_companion_link_is_refused(work: Path, outside: Path, suffix: str, existing_store: bool) -> None:
    if existing_store:
        first_run(work)
    else:
        (work / ".flowrun").mkdir(mode=0o700)
    (work / ".flowrun" / f"state.db{suffix}").symlink_to(outside / "sentinel.txt")
    one_line(run(work), f"'.flowrun/state.db{suffix}' is a symbolic link")


def test_schedule_refuses_a_linked_state_directory(work: Path, outside: Path) -> None:
    (work / ".flowrun").symlink_to(outside)
    proc = flowrun(work, "schedule", "wf.yaml", "--once", "--now", "2026-01-01T00:00:00Z")
    one_line(proc, "'.flowrun' is a symbolic link")


@pytest.mark.parametrize("mode_bits", [0o777, 0o770])
def test_state_directory_others_can_write_is_refused(work: Path, outside: Path, mode_bits: int) -> None:
    shared = work / "shared"
    shared.mkdir()
    shared.chmod(mode_bits)
    one_line(run(work, "--state", str(shared / "state.db")), "can be written by other users", "chmod go-w")
    assert os.listdir(shared) == []


def test_a_shared_sticky_directory_is_refused_without_advice_to_change_it(work: Path, outside: Path) -> None:
    shared = work / "tmp"  # as /tmp: mode 1777
    shared.mkdir()
    shared.chmod(0o1777)
    line = one_line(run(work, "--state", str(shared / "state.db")), "other users can write it",
                    f"--state {shared / 'flowrun' / 'state.db'}")
    assert "chmod" not in line
    assert os.listdir(shared) == []


def test_state_below_a_directory_anyone_can_change_is_refused(work: Path, outside: Path) -> None:
    anyone = work / "anyone"
    anyone.mkdir()
    anyone.chmod(0o777)  # not sticky: anyone may rename 'private' away and put a link there
    (anyone / "private").mkdir(mode=0o700)
    one_line(run(work, "--state", str(anyone / "private" / "state.db")), f"'{anyone}' can be written by any user")
    assert os.listdir(anyone / "private") == []


def test_state_directory_of_another_user_is_refused(work: Path, outside: Path) -> None:
    if os.geteuid() == 0:
        theirs = work / "theirs"
        theirs.mkdir(mode=0o755)
        os.chown(theirs, 65534, 65534)  # nobody
        one_line(run(work, "--state", str(theirs / "state.db")), f"'{theirs}' belongs to uid 65534, not to uid 0")
        assert os.listdir(theirs) == []
    else:  # '/' belongs to root
        one_line(run(work, "--state", "/state.db"), "'/' belongs to uid 0")


# -- the logs --------------------------------------------------------------------------------------


def test_logs_directory_link_is_refused(work: Path, outside: Path) -> None:
    (work / ".flowrun").mkdir(mode=0o700)
    (work / ".flowrun" / "logs").symlink_to(outside)
    one_line(run(work), "logs' is a symbolic link")
    assert query(work / ".flowrun" / "state.db", "SELECT run_id FROM runs") == []  # refused before it started


def test_dag_logs_directory_link_is_refused(work: Path, outside: Path) -> None:
    (work / ".flowrun" / "logs").mkdir(parents=True, mode=0o700)
    (work / ".flowrun" / "logs" / "links").symlink_to(outside)
    one_line(run(work), "logs/links' is a symbolic link")


def _replace_with_link(path: Path, target: Path) -> None:
    path.rename(path.with_name(path.name + ".moved"))
    path.symlink_to(target)


def test_run_logs_directory_link_is_refused_on_resume(work: Path, outside: Path) -> None:
    run_id = first_run(work)
    _replace_with_link(work / ".flowrun" / "logs" / "links" / run_id, outside)
    one_line(run(work, "--resume", "last"), f"logs/links/{run_id}' is a symbolic link")


def test_task_logs_directory_link_fails_the_try(work: Path, outside: Path) -> None:
    run_id = first_run(work)
    _replace_with_link(work / ".flowrun" / "logs" / "links" / run_id / "t", outside)
    (work / "ok").touch()
    proc = run(work, "--resume", "last")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    error = query(work / ".flowrun" / "state.db", "SELECT error FROM tries WHERE try_number=2")[0]["error"]
    assert error.startswith("cannot write its log ") and f"links/{run_id}/t' is a symbolic link" in error


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_log_file_link_is_replaced_not_followed(work: Path, outside: Path, kind: str) -> None:
    run_id = first_run(work)
    log = work / ".flowrun" / "logs" / "links" / run_id / "t" / "2.log"  # the next try's log
    if kind == "symlink":
        log.symlink_to(outside / "sentinel.txt")
    else:
        os.link(outside / "sentinel.txt", log)
    (work / "ok").touch()
    proc = run(work, "--resume", "last")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert stat.S_ISREG(os.lstat(log).st_mode) and os.lstat(log).st_nlink == 1
    assert log.read_text() == "hello-from-the-task\n"
    assert mode(log) == 0o600


# -- modes -----------------------------------------------------------------------------------------


def test_modes_are_private_whatever_the_umask(work: Path) -> None:
    env = cli_env()
    proc = subprocess.run(["bash", "-c", 'umask 000; exec "$@"', "bash", sys.executable, "-m", "runner.cli", "run",
                           "wf.yaml"], cwd=work, env=env, capture_output=True, text=True, check=False, timeout=90)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # (the task fails: no `ok` file)
    state = work / ".flowrun"
    dirs = [state, *(p for p in state.rglob("*") if p.is_dir())]
    files = [p for p in state.rglob("*") if not p.is_dir()]
    assert len(dirs) == 5 and {p.name for p in files} == {"state.db", "1.log"}
    assert {str(p): mode(p) for p in dirs} == {str(p): 0o700 for p in dirs}
    assert {str(p): mode(p) for p in files} == {str(p): 0o600 for p in files}


def test_store_companions_are_private(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        store = Store(tmp_path / "private" / "state.db")
        try:
            store.add_event("note", None, None, None, {})  # a write: the -wal and -shm exist while open
            names = sorted(os.listdir(tmp_path / "private"))
            assert names == ["state.db", "state.db-shm", "state.db-wal"]
            assert {n: mode(tmp_path / "private" / n) for n in names} == dict.fromkeys(names, 0o600)
            assert mode(tmp_path / "private") == 0o700
        finally:
            store.close()
    finally:
        os.umask(old)


def test_an_older_readable_store_is_tightened(work: Path) -> None:
    state = work / ".flowrun"
    state.mkdir(mode=0o755)  # as an older flowrun left it: readable, not writable by others
    sqlite3.connect(state / "state.db").close()
    (state / "state.db").chmod(0o644)
    assert run(work).returncode == 1
    assert mode(state / "state.db") == 0o600
    assert mode(state) == 0o755  # the user's directory keeps its mode; what is in it is private


# -- the report ------------------------------------------------------------------------------------


def test_report_output_link_is_refused(work: Path, outside: Path) -> None:
    first_run(work)
    (work / "r.html").symlink_to(outside / "sentinel.txt")
    one_line(flowrun(work, "runs", "report", "last", "-o", "r.html"), "'r.html' is a symbolic link")
    assert os.readlink(work / "r.html") == str(outside / "sentinel.txt")


def test_report_replaces_a_hard_link(work: Path, outside: Path) -> None:
    first_run(work)
    os.link(outside / "sentinel.txt", work / "r.html")
    proc = flowrun(work, "runs", "report", "last", "-o", "r.html")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (work / "r.html").read_text().startswith("<!DOCTYPE html>") and os.lstat(work / "r.html").st_nlink == 1
    assert sorted(os.listdir(work)) == [".flowrun", "r.html", "wf.yaml"]  # no temporary file left


def test_report_temporary_file_link_is_not_followed(tmp_path: Path, outside: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = iter(["planted", "fresh"])
    monkeypatch.setattr(safe_io, "temp_token", lambda: next(tokens))
    (tmp_path / ".r.html.planted.flowrun-tmp").symlink_to(outside / "sentinel.txt")
    safefs.write_replacing(tmp_path / "r.html", b"<html>report</html>", "report")
    assert (tmp_path / "r.html").read_bytes() == b"<html>report</html>"
    assert os.readlink(tmp_path / ".r.html.planted.flowrun-tmp") == str(outside / "sentinel.txt")
    assert not (tmp_path / ".r.html.fresh.flowrun-tmp").exists()


def test_ids_cannot_leave_the_logs_directory(tmp_path: Path) -> None:
    for bad in ("..", ".", "", "a/b", "a\0b"):
        with pytest.raises(safefs.UnsafePath):
            safefs.safe_name(bad, "run id")
    (tmp_path / "logs").mkdir(mode=0o700)
    with pytest.raises(safefs.UnsafePath, match=re.escape("'..' or holds '/'")):
        safefs.create_private(tmp_path / "logs", ("dag", "..", "..", "escape.log"), "task logs")
    assert sorted(os.listdir(tmp_path)) == ["logs"]
