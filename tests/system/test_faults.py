"""Fault injection: the runner SIGKILLed at many points of a run, and tasks that misbehave.

- The runner (`flowrun run`, a real subprocess) is SIGKILLed at points spread over a whole run
  (once during start-up, then after 0 to 15 of the run's 16 try starts and ends, plus a
  random 0-60 ms: the points follow the run's progress, not the machine's speed), every third
  time its first `--resume` too; `--resume last` is repeated until the run ends. Each time:
  the store passes `PRAGMA integrity_check`, the run ends `success`, no task that had ended
  `success` ran again (each task appends one line to `<run_id>_<task_id>`: a finished task has
  exactly one line, a task interrupted mid-try one more per interruption at most), and the
  outputs of finished tasks are unchanged. The figures are printed (`pytest -s`).
- Tasks that kill themselves, close their stdout early, write 1 GB to stdout (the runner's peak
  RSS is measured in its own process, the log is capped), or leave a daemon that ignores
  SIGTERM; a state store and a log directory on a full disk (a 200 KiB tmpfs when the test may
  mount one, else a file-size limit: a read-only directory does not stop root; TEST_NO_MOUNT=1
  forces the limit). Each is recorded with a clear message, no traceback and no process left
  behind.
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from runner_helpers import (
    CLI_TIMEOUT,
    assert_no_survivor,
    cli_env,
    flowrun,
    kill_marked,
    marker,
    query,
    start_flowrun,
    survivors,
    write_workflow,
)

from runner.run.tasklog import LOG_LIMIT

# -- the runner killed at many points -----------------------------------------------------------------

KILL_POINTS = 16  # runs killed; every third one has its first resume killed too
TASK_DEPENDENCIES = {"a": [], "b": [], "c": ["a"], "d": ["a", "b"], "e": ["b"], "f": ["c", "d"], "g": ["d", "e"],
                     "h": ["f", "g"]}
TASK_SECONDS = {"a": 0.03, "b": 0.1, "c": 0.05, "d": 0.07, "e": 0.04, "f": 0.09, "g": 0.06, "h": 0.08}  # uneven


def _kill_workflow(mark: str) -> dict[str, Any]:
    """8 small tasks; each appends one line to `<run_id>_<task_id>` and outputs a nonce that a
    second run of it would change; `h` also writes the outputs of `f` and `g` it was given."""
    def command(seconds: float) -> str:
        return (
            "echo {{ task_id }} >> {{ run_id }}_{{ task_id }}; (exec -a " + mark + f" sleep {seconds});"
            ' echo "{\\"task\\": \\"{{ task_id }}\\", \\"nonce\\": \\"$RANDOM-$$\\"}"'
        )

    pull = "echo '{{ ti.xcom_pull(task_ids=[\"f\", \"g\"]) | tojson }}' > inputs_{{ run_id }}; "
    tasks = [{"taskId": t, "operator": "bash", "dependencies": deps,
              "params": {"command": (pull if t == "h" else "") + command(TASK_SECONDS[t])}}
             for t, deps in TASK_DEPENDENCIES.items()]
    return {"dagId": "killed", "concurrency": 3, "tasks": tasks}


@dataclass
class Figures:
    kill_targets: list[str] = field(default_factory=list)  # "startup" or events to wait for
    events_at_kill: list[int] = field(default_factory=list)  # tries started + ended when killed
    killed_before_the_run_was_recorded: int = 0
    killed_during_the_run: int = 0
    killed_after_the_run_ended: int = 0
    resumes_killed: int = 0
    resumes: int = 0
    tasks_interrupted_mid_try: int = 0
    tasks_rerun_after_an_interruption: int = 0
    finished_tasks_rerun: int = 0
    integrity_checks: int = 0


def _events(db: Path) -> int:
    """Tries started plus tries ended: the run's progress, 0 to 16 (read-only, never creates the db)."""
    if not db.exists():
        return -1
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            started, ended = con.execute("SELECT COUNT(*), TOTAL(state != 'running') FROM tries").fetchone()
        finally:
            con.close()
    except sqlite3.Error:  # the schema is not there yet
        return -1
    return int(started + ended)


