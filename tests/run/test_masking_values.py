"""Masking hides data, it never changes it (issue 12 item 4).

A secret whose value is `alice` and a `--param user=alice` that is not secret: tasks compute with
`alice` (params as given, outputs passed on unaltered through `ti.xcom_pull`, `transfer` and
`branch`), while the store, logs and terminal show `***`. A resume never computes with the masked
text: a masked param must be given again (else exit 2, saying why), and a kept output that was
masked is produced again before a task that may read it. Real `flowrun` processes, real SQLite.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from runner_helpers import cli_env, flowrun, query, run_api, task_states, tries, write_workflow

from runner.run.masking import MASK

WORKFLOW = """
dagId: mask_values
params:
  user: {type: string}
tasks:
  - taskId: a
    operator: bash
    params: {command: "echo {{ params.user | shell_quote }}_report.csv"}
  - taskId: c
    operator: bash
    dependencies: [a]
    params: {command: "printf %s {{ ti.xcom_pull(task_ids='a') | shell_quote }} > got_c.txt"}
  - taskId: b
    operator: bash
    dependencies: [a]
    params:
      command: >-
        test -f ok && printf %s {{ ti.xcom_pull(task_ids='a') | shell_quote }} > got_b.txt
        && touch out_{{ params.user | shell_quote }}.txt
