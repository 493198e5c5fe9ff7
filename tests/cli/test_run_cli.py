"""`flowrun run` as a user runs it: exit statuses, broken workflows, `--dry-run` (text and JSON,
writing nothing), `--log-format json`, Ctrl-C / SIGTERM, and maxActiveRuns."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from runner_helpers import (
    assert_no_survivor,
    background,
    cli_env,
    flowrun,
    kill_marked,
    marker,
    query,
    survivors,
    task_states,
    tries,
    wait_for,
    write_workflow,
)

OK = """
dagId: ok
tasks:
  - {taskId: a, operator: bash, params: {command: "echo one"}}
  - {taskId: b, operator: python, dependencies: [a], params: {pythonCode: "print(2)"}}
"""

FAILS = """
dagId: fails
tasks:
  - {taskId: a, operator: bash, params: {command: "echo one"}}
  - {taskId: b, operator: bash, dependencies: [a], params: {command: "echo broken >&2; exit 9"}}
"""


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_exit_0_on_success(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, OK)
    proc = flowrun(tmp_path, "run", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ": success" in proc.stdout
    assert (tmp_path / ".flowrun" / "state.db").exists()
    run = query(tmp_path / ".flowrun" / "state.db", "SELECT * FROM runs")[0]
    assert run["state"] == "success" and run["dag_id"] == "ok"
    logs = sorted((tmp_path / ".flowrun" / "logs" / "ok" / run["run_id"]).rglob("*.log"))
    assert [p.relative_to(tmp_path / ".flowrun" / "logs" / "ok" / run["run_id"]).as_posix() for p in logs] == [
        "a/1.log", "b/1.log"]
    assert logs[0].read_text().strip() == "one"


def test_exit_1_on_failure_and_state_option(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, FAILS)
    proc = flowrun(tmp_path, "run", str(path), "--state", "custom/state.db")
    assert proc.returncode == 1
    assert "exited with status 9" in proc.stdout
    assert "Traceback" not in proc.stderr
    state = tmp_path / "custom" / "state.db"
    assert task_states(state) == {"a": "success", "b": "failed"}
    assert not (tmp_path / ".flowrun").exists()


def test_state_from_environment(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, OK)
    proc = flowrun(tmp_path, "run", str(path), env=cli_env(FLOWRUN_STATE=str(tmp_path / "env.db")))
    assert proc.returncode == 0
    assert task_states(tmp_path / "env.db") == {"a": "success", "b": "success"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("dagId: cyc\ntasks:\n  - {taskId: a, operator: dummy, dependencies: [b]}\n"
         "  - {taskId: b, operator: dummy, dependencies: [a]}\n", "FR101"),
        ("dagId: unk\ntasks:\n  - {taskId: a, operator: dummy, dependencies: [ghost]}\n", "FR004"),
        ("dagId: dup\ntasks:\n  - {taskId: a, operator: dummy}\n  - {taskId: a, operator: dummy}\n", "FR003"),
        ("dagId: sch\ntasks:\n  - {taskId: a, operator: teleport}\n", "FR002"),
        ("dagId: [unclosed\ntasks: []\n", "FR001"),
    ],
)
def test_broken_workflow_exits_2_with_findings(tmp_path: Path, text: str, code: str) -> None:
    path = write_workflow(tmp_path, text)
    proc = flowrun(tmp_path, "run", str(path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    finding = next(line for line in proc.stdout.splitlines() if f" {code} " in line)
    location, _, rest = finding.partition(f": {code} ")
    file, line, column = location.rsplit(":", 2)
    assert file.endswith("wf.yaml") and int(line) >= 1 and int(column) >= 1
    assert rest.startswith("[error]")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / ".flowrun").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["run", "missing.yaml"],
        ["run", "wf.yaml", "--no-such-option"],
        ["run", "wf.yaml", "--log-format", "xml"],
        ["run", "wf.yaml", "--execution-date", "yesterday-ish"],
        ["run", "wf.yaml", "--capacity", "cpu=lots"],
        ["run", "wf.yaml", "--env", "nowhere"],
        ["run", "wf.yaml", "--vars", "no_such_vars.env"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    write_workflow(tmp_path, OK)
    proc = flowrun(tmp_path, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / ".flowrun").exists()


# -- dry run ----------------------------------------------------------------------------------------

DRY = """
dagId: dry
params:
  who: {type: string, default: world}
