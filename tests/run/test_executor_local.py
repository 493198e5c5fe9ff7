"""The executor seam (runner/run/executors/base.py) and the local executor behind it
(runner.run.executors.local.LocalExecutor), driven directly with real processes; then executors written here
plugged into real runs through `RunSetup.executor`: one that records each prepared try and
delegates to the local one, one that starts nothing and streams canned output."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import trio
from runner_helpers import assert_no_survivor, kill_marked, marker, query, tries, write_workflow

from runner import run_workflow
from runner.run.executors.base import Executor, PreparedTry, TryEnd
from runner.run.executors.local import LocalExecutor
from runner.run.masking import Masker
from runner.run.session import RunResult
from runner.run.tasklog import MaskedLog, TryLog

ENV = {"PATH": os.environ.get("PATH", os.defpath)}


class Sinks:
    """What the executor streams, in order: ("out", text), ("err", text), ("start", pgid), ("stop",)."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def prepared(self, argv: list[str], cwd: str, **extra: Any) -> PreparedTry:
        return PreparedTry(
            argv, dict(ENV), cwd, on_stdout=lambda t: self.events.append(("out", t)),
            on_stderr=lambda t: self.events.append(("err", t)), on_start=lambda p: self.events.append(("start", p)),
            on_stop=lambda: self.events.append(("stop",)), **extra,
        )

    def text(self, kind: str) -> str:
        return "".join(e[1] for e in self.events if e[0] == kind)


def run(prepared: PreparedTry, executor: Executor | None = None) -> TryEnd:
    return trio.run((executor or LocalExecutor()).run, prepared)


# -- the local executor, directly -----------------------------------------------------------------


def test_exit_status_streams_and_process_group(tmp_path: Path) -> None:
    sinks = Sinks()
    end = run(sinks.prepared(["bash", "-c", "echo out; echo err >&2; pwd; exit 3"], str(tmp_path)))
    assert end.exit_status == 3
    assert not end.timed_out
    assert sinks.text("out") == f"out\n{tmp_path}\n"  # in its working directory
    assert sinks.text("err") == "err\n"
    assert sinks.events[0] == ("start", end.pgid)  # the group is known before any output
    assert ("stop",) not in sinks.events  # it ended by itself
    assert end.started <= end.ended


def test_posix_spawn_route_and_a_signal_exit() -> None:
    """A program given by path in our own directory is started by posix_spawn (the other route):
    same contract; a process killed by a signal has that signal, negated, as its exit status."""
    sinks = Sinks()
    end = run(sinks.prepared(["sh", "-c", "echo $0; kill -KILL $$"], os.getcwd(), executable="/bin/sh"))
    assert end.exit_status == -signal.SIGKILL
    assert sinks.text("out") == "sh\n"  # argv[0] as given, the program from `executable`


def test_output_is_streamed_while_the_process_runs(tmp_path: Path) -> None:
    """The second line is only written once the first has reached the sink."""
    flag = tmp_path / "seen"
    sinks = Sinks()

    def on_stdout(text: str) -> None:
        sinks.events.append(("out", text))
        if "first" in text:
            flag.write_text("yes")

    prepared = sinks.prepared(["bash", "-c", f"echo first; until [ -e {flag} ]; do sleep 0.01; done; echo second"],
                              str(tmp_path))
    prepared.on_stdout = on_stdout

    async def main() -> TryEnd:
        prepared.deadline = trio.current_time() + 60  # (a bound: without streaming it would time out)
        return await LocalExecutor().run(prepared)

    end = trio.run(main)
    assert not end.timed_out and end.exit_status == 0
    assert sinks.text("out") == "first\nsecond\n"