def _snapshot(db: Path) -> dict[str, Any] | None:
    """The store as a killed runner left it: integrity, run state, task states and outputs."""
    if not db.exists():
        return None
    assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
    runs = query(db, "SELECT run_id, state FROM runs") if query(
        db, "SELECT name FROM sqlite_master WHERE name='runs'") else []
    if not runs:
        return None
    assert len(runs) == 1
    tasks = query(db, "SELECT task_id, state, output FROM tasks WHERE run_id=?", runs[0]["run_id"])
    return {"run_id": runs[0]["run_id"], "state": runs[0]["state"],
            "states": {r["task_id"]: r["state"] for r in tasks},
            "outputs": {r["task_id"]: r["output"] for r in tasks if r["state"] == "success"}}


def _kill_at(directory: Path, db: Path, events: int | None, jitter: float, *args: str) -> None:
    """`flowrun ARGS...` SIGKILLed `jitter` seconds after the store shows `events` (None: right
    after start); kill points follow the run's progress, not the speed of the machine."""
    proc = start_flowrun(directory, *args)
    deadline = time.monotonic() + CLI_TIMEOUT
    while events is not None and _events(db) < events and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(jitter)
    proc.kill()
    proc.communicate(timeout=CLI_TIMEOUT)


def _resume_args(path: Path) -> tuple[str, ...]:
    return ("run", str(path), "--resume", "last")


