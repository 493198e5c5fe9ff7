"""Resume hints and options (issue 13 item E.17).

The printed "Resume it with:" command works as printed (state, secrets, vars, env and capacity
included, quoted for the shell); `--param` and `--execution-date` with `--resume` must say what
the run already has, else exit 2 before anything runs; a task removed from the file before a
resume is `removed`, not `pending` forever; a changed task that keeps its old state and output is
named as such in the warning. Real `flowrun` processes, real SQLite.
"""

from __future__ import annotations

import json
import shlex
import signal
from pathlib import Path

from runner_helpers import (
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

WORKFLOW = """
dagId: hints
params:
  n: {type: integer, default: 1}
environments:
  staging: {concurrency: 2}
tasks:
  - {taskId: a, operator: bash, params: {command: "echo a-{{ params.n }}"}}
  - taskId: b
    operator: bash
    dependencies: [a]
    params:
      command: "test -f ok && echo {{ var.value.WHERE }} && test -n \\"$TOKEN\\""
      env: {TOKEN: "{{ var.secret.TOKEN }}"}
"""


def _hint(stdout: str) -> list[str]:
    line = next(line for line in stdout.splitlines() if line.startswith("Resume it with: "))
    return shlex.split(line.removeprefix("Resume it with: "))


def test_the_printed_resume_command_works_as_printed(tmp_path: Path) -> None:
    work = tmp_path / "my dir"
    work.mkdir()
    path = write_workflow(work, WORKFLOW, name="the flow.yaml")
    (work / "k v.env").write_text("TOKEN=s3cr3t-Vx7-q2Lm9-Zr4t\n")
    (work / "vars.env").write_text("WHERE=there\n")
    first = flowrun(work, "run", path.name, "--secrets", "k v.env", "--vars", "vars.env", "--state", "other dir/st.db",
                    "--env", "staging", "--capacity", "cpu=4", "--param", "n=7", "--execution-date", "2026-01-02")
    assert first.returncode == 1, first.stdout + first.stderr
    words = _hint(first.stdout)
    run_id = query(work / "other dir" / "st.db", "SELECT run_id FROM runs")[0]["run_id"]
    assert words == ["flowrun", "run", "the flow.yaml", "--resume", run_id, "--state", "other dir/st.db",
                     "--env", "staging", "--vars", "vars.env", "--secrets", "k v.env", "--capacity", "cpu=4"]
    assert "s3cr3t" not in first.stdout + first.stderr

    (work / "ok").write_text("")
    followed = flowrun(work, *words[1:])  # exactly what was printed, in the same directory
    assert followed.returncode == 0, followed.stdout + followed.stderr
    assert "warning" not in followed.stderr  # the same workflow (same --env): nothing changed
    state = work / "other dir" / "st.db"
    assert task_states(state, run_id) == {"a": "success", "b": "success"}
    assert json.loads(query(state, "SELECT output FROM tasks WHERE task_id='a'")[0]["output"]) == "a-7"
    assert [r["try_number"] for r in tries(state, "b")] == [1, 2]


def test_the_state_from_the_environment_is_in_the_command(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, WORKFLOW)
    env = cli_env(FLOWRUN_STATE=str(tmp_path / "env.db"), FLOWRUN_SECRET_TOKEN="Vx7-q2Lm9-Zr4t-Wp8s")
    first = flowrun(tmp_path, "run", str(path), env=env)
    assert first.returncode == 1, first.stdout + first.stderr
    words = _hint(first.stdout)
    assert words[words.index("--state") + 1] == str(tmp_path / "env.db")
    (tmp_path / "ok").write_text("")
    (tmp_path / "v.env").write_text("WHERE=x\n")
    followed = flowrun(tmp_path, *words[1:], "--vars", "v.env", env=cli_env(FLOWRUN_SECRET_TOKEN="Vx7-q2Lm9-Zr4t-Wp8s"))
    assert followed.returncode == 0, followed.stdout + followed.stderr


def test_params_and_logical_date_of_a_resumed_run_are_the_runs(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, WORKFLOW)
    env = cli_env(FLOWRUN_SECRET_TOKEN="Vx7-q2Lm9-Zr4t-Wp8s", FLOWRUN_VAR_WHERE="here")
    assert flowrun(tmp_path, "run", str(path), "--param", "n=7", "--execution-date", "2026-01-02",
                   env=env).returncode == 1
    state = tmp_path / ".flowrun" / "state.db"
    (tmp_path / "ok").write_text("")
    for args, says in ((("--param", "n=8"), "keeps the params it started with: n is 7, not 8; drop --param n"),
                       (("--param", "m=1"), "unknown parameter 'm'"),
                       (("--param", "n=x"), "parameter 'n':"),
                       (("--execution-date", "2026-01-03"), "keeps its logical date 2026-01-02T00:00:00+00:00")):
        refused = flowrun(tmp_path, "run", str(path), "--resume", "last", *args, env=env)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert says in refused.stderr and "Traceback" not in refused.stderr
    assert [r["try_number"] for r in tries(state, "b")] == [1]  # nothing ran
    assert query(state, "SELECT state FROM runs")[0]["state"] == "failed"  # nor was the run claimed
    same = flowrun(tmp_path, "run", str(path), "--resume", "last", "--param", "n=7", "--execution-date",
                   "2026-01-02T00:00:00Z", env=env)
    assert same.returncode == 0, same.stdout + same.stderr  # repeating the run's own values is fine


def test_a_removed_task_is_marked_and_a_kept_changed_task_is_named(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, """
        dagId: edits
        tasks:
          - {taskId: a, operator: bash, params: {command: "echo old-a"}}
          - {taskId: b, operator: bash, dependencies: [a], params: {command: "false"}}
          - {taskId: gone, operator: bash, dependencies: [b], params: {command: "echo never"}}
    """)
    assert flowrun(tmp_path, "run", str(path)).returncode == 1
    edited = [line for line in path.read_text().splitlines(keepends=True) if "taskId: gone" not in line]
    path.write_text("".join(edited).replace("echo old-a", "echo new-a").replace('"false"', '"true"'))
    resumed = flowrun(tmp_path, "run", str(path), "--resume", "last")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    warning = next(line for line in resumed.stderr.splitlines() if "the workflow changed" in line)
    assert "changed: a, b, gone (removed)" in warning
    assert "kept as they ended before the change, not run again (their outputs are the old ones): a (success)" in warning
    state = tmp_path / ".flowrun" / "state.db"
    assert task_states(state) == {"a": "success", "b": "success", "gone": "removed"}
    assert json.loads(query(state, "SELECT output FROM tasks WHERE task_id='a'")[0]["output"]) == "old-a"
    show = flowrun(tmp_path, "runs", "show", "last", "--format", "json")
    tasks = {t["task_id"]: t for t in json.loads(show.stdout)["tasks"]}
    assert tasks["gone"]["state"] == "removed" and tasks["gone"]["ended_at"] is not None
    assert json.loads(show.stdout)["run"]["state"] == "success"


def test_a_stopped_scheduler_names_the_state_to_resume_from(tmp_path: Path) -> None:
    mark = marker()
    path = write_workflow(tmp_path, f"""
        dagId: scheduled
        schedule: "0 * * * *"
        startDate: "2026-01-01"
        tasks:
          - {{taskId: long, operator: bash, params: {{command: "(exec -a {mark} sleep 30)"}}}}
    """)
    state = tmp_path / "st dir" / "s.db"
    try:
        with background(tmp_path, "schedule", str(path), "--once", "--now", "2026-06-01T10:00:30Z",
                        "--state", str(state)) as proc:
            wait_for(lambda: survivors(mark), what="the scheduled task")
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, out + err
        assert f"--resume RUN_ID --state {shlex.quote(str(state))}" in out
        path.write_text(path.read_text().replace(f"(exec -a {mark} sleep 30)", "true"))
        run_id = query(state, "SELECT run_id FROM runs")[0]["run_id"]
        resumed = flowrun(tmp_path, "run", str(path), "--resume", run_id, "--state", str(state))
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    finally:
        kill_marked(mark)