def test_masking_through_the_runners_sinks(tmp_path: Path) -> None:
    """An executor streams unmasked text; the runner's sinks (a try's MaskedLog) mask it, even a
    secret split across two writes, on stdout and stderr alike."""
    secret = "s3cr3t-value-123"
    logs = tmp_path / "logs"
    with TryLog(logs / "t" / "1.log", logs) as log:
        streams = MaskedLog(log, Masker([secret]))
        command = f"printf 's3cr3t-'; sleep 0.2; printf 'value-123\\n'; echo 'why: {secret}' >&2; exit 1"
        end = run(PreparedTry(["bash", "-c", command], dict(ENV), str(tmp_path),
                              on_stdout=streams.stdout, on_stderr=streams.stderr))
        streams.flush()
    text = (logs / "t" / "1.log").read_text()
    assert end.exit_status == 1
    assert secret not in text and "s3cr3t" not in text
    assert text.count("***") == 2
    assert streams.tail.last_line() == "why: ***"  # the failure's reason, masked


def test_timeout_stops_the_whole_group_with_a_grandchild(tmp_path: Path) -> None:
    """At its deadline the group gets SIGTERM (after on_stop), and SIGKILL `grace` later: a
    grandchild that ignores SIGTERM is killed too; what the group writes meanwhile is kept."""
    mark = marker()
    command = (f"trap 'echo term' TERM; bash -c \"trap '' TERM; exec -a {mark} sleep 300\" & "
               f"(exec -a {mark} sleep 301) & echo started; wait; wait")
    sinks = Sinks()
    prepared = sinks.prepared(["bash", "-c", command], str(tmp_path), grace=0.5)
    try:
        async def main() -> TryEnd:
            prepared.deadline = trio.current_time() + 1.5
            return await LocalExecutor().run(prepared)

        end = trio.run(main)
        assert end.timed_out
        assert end.exit_status != 0
        assert_no_survivor(mark)
        kinds = [e[0] for e in sinks.events]
        assert kinds.count("stop") == 1
        assert "started" in sinks.text("out")
        assert "term" in "".join(e[1] for e in sinks.events[kinds.index("stop"):] if e[0] == "out")
    finally:
        kill_marked(mark)


def test_cancellation_stops_the_group_and_goes_on(tmp_path: Path) -> None:
    """Cancelled from outside (the run stopped): on_stop, the group stopped, its last words
    still streamed, and the cancellation reaches the canceller (no TryEnd)."""
    mark = marker()
    sinks = Sinks()
    ended: list[TryEnd] = []

    async def main() -> bool:
        with trio.CancelScope() as scope:
            prepared = sinks.prepared(
                ["bash", "-c", f"trap 'echo bye; exit 0' TERM; (exec -a {mark} sleep 300) & echo ready; wait"],
                str(tmp_path),
            )

            def on_stdout(text: str) -> None:
                sinks.events.append(("out", text))
                if "ready" in text:
                    scope.cancel()

            prepared.on_stdout = on_stdout
            ended.append(await LocalExecutor().run(prepared))
        return scope.cancelled_caught

    try:
        assert trio.run(main) is True
        assert ended == []
        assert_no_survivor(mark)
        kinds = [e[0] for e in sinks.events]
        assert kinds.count("stop") == 1
        assert "bye" in "".join(e[1] for e in sinks.events[kinds.index("stop"):] if e[0] == "out")
    finally:
        kill_marked(mark)


def test_a_failing_on_start_still_stops_the_group(tmp_path: Path) -> None:
    """on_start records the group (the store may be full): when it fails, the group is stopped."""
    mark = marker()
    sinks = Sinks()

    def on_start(pgid: int) -> None:
        raise OSError(28, "No space left on device")

    prepared = sinks.prepared(["bash", "-c", f"exec -a {mark} sleep 300"], str(tmp_path), grace=0.5)
    prepared.on_start = on_start
    try:
        with pytest.raises(OSError, match="No space left"):
            run(prepared)
        assert ("stop",) in sinks.events
        assert_no_survivor(mark)
    finally:
        kill_marked(mark)


def test_a_program_that_cannot_start_is_an_oserror(tmp_path: Path) -> None:
    sinks = Sinks()
    with pytest.raises(OSError):
        run(sinks.prepared(["no-such-program-here"], str(tmp_path), executable=str(tmp_path / "missing")))
    assert sinks.events == []


# -- other executors plugged into real runs -------------------------------------------------------