def test_runner_killed_at_many_points_resumes_without_rerunning_finished_tasks(tmp_path: Path) -> None:
    mark = marker()
    figures = Figures()
    rng = random.Random(20261125)
    workflow = _kill_workflow(mark)
    events = 2 * len(TASK_DEPENDENCIES)
    # one kill during start-up, the others spread over the run's progress (0 .. all but the last event)
    targets: list[int | None] = [None] + [i * (events - 1) // (KILL_POINTS - 2) for i in range(KILL_POINTS - 1)]
    try:
        for cycle, target in enumerate(targets):
            directory = tmp_path / f"cycle{cycle}"
            directory.mkdir()
            path = write_workflow(directory, workflow)
            db = directory / ".flowrun" / "state.db"
            figures.kill_targets.append("startup" if target is None else str(target))
            _kill_at(directory, db, target, 0.05 if target is None else rng.uniform(0, 0.06), "run", str(path))
            figures.events_at_kill.append(_events(db))
            before = _snapshot(db)
            figures.integrity_checks += before is not None
            if before is None:
                figures.killed_before_the_run_was_recorded += 1
                proc = flowrun(directory, *_resume_args(path))
                assert proc.returncode == 2 and "no run" in proc.stderr and "Traceback" not in proc.stderr
                continue
            if before["state"] == "success":
                figures.killed_after_the_run_ended += 1
                continue
            figures.killed_during_the_run += 1
            run_id = before["run_id"]

            def lines(task: str, directory: Path = directory, run_id: str = run_id) -> int:
                file = directory / f"{run_id}_{task}"
                text = file.read_text() if file.exists() else ""
                assert set(text.splitlines()) <= {task}
                return len(text.splitlines())

            # a task seen `success` after a kill: its output and its number of runs are final
            finished = {t: (o, lines(t)) for t, o in before["outputs"].items()}
            assert all(n == 1 for _, n in finished.values())
            interruptions = {t: int(s == "running") for t, s in before["states"].items()}

            if cycle % 3 == 1:  # kill the first resume as well, once it has done something
                figures.resumes += 1
                figures.resumes_killed += 1
                _kill_at(directory, db, _events(db) + rng.randint(1, 4), rng.uniform(0, 0.04), *_resume_args(path))
                again = _snapshot(db)
                assert again is not None and again["run_id"] == run_id
                figures.integrity_checks += 1
                for task, output in again["outputs"].items():
                    if task in finished:
                        assert output == finished[task][0], f"finished task {task} changed"
                    else:
                        finished[task] = (output, lines(task))
                for task, state in again["states"].items():
                    interruptions[task] += state == "running"

            for _ in range(5):  # resume until the run ends
                figures.resumes += 1
                proc = flowrun(directory, *_resume_args(path))
                assert "Traceback" not in proc.stderr
                if proc.returncode == 0:
                    break
            after = _snapshot(db)
            figures.integrity_checks += 1
            assert after is not None and after["state"] == "success", proc.stdout + proc.stderr
            assert set(after["states"].values()) == {"success"}

            for task in TASK_DEPENDENCIES:
                runs = lines(task)
                if task in finished:
                    output, runs_then = finished[task]
                    figures.finished_tasks_rerun += runs != runs_then
                    assert runs == runs_then, f"{task} had finished and ran again ({cycle=})"
                    assert after["outputs"][task] == output, f"the output of {task} changed"
                else:
                    assert 1 <= runs <= 1 + interruptions[task], (task, runs, interruptions)
                figures.tasks_interrupted_mid_try += interruptions[task]
                figures.tasks_rerun_after_an_interruption += runs - 1
            outputs = {t: json.loads(o) for t, o in after["outputs"].items()}
            assert json.loads((directory / f"inputs_{run_id}").read_text()) == [outputs["f"], outputs["g"]]
            for row in query(db, "SELECT task_id, try_number, state, error FROM tries ORDER BY task_id, try_number"):
                last = row["try_number"] == len(query(db, "SELECT 1 FROM tries WHERE task_id=?", row["task_id"]))
                assert row["state"] == ("success" if last else "failed")
                assert last or row["error"].startswith("interrupted")
        assert_no_survivor(mark)
    finally:
        kill_marked(mark)
        print(f"\nfault injection figures: {json.dumps(figures.__dict__)}")
    assert figures.finished_tasks_rerun == 0
    assert figures.killed_during_the_run >= KILL_POINTS // 2  # the kills follow the run's progress


# -- tasks that misbehave ---------------------------------------------------------------------------


@dataclass
class Misbehaving:
    proc: subprocess.CompletedProcess[str]
    rows: dict[str, Any]
    logs: dict[str, str]
    marks: dict[str, str]


@pytest.fixture(scope="module")
def misbehaving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Misbehaving]:
    """One run of tasks that misbehave side by side (the daemon costs the 5 s grace once)."""
    tmp_path = tmp_path_factory.mktemp("misbehaving")
    marks = {name: marker() for name in ("self_kill", "daemon", "detached")}
    path = write_workflow(tmp_path, {
        "dagId": "misbehaving",
        "concurrency": 8,
        "tasks": [
            {"taskId": "self_kill", "operator": "bash",
             "params": {"command": f"(exec -a {marks['self_kill']} sleep 300) & echo before; kill -9 $$; echo after"}},
            {"taskId": "closes_stdout", "operator": "bash",
             "params": {"command": "echo early; exec 1>&-; sleep 0.5; echo done >&2"}},
            # holds the task's stdout: stopped by SIGKILL after the grace period
            {"taskId": "daemon", "operator": "bash",
             "params": {"command": f"(trap '' TERM; exec -a {marks['daemon']} sleep 300) & sleep 0.3; echo started"}},
            # a proper daemon: its own stdio, ignores SIGTERM
            {"taskId": "detached", "operator": "bash",
             "params": {"command": f"(trap '' TERM; exec -a {marks['detached']} sleep 300 </dev/null >/dev/null 2>&1) &"
                                   " sleep 0.3; echo started"}},
            {"taskId": "after", "operator": "bash", "dependencies": ["self_kill", "closes_stdout", "daemon", "detached"],
             "triggerRule": "all_done", "params": {"command": "echo after"}},
        ],
    })
    try:
        started = time.monotonic()
        proc = flowrun(tmp_path, "run", str(path))
        elapsed = time.monotonic() - started
        db = tmp_path / ".flowrun" / "state.db"
        rows = {r["task_id"]: r for r in query(db, "SELECT t.task_id, t.state, t.output, t.error, y.exit_code,"
                                                   " y.started_at, y.ended_at FROM tasks t JOIN tries y"
                                                   " ON t.run_id=y.run_id AND t.task_id=y.task_id")}
        logs = {p.parent.name: p.read_text() for p in (tmp_path / ".flowrun" / "logs").rglob("1.log")}
        print(f"\nmisbehaving tasks: run took {elapsed:.2f}s")
        yield Misbehaving(proc, rows, logs, marks)
    finally:
        for mark in marks.values():
            kill_marked(mark)


def test_misbehaving_tasks_end_the_run_cleanly(misbehaving: Misbehaving) -> None:
    proc = misbehaving.proc
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr and proc.stderr == ""
    assert misbehaving.rows["after"]["state"] == "success"  # the run went on to the end
    for mark in misbehaving.marks.values():
        assert_no_survivor(mark)