"""


def _state(tmp_path: Path) -> Path:
    return tmp_path / ".flowrun" / "state.db"


def test_params_and_outputs_are_used_as_given_and_a_resume_never_uses_the_masked_text(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, WORKFLOW)
    (tmp_path / "k.env").write_text("TOK=alice\n")
    env = cli_env()
    first = flowrun(tmp_path, "run", str(path), "--secrets", "k.env", "--param", "user=alice", env=env)
    assert first.returncode == 1, first.stdout + first.stderr
    # within the run: the output reached c unaltered, while the store keeps it masked and says so
    assert (tmp_path / "got_c.txt").read_text() == "alice_report.csv"
    state = _state(tmp_path)
    rows = {r["task_id"]: r for r in query(state, "SELECT * FROM tasks")}
    assert json.loads(rows["a"]["output"]) == f"{MASK}_report.csv" and rows["a"]["output_masked"] == 1
    assert rows["c"]["output"] is None or "alice" not in rows["c"]["output"]
    run = query(state, "SELECT params, masked_params FROM runs")[0]
    assert json.loads(run["params"]) == {"user": MASK} and json.loads(run["masked_params"]) == ["user"]
    # a common secret value is said at the start; the printed resume command asks for the param
    assert "a secret is a short plain word (5 characters)" in first.stderr
    assert "--param user holds a secret's value" in first.stderr
    hint = next(line for line in first.stdout.splitlines() if line.startswith("Resume it with: "))
    assert "--secrets k.env" in hint and "--param user=VALUE" in hint and "alice" not in hint

    (tmp_path / "ok").write_text("")
    refused = flowrun(tmp_path, "run", str(path), "--secrets", "k.env", "--resume", "last", env=env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "--param user holding a secret's value" in refused.stderr and "--param user=VALUE" in refused.stderr
    assert "Traceback" not in refused.stderr
    wrong = flowrun(tmp_path, "run", str(path), "--secrets", "k.env", "--resume", "last", "--param", "user=bob", env=env)
    assert wrong.returncode == 2 and "is not the value" in wrong.stderr, wrong.stderr
    assert [r["try_number"] for r in tries(state, "b")] == [1]  # neither refusal ran anything
    assert not list(tmp_path.glob("out_*"))

    resumed = flowrun(tmp_path, "run", str(path), "--secrets", "k.env", "--resume", "last", "--param", "user=alice",
                      env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert sorted(p.name for p in tmp_path.glob("out_*")) == ["out_alice.txt"]  # not out_***.txt
    # a's kept output was masked text: a ran again before b, which got the value itself
    assert "task 'a' runs again" in resumed.stderr
    assert [r["try_number"] for r in tries(state, "a")] == [1, 2]
    assert (tmp_path / "got_b.txt").read_text() == "alice_report.csv"
    assert [r["try_number"] for r in tries(state, "c")] == [1]  # c kept: it had already read the value
    assert set(task_states(state).values()) == {"success"}
    for name in ("state.db", "state.db-wal"):  # and the secret is still stored nowhere in clear
        file = tmp_path / ".flowrun" / name
        assert not file.exists() or b"alice" not in file.read_bytes()


def test_outputs_reach_transfer_branch_and_templates_unaltered(tmp_path: Path) -> None:
    secrets = tmp_path / "k.env"
    secrets.write_text("TOK=alice\n")
    result = run_api(tmp_path, """
        dagId: pass_on
        tasks:
          - {taskId: a, operator: bash, params: {command: "echo '{\\"user\\": \\"alice\\", \\"n\\": 3}'"}}
          - {taskId: t, operator: transfer, dependencies: [a], params: {sourceTask: a}}
          - taskId: pick
            operator: branch
            dependencies: [t]
            params:
              condition: "'known' if ti.xcom_pull(task_ids='t').user == 'alice' else 'unknown'"
              branches: {known: known, unknown: unknown}
          - {taskId: known, operator: bash, dependencies: [pick],
             params: {command: "printf %s {{ ti.xcom_pull(task_ids='t').user | shell_quote }} > known.txt"}}
          - {taskId: unknown, operator: bash, dependencies: [pick], params: {command: "touch unknown.txt"}}
    """, secrets_file=str(secrets))
    assert result.state == "success"
    assert (tmp_path / "known.txt").read_text() == "alice"
    assert not (tmp_path / "unknown.txt").exists()
    assert {t: r.state for t, r in result.tasks.items()}["unknown"] == "skipped"
    # what is kept and shown is masked, and flagged as such
    assert result.tasks["a"].output == {"user": MASK, "n": 3} and result.tasks["t"].output == {"user": MASK, "n": 3}
    flags = {r["task_id"]: r["output_masked"] for r in query(tmp_path / "s.db", "SELECT * FROM tasks")}
    assert flags == {"a": 1, "t": 1, "pick": None, "known": None, "unknown": None}


def test_a_store_from_before_the_flags_is_upgraded_and_its_masked_values_are_not_trusted(tmp_path: Path) -> None:
    """A store written by an older flowrun has neither column: opening it adds them, and its
    params and outputs that show the mask count as masked (refusing beats guessing)."""
    path = write_workflow(tmp_path, WORKFLOW)
    (tmp_path / "k.env").write_text("TOK=alice\n")
    assert flowrun(tmp_path, "run", str(path), "--secrets", "k.env", "--param", "user=alice").returncode == 1
    state = _state(tmp_path)
    db = sqlite3.connect(str(state))
    db.execute("ALTER TABLE runs DROP COLUMN masked_params")  # the older schema (SQLite >= 3.35)
    db.execute("ALTER TABLE tasks DROP COLUMN output_masked")
    db.commit()
    db.close()
    (tmp_path / "ok").write_text("")
    refused = flowrun(tmp_path, "run", str(path), "--secrets", "k.env", "--resume", "last")
    assert refused.returncode == 2 and "holding a secret's value" in refused.stderr, refused.stderr
    columns = {r[1] for r in query(state, "PRAGMA table_info(runs)")} | {r[1] for r in query(state, "PRAGMA table_info(tasks)")}
    assert {"masked_params", "output_masked"} <= columns
    resumed = flowrun(tmp_path, "run", str(path), "--secrets", "k.env", "--resume", "last", "--param", "user=alice")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "task 'a' runs again" in resumed.stderr  # its output "***_report.csv" shows the mask
    assert (tmp_path / "got_b.txt").read_text() == "alice_report.csv"


def test_only_secrets_that_hide_ordinary_text_are_warned_about(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, """
        dagId: warn
        params:
          note: {type: string, default: ""}
        tasks:
          - {taskId: t, operator: bash, params: {command: "echo {{ params.note | shell_quote }}"}}
    """)
    strong = "Vx7-q2Lm9-Zr4t-Wp8s"
    quiet = flowrun(tmp_path, "run", str(path), "--param", "note=hello", env=cli_env(FLOWRUN_SECRET_K=strong))
    assert quiet.returncode == 0 and "warning" not in quiet.stderr, quiet.stderr
    number = flowrun(tmp_path, "run", str(path), env=cli_env(FLOWRUN_SECRET_K="20261"))
    assert "a secret is a short plain number (5 characters)" in number.stderr
    (tmp_path / "v.env").write_text(f"HOST=db-{strong}.internal\n")
    in_var = flowrun(tmp_path, "run", str(path), "--vars", "v.env", "--param", f"note=x{strong}",
                     env=cli_env(FLOWRUN_SECRET_K=strong))
    assert in_var.returncode == 0
    assert "--param note holds a secret's value" in in_var.stderr
    assert "a variable (var.value) holds a secret's value" in in_var.stderr
    assert strong not in in_var.stderr + in_var.stdout  # a warning never names the value


def test_producers_of_masked_outputs_run_again_in_order(tmp_path: Path) -> None:
    """p2 reads p1 through x (a kept task whose output is not masked): both run again on resume,
    p2 after p1, and r after both; x is not run again."""
    secrets = tmp_path / "k.env"
    secrets.write_text("TOK=alice\n")
    text = """
        dagId: chain
        tasks:
          - {taskId: p1, operator: bash, params: {command: "echo alice-1"}}
          - {taskId: x, operator: bash, dependencies: [p1], params: {command: "echo plain"}}
          - {taskId: p2, operator: bash, dependencies: [x],
             params: {command: "echo {{ ti.xcom_pull(task_ids='p1') | shell_quote }}/alice-2"}}
          - {taskId: r, operator: bash, dependencies: [p2],
             params: {command: "test -f ok && printf %s {{ ti.xcom_pull(task_ids='p2') | shell_quote }} > r.txt"}}
    """
    first = run_api(tmp_path, text, secrets_file=str(secrets))
    assert first.state == "failed" and first.tasks["p2"].output == f"{MASK}-1/{MASK}-2"
    (tmp_path / "ok").write_text("")
    warnings: list[str] = []
    resumed = run_api(tmp_path, text, secrets_file=str(secrets), resume="last", warn=warnings.append)
    assert resumed.state == "success", resumed.tasks
    assert (tmp_path / "r.txt").read_text() == "alice-1/alice-2"
    assert {t: r.tries for t, r in resumed.tasks.items()} == {"p1": 2, "x": 1, "p2": 2, "r": 2}
    assert any("task 'p1' runs again" in w and "p2, r" in w for w in warnings), warnings


def test_a_numeric_secret_is_stored_nowhere_while_tasks_compute_with_it(tmp_path: Path) -> None:
    pin = "73914268"
    path = write_workflow(tmp_path, """
        dagId: numbers
        params:
          n: {type: integer, default: 1}
        tasks:
          - {taskId: a, operator: bash, params: {command: "echo '{\\"pin\\": 73914268, \\"ok\\": 2}'"}}
          - {taskId: b, operator: bash, dependencies: [a],
             params: {command: "echo $(( {{ ti.xcom_pull(task_ids='a').pin }} + {{ params.n }} )) > sum.txt"}}
    """)
    proc = flowrun(tmp_path, "run", str(path), "--param", f"n={pin}", env=cli_env(FLOWRUN_SECRET_PIN=pin))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "sum.txt").read_text().strip() == str(2 * int(pin))  # the values themselves
    state = _state(tmp_path)
    assert json.loads(query(state, "SELECT output FROM tasks WHERE task_id='a'")[0]["output"]) == {"pin": MASK, "ok": 2}
    assert json.loads(query(state, "SELECT params FROM runs")[0]["params"]) == {"n": MASK}
    assert {r["name"] for r in query(state, "SELECT name FROM metrics")} == {"ok"}
    assert "note: metric 'pin' not recorded: its value shows a secret" in next(
        (tmp_path / ".flowrun" / "logs").rglob("a/1.log")).read_text()
    for name in ("state.db", "state.db-wal"):
        file = tmp_path / ".flowrun" / name
        assert not file.exists() or pin.encode() not in file.read_bytes()
