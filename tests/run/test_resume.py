"""`flowrun run --resume`: after a SIGKILL of the runner (leftover process groups killed, finished
tasks not re-run, the store intact), after a failure whose cause was fixed, and the errors."""

from __future__ import annotations

import signal
from pathlib import Path

from runner_helpers import (
    assert_no_survivor,
    background,
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


def _chain(mark: str) -> str:
    return f"""
        dagId: chain
        tasks:
          - taskId: a
            operator: bash
            params: {{command: "echo ran >> a_{{{{ run_id }}}}.txt; touch a_done"}}
          - taskId: b
            operator: bash
            dependencies: [a]
            params:
              command: >-
                if [ {{{{ try_number }}}} -eq 1 ]; then (exec -a {mark} sleep 30) & wait; fi; echo b-{{{{ try_number }}}}
          - taskId: c
            operator: bash
            dependencies: [b]
            params: {{command: "echo c-done"}}
    """


def test_resume_after_the_runner_was_killed(tmp_path: Path) -> None:
    mark = marker()
    path = write_workflow(tmp_path, _chain(mark))
    state = tmp_path / ".flowrun" / "state.db"
    try:
        with background(tmp_path, "run", str(path)) as proc:
            wait_for(lambda: (tmp_path / "a_done").exists(), what="task a")
            wait_for(lambda: state.exists() and any(
                r["state"] == "running" and r["pgid"] for r in tries(state, "b")), what="task b running")
            wait_for(lambda: survivors(mark), what="b's sleep")
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert survivors(mark)  # the killed runner left b's process group behind (FACTS.md)
        run_id = query(state, "SELECT run_id FROM runs")[0]["run_id"]
        assert task_states(state, run_id) == {"a": "success", "b": "running", "c": "pending"}

        resumed = flowrun(tmp_path, "run", str(path), "--resume", "last")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert_no_survivor(mark)  # the leftover was killed before b ran again
        assert (tmp_path / f"a_{run_id}.txt").read_text().splitlines() == ["ran"]  # a did not run again
        runs = query(state, "SELECT run_id, state FROM runs")
        assert [(r["run_id"], r["state"]) for r in runs] == [(run_id, "success")]
        assert task_states(state, run_id) == {"a": "success", "b": "success", "c": "success"}
        b_tries = tries(state, "b")
        assert [r["try_number"] for r in b_tries] == [1, 2]
        assert b_tries[0]["state"] == "failed" and "interrupted" in b_tries[0]["error"]
        assert b_tries[1]["state"] == "success"
        assert [r["try_number"] for r in tries(state, "a")] == [1]
        outputs = {r["task_id"]: r["output"] for r in query(state, "SELECT task_id, output FROM tasks")}
        assert outputs["b"] == '"b-2"'
        assert query(state, "PRAGMA integrity_check")[0][0] == "ok"
    finally:
        kill_marked(mark)


FIXABLE = """
dagId: fixable
tasks:
  - {taskId: a, operator: bash, params: {command: "echo ran >> a_{{ run_id }}.txt"}}
  - {taskId: side, operator: bash, params: {command: "echo ran >> side_{{ run_id }}.txt"}}
  - {taskId: b, operator: bash, dependencies: [a], params: {command: "test -f fixed.txt && echo fixed"}}
  - {taskId: c, operator: bash, dependencies: [b], params: {command: "echo c"}}
  - {taskId: skipper, operator: branch, params: {condition: "'one'", branches: {one: d1, two: d2}}}
  - {taskId: d1, operator: dummy, dependencies: [skipper]}
  - {taskId: d2, operator: bash, dependencies: [skipper], params: {command: "touch d2_ran"}}
"""


def test_resume_a_failed_run_reruns_only_what_did_not_finish(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, FIXABLE)
    state = tmp_path / ".flowrun" / "state.db"
    first = flowrun(tmp_path, "run", str(path))
    assert first.returncode == 1
    run_id = query(state, "SELECT run_id FROM runs")[0]["run_id"]
    assert task_states(state, run_id) == {
        "a": "success", "side": "success", "b": "failed", "c": "upstream_failed",
        "skipper": "success", "d1": "success", "d2": "skipped",
    }
    assert f"--resume {run_id}" in first.stdout  # the summary says how to resume

    (tmp_path / "fixed.txt").write_text("")
    resumed = flowrun(tmp_path, "run", str(path), "--resume", run_id)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert task_states(state, run_id) == {
        "a": "success", "side": "success", "b": "success", "c": "success",
        "skipper": "success", "d1": "success", "d2": "skipped",
    }
    assert (tmp_path / f"a_{run_id}.txt").read_text() == "ran\n"
    assert (tmp_path / f"side_{run_id}.txt").read_text() == "ran\n"
    assert not (tmp_path / "d2_ran").exists()
    assert [r["try_number"] for r in tries(state, "b")] == [1, 2]
    assert [r["try_number"] for r in tries(state, "skipper")] == [1]
    assert query(state, "SELECT COUNT(*) FROM runs")[0][0] == 1
    assert query(state, "SELECT state FROM runs")[0]["state"] == "success"

    again = flowrun(tmp_path, "run", str(path), "--resume", "last")  # nothing left to do
    assert again.returncode == 0
    assert "already succeeded" in again.stderr
    assert [r["try_number"] for r in tries(state, "b")] == [1, 2]


def test_resume_keeps_outputs_for_downstream_templates(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, """
        dagId: outputs
        tasks:
          - {taskId: a, operator: bash, params: {command: "echo '{\\"v\\": 41}'"}}
          - {taskId: b, operator: bash, dependencies: [a],
             params: {command: "test -f fixed.txt && echo $(( {{ ti.xcom_pull(task_ids='a').v }} + 1 ))"}}
    """)
    assert flowrun(tmp_path, "run", str(path)).returncode == 1
    (tmp_path / "fixed.txt").write_text("")
    assert flowrun(tmp_path, "run", str(path), "--resume", "last").returncode == 0
    state = tmp_path / ".flowrun" / "state.db"
    outputs = {r["task_id"]: r["output"] for r in query(state, "SELECT task_id, output FROM tasks")}
    assert outputs == {"a": '{"v": 41}', "b": "42"}


def test_resume_of_an_unknown_run_is_a_usage_error(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, FIXABLE)
    proc = flowrun(tmp_path, "run", str(path), "--resume", "manual__nope")
    assert proc.returncode == 2
    assert "manual__nope" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = flowrun(tmp_path, "run", str(path), "--resume", "last")  # no run at all yet
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_resume_of_another_workflows_run_is_refused(tmp_path: Path) -> None:
    other = write_workflow(tmp_path, "dagId: other\ntasks:\n  - {taskId: x, operator: dummy}\n", name="other.yaml")
    assert flowrun(tmp_path, "run", str(other)).returncode == 0
    run_id = query(tmp_path / ".flowrun" / "state.db", "SELECT run_id FROM runs")[0]["run_id"]
    path = write_workflow(tmp_path, FIXABLE)
    proc = flowrun(tmp_path, "run", str(path), "--resume", run_id)
    assert proc.returncode == 2
    assert run_id in proc.stderr


def test_resume_after_the_workflow_changed_warns(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, FIXABLE)
    assert flowrun(tmp_path, "run", str(path)).returncode == 1
    path.write_text(path.read_text().replace("test -f fixed.txt && echo fixed", "echo fixed differently"))
    resumed = flowrun(tmp_path, "run", str(path), "--resume", "last")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "changed" in resumed.stderr and "b" in resumed.stderr
    state = tmp_path / ".flowrun" / "state.db"
    assert query(state, "SELECT output FROM tasks WHERE task_id='b'")[0]["output"] == '"fixed differently"'