class Recording:
    """Records each prepared try, then lets the local executor run it."""

    def __init__(self) -> None:
        self.local = LocalExecutor()
        self.prepared: list[PreparedTry] = []

    async def run(self, prepared: PreparedTry) -> TryEnd:
        self.prepared.append(prepared)
        return await self.local.run(prepared)


class Canned:
    """Starts nothing (as a remote executor would, from here): streams what a task "printed"."""

    def __init__(self, stdout: str, stderr: str, status: int) -> None:
        self.stdout, self.stderr, self.status = stdout, stderr, status
        self.argvs: list[list[str]] = []

    async def run(self, prepared: PreparedTry) -> TryEnd:
        self.argvs.append(prepared.argv)
        started = time.time()
        await trio.sleep(0)
        for line in self.stdout.splitlines(keepends=True):
            prepared.on_stdout(line)
        prepared.on_stderr(self.stderr)
        return TryEnd(self.status, started, time.time())


def run_with(tmp_path: Path, text: str, executor: Executor) -> RunResult:
    """A real run of `text` through the public API, its processes started by `executor`."""
    path = write_workflow(tmp_path, text)
    return run_workflow(path, state=str(tmp_path / "s.db"), cwd=str(tmp_path), executor=executor)


SEAM = """
dagId: seam
tasks:
  - taskId: shell
    operator: bash
    params: {command: "echo '{\\"rows\\": 3}'; echo done"}
    timeout: {execution: 60s}
  - taskId: py
    operator: python
    params: {pythonCode: "print(41 + 1)"}
    dependencies: [shell]
  - taskId: nothing
    operator: dummy
    dependencies: [py]
"""


def test_a_recording_executor_runs_a_workflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWRUN_SECRET_X", "not-for-tasks")
    recording = Recording()
    result = run_with(tmp_path, SEAM, recording)
    assert result.state == "success"
    assert result.tasks["shell"].output == "done"
    assert result.tasks["py"].output == 42
    argvs = [p.argv for p in recording.prepared]
    assert argvs == [["bash", "-c", "echo '{\"rows\": 3}'; echo done"], [sys.executable, "-c", "print(41 + 1)"]]
    shell, py = recording.prepared
    assert shell.deadline is not None and py.deadline is None  # only `shell` has a timeout
    assert shell.cwd == py.cwd == str(tmp_path)
    assert "FLOWRUN_SECRET_X" not in shell.env and shell.env["PATH"] == os.environ["PATH"]  # prepared by the runner
    db = tmp_path / "s.db"
    rows = query(db, "SELECT task_id, name, value FROM metrics")
    assert [(r["task_id"], r["name"], r["value"]) for r in rows] == [("shell", "rows", 3.0)]
    assert tries(db, "shell")[0]["pgid"] is not None  # recorded through on_start


def test_an_executor_that_starts_nothing_gets_the_same_treatment(tmp_path: Path) -> None:
    """The output line, metrics, the log and the failure's reason come from what an executor
    streams, whatever starts the task."""
    ok = Canned('{"rows": 5}\n"canned"\n', "", 0)
    result = run_with(tmp_path, SEAM, ok)
    assert result.state == "success"
    assert result.tasks["shell"].output == "canned" and result.tasks["py"].output == "canned"
    assert ok.argvs[1] == [sys.executable, "-c", "print(41 + 1)"]
    db = tmp_path / "s.db"
    assert [r["value"] for r in query(db, "SELECT value FROM metrics WHERE task_id='shell'")] == [5.0]
    assert tries(db, "shell")[0]["pgid"] is None  # no process group on this machine
    log = Path(tries(db, "shell")[0]["log_path"]).read_text()
    assert '"canned"' in log

    failing = tmp_path / "failing"
    failing.mkdir()
    bad = Canned("", "partial\nthe disk is full\n", 4)
    result = run_with(failing, SEAM, bad)
    assert result.state == "failed"
    assert result.tasks["shell"].error == "the command exited with status 4: the disk is full"
    assert result.tasks["py"].state == "upstream_failed"
    assert len(bad.argvs) == 1