def test_a_task_that_sigkills_itself(misbehaving: Misbehaving) -> None:
    row = misbehaving.rows["self_kill"]
    assert (row["state"], row["exit_code"], row["error"]) == ("failed", -9, "the command was killed by signal 9")
    assert misbehaving.logs["self_kill"] == "before\n\nerror: the command was killed by signal 9\n"
    assert "self_kill: failed (try 1)" in misbehaving.proc.stdout


def test_a_task_that_closes_its_stdout_early(misbehaving: Misbehaving) -> None:
    row = misbehaving.rows["closes_stdout"]
    assert row["state"] == "success" and json.loads(row["output"]) == "early"
    assert row["ended_at"] - row["started_at"] >= 0.45  # its end was awaited, not the end of its stdout
    assert misbehaving.logs["closes_stdout"] == "early\ndone\n"


def test_a_daemon_that_ignores_sigterm_is_stopped(misbehaving: Misbehaving) -> None:
    for task in ("daemon", "detached"):
        row = misbehaving.rows[task]
        assert row["state"] == "success" and json.loads(row["output"]) == "started"
        assert_no_survivor(misbehaving.marks[task])


# -- 1 GB on stdout ---------------------------------------------------------------------------------

# `flowrun ARGS...` in a process that reports its own peak RSS on exit (and may limit file sizes)
WRAPPER = """
import atexit, os, resource, runpy, sys
if os.environ.get("TEST_FSIZE"):
    limit = int(os.environ["TEST_FSIZE"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
atexit.register(lambda: sys.stderr.write(f"peak_rss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n"))
sys.argv = ["flowrun", *sys.argv[1:]]
runpy.run_module("runner.cli", run_name="__main__", alter_sys=True)
"""