tasks:
  - taskId: a
    operator: bash
    params: {command: "touch a_ran; echo hello {{ params.who | shell_quote }}"}
  - taskId: b
    operator: bash
    dependencies: [a]
    params:
      command: "touch b_ran; echo {{ ti.xcom_pull(task_ids='a') | shell_quote }}"
      env: {TOKEN: "{{ var.secret.TOKEN }}", DAY: "{{ ds }}"}
  - taskId: c
    operator: http
    dependencies: [a]
    params: {url: "http://127.0.0.1:9/{{ params.who }}"}
  - {taskId: d, operator: dummy, dependencies: [b, c]}
"""


def test_dry_run_text_writes_nothing(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, DRY)
    before = _snapshot(tmp_path)
    proc = flowrun(tmp_path, "run", str(path), "--dry-run", "--param", "who=you",
                   env=cli_env(FLOWRUN_SECRET_TOKEN="dry-run-secret-1234"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _snapshot(tmp_path) == before
    assert not (tmp_path / ".flowrun").exists()
    out = proc.stdout
    assert "Order:  a, b, c, d" in out
    assert "Roots:  a" in out and "Leaves: d" in out
    assert "hello you" in out
    assert "<output of a>" in out
    assert "dry-run-secret-1234" not in out
    assert "***" in out


def test_dry_run_json(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, DRY)
    before = _snapshot(tmp_path)
    proc = flowrun(tmp_path, "run", str(path), "--dry-run", "--format", "json", "--execution-date", "2026-02-03",
                   env=cli_env(FLOWRUN_SECRET_TOKEN="dry-run-secret-1234"))
    assert proc.returncode == 0, proc.stderr
    assert _snapshot(tmp_path) == before
    doc = json.loads(proc.stdout)
    assert set(doc) == {"dagId", "order", "stages", "roots", "leaves", "tasks"}
    assert doc["dagId"] == "dry"
    assert doc["order"] == ["a", "b", "c", "d"]
    assert doc["stages"] == [["a"], ["b", "c"], ["d"]]
    assert doc["roots"] == ["a"] and doc["leaves"] == ["d"]
    tasks = {t["taskId"]: t for t in doc["tasks"]}
    assert [t["taskId"] for t in doc["tasks"]] == ["a", "b", "c", "d"]
    assert set(tasks["b"]) == {"taskId", "operator", "dependencies", "params"}
    assert tasks["b"]["operator"] == "bash" and tasks["b"]["dependencies"] == ["a"]
    assert tasks["a"]["params"]["command"] == "touch a_ran; echo hello world"
    assert "<output of a>" in tasks["b"]["params"]["command"]
    assert tasks["b"]["params"]["env"] == {"TOKEN": "***", "DAY": "2026-02-03"}
    assert tasks["c"]["params"]["url"] == "http://127.0.0.1:9/world"
    assert "dry-run-secret-1234" not in proc.stdout


def test_dry_run_of_a_broken_workflow_exits_2(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, "dagId: x\ntasks:\n  - {taskId: a, operator: dummy, dependencies: [ghost]}\n")
    proc = flowrun(tmp_path, "run", str(path), "--dry-run")
    assert proc.returncode == 2
    assert "FR004" in proc.stdout
    assert not (tmp_path / ".flowrun").exists()


# -- JSON log lines -----------------------------------------------------------------------------------


def test_log_format_json(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, FAILS)
    proc = flowrun(tmp_path, "run", str(path), "--log-format", "json")
    assert proc.returncode == 1
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(isinstance(r, dict) for r in records)
    keys = {"event", "dag_id", "run_id", "task_id", "try_number", "state", "ts"}
    assert all(keys <= set(r) for r in records), records
    run_id = query(tmp_path / ".flowrun" / "state.db", "SELECT run_id FROM runs")[0]["run_id"]
    assert {r["run_id"] for r in records} == {run_id}
    assert {r["dag_id"] for r in records} == {"fails"}
    events = [(r["event"], r["task_id"], r["state"], r["try_number"]) for r in records]
    assert events[0][0] == "run_started"
    assert ("task_state", "a", "running", 1) in events
    assert ("task_state", "a", "success", 1) in events
    assert ("task_failed", "b", "failed", 1) in events
    assert events[-1][:3] == ("run_finished", None, "failed")
    failed = next(r for r in records if r["event"] == "task_failed")
    assert "status 9" in failed["message"]
    assert all(isinstance(r["ts"], str) and r["ts"][:4].isdigit() for r in records)


# -- signals ------------------------------------------------------------------------------------------


def _sleeper(mark: str, dag_id: str = "sleepy", extra: str = "") -> str:
    return f"""
        dagId: {dag_id}
        {extra}
        tasks:
          - taskId: nap
            operator: bash
            params:
              command: >-
                if [ {{{{ try_number }}}} -eq 1 ]; then (exec -a {mark} sleep 300) & wait; fi; echo awake
          - {{taskId: after, operator: dummy, dependencies: [nap]}}
    """


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_exits_130_and_resume_completes(tmp_path: Path, sig: signal.Signals) -> None:
    mark = marker()
    path = write_workflow(tmp_path, _sleeper(mark))
    state = tmp_path / ".flowrun" / "state.db"
    try:
        with background(tmp_path, "run", str(path)) as proc:
            wait_for(lambda: survivors(mark), what="the sleeping task")
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 130, out + err
            assert "Traceback" not in err
        assert_no_survivor(mark)
        row = tries(state, "nap")[0]
        assert row["state"] == "failed"
        assert "interrupted" in row["error"]
        run = query(state, "SELECT * FROM runs")[0]
        assert run["state"] == "interrupted"
        assert task_states(state) == {"nap": "failed", "after": "pending"}
        assert "--resume" in out

        resumed = flowrun(tmp_path, "run", str(path), "--resume", "last")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert task_states(state) == {"nap": "success", "after": "success"}
        assert [r["try_number"] for r in tries(state, "nap")] == [1, 2]
        assert query(state, "SELECT state FROM runs")[0]["state"] == "success"
    finally:
        kill_marked(mark)


def test_max_active_runs_refuses_a_second_run(tmp_path: Path) -> None:
    mark = marker()
    path = write_workflow(tmp_path, _sleeper(mark, "single", "maxActiveRuns: 1"))
    state = tmp_path / ".flowrun" / "state.db"
    try:
        with background(tmp_path, "run", str(path)) as proc:
            wait_for(lambda: survivors(mark), what="the first run")
            live = query(state, "SELECT run_id, pid FROM runs")[0]
            assert live["pid"] == proc.pid
            second = flowrun(tmp_path, "run", str(path))
            assert second.returncode == 3, second.stdout + second.stderr
            assert live["run_id"] in second.stderr
            assert "maxActiveRuns" in second.stderr
            # a live run cannot be resumed twice either
            twice = flowrun(tmp_path, "run", str(path), "--resume", live["run_id"])
            assert twice.returncode == 3
            assert query(state, "SELECT COUNT(*) FROM runs")[0][0] == 1
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=60)
            assert proc.returncode == 130
        assert_no_survivor(mark)
        # the first run is no longer live: a new run is accepted (and finishes: try 1 sleeps)
    finally:
        kill_marked(mark)


def test_dead_runner_does_not_block_a_new_run(tmp_path: Path) -> None:
    mark = marker()
    path = write_workflow(tmp_path, _sleeper(mark, "dead", "maxActiveRuns: 1"))
    state = tmp_path / ".flowrun" / "state.db"
    try:
        with background(tmp_path, "run", str(path)) as proc:
            wait_for(lambda: survivors(mark), what="the first run")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        kill_marked(mark)  # the orphaned task of the killed runner; not under test here
        # its run row still says running, but its pid is dead: not live
        assert query(state, "SELECT state FROM runs")[0]["state"] == "running"
        path.write_text(path.read_text().replace(f"(exec -a {mark} sleep 300) & wait", "true"))
        second = flowrun(tmp_path, "run", str(path))
        assert second.returncode == 0, second.stdout + second.stderr
        assert query(state, "SELECT COUNT(*) FROM runs")[0][0] == 2
    finally:
        kill_marked(mark)


def test_no_traceback_on_unwritable_state(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, OK)
    (tmp_path / "blocker").write_text("a file, not a directory")
    proc = flowrun(tmp_path, "run", str(path), "--state", "blocker/state.db")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "state" in proc.stderr
    assert os.path.isfile(tmp_path / "blocker")