def _wrapped(tmp_path: Path, *args: str, fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    env = cli_env(**({"TEST_FSIZE": str(fsize)} if fsize else {}))
    return subprocess.run([sys.executable, "-c", WRAPPER, *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=CLI_TIMEOUT, check=False)


def test_a_gigabyte_on_stdout_keeps_the_runner_small_and_the_log_bounded(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, r"""
        dagId: flood
        tasks:
          - taskId: one_line
            operator: bash
            params: {command: "head -c 1000000000 /dev/zero | tr '\\0' 'a'"}
          - taskId: many_lines
            operator: bash
            params: {command: "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 200000000; echo; echo '{\"rows\": 3}'; echo last"}
    """)
    started = time.monotonic()
    proc = _wrapped(tmp_path, "run", str(path))
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    peak_kb = int(re.search(r"peak_rss_kb=(\d+)", proc.stderr).group(1))  # type: ignore[union-attr]
    db = tmp_path / ".flowrun" / "state.db"
    rows = {r["task_id"]: r for r in query(db, "SELECT task_id, state, output, error FROM tasks")}
    assert rows["one_line"]["state"] == "failed"
    assert rows["one_line"]["error"] == (
        "output is larger than 1 MiB; write the data to a file and output its path instead")
    assert rows["many_lines"]["state"] == "success" and json.loads(rows["many_lines"]["output"]) == "last"
    assert query(db, "SELECT name, value FROM metrics")[0][:] == ("rows", 3.0)

    log = next((tmp_path / ".flowrun" / "logs").rglob("one_line/1.log"))
    size = log.stat().st_size
    with log.open("rb") as fh:
        fh.seek(max(size - 400, 0))
        tail = fh.read().decode()
    print(f"\n1 GB on stdout: {elapsed:.1f}s, runner peak RSS {peak_kb / 1024:.0f} MiB, log {size} bytes")
    assert LOG_LIMIT <= size <= LOG_LIMIT + 1024
    assert "[flowrun: this log is limited to 100 MiB; the rest of the output of this try is not kept]" in tail
    assert f"[flowrun: {1_000_000_000 - LOG_LIMIT} more bytes of output were not kept]" in tail
    assert tail.endswith("error: output is larger than 1 MiB; write the data to a file and output its path instead\n")
    lines_log = next((tmp_path / ".flowrun" / "logs").rglob("many_lines/1.log"))
    assert LOG_LIMIT <= lines_log.stat().st_size <= LOG_LIMIT + 1024
    lines_log.unlink()
    assert peak_kb < 300 * 1024  # bounded: about 50 MiB here, whatever the task writes
    log.unlink()  # 100 MB


# -- a full disk --------------------------------------------------------------------------------------


def _mount_tmpfs(directory: Path, size: str) -> bool:
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or os.environ.get("TEST_NO_MOUNT"):
        return False
    # mode 700: a fresh tmpfs is 1777, and flowrun refuses a state directory others can write
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=700", "tmpfs", str(directory)],
                          capture_output=True, check=False)
    return done.returncode == 0


def _unmount(directory: Path) -> None:
    subprocess.run(["umount", "-l", str(directory)], capture_output=True, check=False)


FULL = """
dagId: full
tasks:
  - taskId: writer
    operator: bash
    params: {command: "echo start; head -c 3000000 /dev/zero | tr '\\\\0' 'a'; echo; echo end"}
  - taskId: sleeper
    operator: bash
    params: {command: "(exec -a MARK sleep 30) & for i in $(seq 40); do echo '{\\"n\\": 1}'; sleep 0.02; done"}
  - taskId: last
    operator: bash
    dependencies: [writer, sleeper]
    params: {command: "echo last"}
"""


def test_state_store_on_a_full_disk(tmp_path: Path) -> None:
    """The store's directory is a 200 KiB tmpfs (else every file flowrun writes is limited to
    200 KiB): the run stops with one clear line, no task process is left, and once there is
    room again `--resume` completes it."""
    mark = marker()
    path = write_workflow(tmp_path, FULL.replace("MARK", mark))
    state = tmp_path / "state"
    mounted = _mount_tmpfs(state, "200k")
    try:
        proc = _wrapped(tmp_path, "run", str(path), "--state", str(state / "state.db"),
                        fsize=None if mounted else 200 * 1024)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        errors = [line for line in proc.stderr.splitlines() if not line.startswith("peak_rss_kb=")]
        assert len(errors) == 1 and "Traceback" not in proc.stderr
        assert re.match(r"flowrun: error: .*state\.db: state store write failed: .+; run (\S+) was stopped; once the"
                        r" state store is writable, resume it with: flowrun run \S+ --resume \1 --state \S+$",
                        errors[0]), errors
        assert_no_survivor(mark)
        print(f"\nfull disk ({'tmpfs' if mounted else 'RLIMIT_FSIZE'}): {errors[0]}")

        if mounted:
            subprocess.run(["mount", "-o", "remount,size=20m", str(state)], check=True)
        resumed = flowrun(tmp_path, "run", str(path), "--state", str(state / "state.db"), "--resume", "last")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        db = state / "state.db"
        assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
        assert [r["state"] for r in query(db, "SELECT state FROM runs")] == ["success"]
        assert_no_survivor(mark)
    finally:
        kill_marked(mark)
        if mounted:
            _unmount(state)


def test_logs_on_a_full_disk_fail_the_try_not_the_runner(tmp_path: Path) -> None:
    """The log directory is a 200 KiB tmpfs (else every file is limited to 1 MiB: the store stays
    smaller, the log does not): a try whose log cannot be written fails with that reason; the run
    goes on."""
    mark = marker()
    path = write_workflow(tmp_path, FULL.replace("MARK", mark))
    logs = tmp_path / ".flowrun" / "logs"
    mounted = _mount_tmpfs(logs, "200k")
    try:
        proc = _wrapped(tmp_path, "run", str(path), fsize=None if mounted else 1024 * 1024)  # the store stays small
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr and "error" not in proc.stderr
        db = tmp_path / ".flowrun" / "state.db"
        rows = {r["task_id"]: r for r in query(db, "SELECT task_id, state, error FROM tasks")}
        assert rows["writer"]["state"] == "failed"
        reason = "No space left on device" if mounted else "File too large"
        assert re.fullmatch(rf"cannot write its log \S+/writer/1\.log: {reason}", rows["writer"]["error"])
        assert rows["last"]["state"] == "upstream_failed"
        assert "writer: failed (try 1)" in proc.stdout
        assert query(db, "PRAGMA integrity_check")[0][0] == "ok"
        assert [r["state"] for r in query(db, "SELECT state FROM runs")] == ["failed"]
        assert_no_survivor(mark)
        assert not survivors(mark)
    finally:
        kill_marked(mark)
        if mounted:
            _unmount(logs)
