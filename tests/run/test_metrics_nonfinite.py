"""No value a task prints can stop a run (issue 12 item 5, and the rest of its class).

`json.loads` accepts `NaN` and `Infinity` (pandas prints them), integers of hundreds of digits,
lone surrogates (`"\\ud800"`) and NULs; a line can nest deeper than the parser's recursion
limit. Each once broke a store write, a JSON output or the whole run. Now: a metric that is not a
finite number is noted in the try's log, not recorded; text the store cannot encode is escaped;
an output nested deeper than 100 levels fails its try; an output of exactly 1 MiB is within the
limit; `runs show --format json` is always strict JSON; and a store write that does fail for one
try leaves no try or task `running`. Real `flowrun` processes, real SQLite.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from runner_helpers import flowrun, query, run_api, task_states, write_workflow


def _strict(text: str) -> Any:
    """Parse as RFC 8259 JSON: NaN, Infinity and -Infinity are refused."""
    def refuse(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _log(tmp_path: Path, task: str) -> str:
    return next((tmp_path / ".flowrun" / "logs").rglob(f"{task}/1.log")).read_text()


def test_a_nan_metric_is_noted_and_the_run_goes_on(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, """
        dagId: pandas
        tasks:
          - taskId: stats
            operator: python
            params:
              pythonCode: |
                import json
                print(json.dumps({"mean": float("nan"), "max": float("inf"), "min": float("-inf"), "rows": 3}))
          - {taskId: after, operator: bash, dependencies: [stats],
             params: {command: "echo {{ ti.xcom_pull(task_ids='stats').rows }}"}}
          - {taskId: unrelated, operator: bash, params: {command: "sleep 1; echo done"}}
    """)
    proc = flowrun(tmp_path, "run", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    state = tmp_path / ".flowrun" / "state.db"
    assert task_states(state) == {"stats": "success", "after": "success", "unrelated": "success"}
    metrics = {(r["task_id"], r["name"]): r["value"] for r in query(state, "SELECT * FROM metrics")}
    assert metrics == {("stats", "rows"): 3.0}
    log = _log(tmp_path, "stats")
    assert "note: metric 'mean' not recorded: nan is not a finite number" in log
    assert "note: metric 'max' not recorded: inf is not a finite number" in log
    assert "note: metric 'min' not recorded: -inf is not a finite number" in log
    assert json.loads(query(state, "SELECT output FROM tasks WHERE task_id='after'")[0]["output"]) == 3
    # the output keeps the task's values (NaN included) for downstream tasks and a resume
    kept = json.loads(query(state, "SELECT output FROM tasks WHERE task_id='stats'")[0]["output"])
    assert kept["rows"] == 3 and kept["mean"] != kept["mean"]
    shown = flowrun(tmp_path, "runs", "show", "last", "--format", "json")
    assert shown.returncode == 0 and _strict(shown.stdout)["metrics"][0]["value"] == 3


def test_values_the_store_or_a_terminal_cannot_take_are_escaped_not_fatal(tmp_path: Path) -> None:
    """Integers beyond a double, lone surrogates in metric names, outputs and error messages,
    NULs, invalid UTF-8: every task ends as it should and the run is recorded."""
    path = write_workflow(tmp_path, """
        dagId: odd_values
        tasks:
          - taskId: huge
            operator: python
            params: {pythonCode: "print('{\\"big\\": 1' + '0' * 400 + ', \\"wide\\": ' + str(2 ** 70) + '}')"}
          - taskId: surrogate
            operator: python
            params: {pythonCode: "print('{\\"\\\\\\\\ud800x\\": 1}'); print('\\"\\\\\\\\udc00 out\\"')"}
          - taskId: schema
            operator: python
            outputSchema: {type: integer}
            params: {pythonCode: "print('\\"\\\\\\\\ud800 bad\\"')"}
          - taskId: nul
            operator: python
            params: {pythonCode: "print('{\\"a\\\\\\\\u0000b\\": 2}'); print('\\"x\\\\\\\\u0000y\\"')"}
          - taskId: bytes
            operator: bash
            params: {command: "printf '\\\\377\\\\376 {\\"n\\": 5}\\\\n\\\\377 last\\\\n'"}
          - {taskId: unrelated, operator: bash, params: {command: "sleep 1; echo done"}}
    """)
    proc = flowrun(tmp_path, "run", str(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr  # only `schema` failed, by its outputSchema
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    state = tmp_path / ".flowrun" / "state.db"
    assert task_states(state) == {"huge": "success", "surrogate": "success", "schema": "failed", "nul": "success",
                                  "bytes": "success", "unrelated": "success"}
    assert not query(state, "SELECT * FROM tries WHERE state='running'")
    metrics = {(r["task_id"], r["name"]): r["value"] for r in query(state, "SELECT * FROM metrics")}
    assert metrics[("huge", "wide")] == float(2 ** 70) and ("huge", "big") not in metrics
    assert metrics[("surrogate", "\\ud800x")] == 1.0 and metrics[("nul", "a\x00b")] == 2.0
    assert "note: metric 'big' not recorded: an integer of 401 digits" in _log(tmp_path, "huge")
    error = query(state, "SELECT error FROM tasks WHERE task_id='schema'")[0]["error"]
    assert "'\\ud800 bad' is not of type 'integer'" in error
    outputs = {r["task_id"]: r["output"] for r in query(state, "SELECT task_id, output FROM tasks")}
    assert json.loads(outputs["surrogate"]) == "\udc00 out" and json.loads(outputs["nul"]) == "x\x00y"
    assert json.loads(outputs["bytes"]) == "\ufffd last"
    for fmt in ("text", "json"):
        shown = flowrun(tmp_path, "runs", "show", "last", "--format", fmt)
        assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    assert flowrun(tmp_path, "runs", "report", "last", "-o", "r.html").returncode == 0


def test_an_output_nested_too_deeply_fails_its_try_only(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: deep
        tasks:
          - {taskId: deepest, operator: python, params: {pythonCode: "print('[' * 100000 + ']' * 100000)"}}
          - {taskId: deeper, operator: python, params: {pythonCode: "print('{\\"a\\": ' + '[' * 101 + ']' * 101 + '}')"}}
          - {taskId: deep_enough, operator: python, params: {pythonCode: "print('[' * 100 + ']' * 100)"}}
          - {taskId: metric_line, operator: python, params: {pythonCode: "print('{\\"a\\":' + '[' * 100000 + ']' * 100000 + '}'); print('ok')"}}
    """)
    states = {t: r.state for t, r in result.tasks.items()}
    assert states == {"deepest": "failed", "deeper": "failed", "deep_enough": "success", "metric_line": "success"}
    for task in ("deepest", "deeper"):
        assert result.tasks[task].error == ("output is nested deeper than 100 levels; write the data to a file"
                                            " and output its path instead")
    assert result.tasks["metric_line"].output == "ok"


def test_an_output_of_exactly_one_mib_is_within_the_limit(tmp_path: Path) -> None:
    mib = 1024 * 1024
    result = run_api(tmp_path, f"""
        dagId: sizes
        tasks:
          - {{taskId: text, operator: python, params: {{pythonCode: "print('x' * {mib})"}}}}
          - {{taskId: quoted, operator: python, params: {{pythonCode: "print('\\"' + 'x' * {mib - 2} + '\\"')"}}}}
          - {{taskId: over, operator: python, params: {{pythonCode: "print('x' * {mib + 1})"}}}}
          - {{taskId: wide, operator: python, params: {{pythonCode: "print('\\u00e9' * {mib // 2})"}}}}
    """)
    states = {t: r.state for t, r in result.tasks.items()}
    assert states == {"text": "success", "quoted": "success", "over": "failed", "wide": "success"}
    assert len(result.tasks["text"].output) == mib and len(result.tasks["quoted"].output) == mib - 2
    assert "larger than 1 MiB" in (result.tasks["over"].error or "")


def test_non_finite_values_never_make_json_output_invalid(tmp_path: Path) -> None:
    """`--param x=.nan` is YAML, not JSON: refused before anything runs. A store that already holds
    an infinite metric (written before they were refused) is shown as strict JSON (null)."""
    path = write_workflow(tmp_path, """
        dagId: finite
        params:
          x: {type: number, default: 1}
        tasks:
          - {taskId: t, operator: bash, params: {command: "echo Infinity; echo '{\\"m\\": 1}'"}}
    """)
    for value in (".nan", ".inf", "-.inf", "1e999"):
        refused = flowrun(tmp_path, "run", str(path), "--param", f"x={value}")
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "parameter 'x': NaN and infinity are not JSON numbers" in refused.stderr
    dry = flowrun(tmp_path, "run", str(path), "--dry-run", "--format", "json", "--param", "x=.nan")
    assert dry.returncode == 2
    assert not (tmp_path / ".flowrun").exists()
    assert flowrun(tmp_path, "run", str(path)).returncode == 0
    state = tmp_path / ".flowrun" / "state.db"
    db = sqlite3.connect(str(state))
    db.execute("INSERT INTO metrics (run_id, task_id, try_number, name, value, ts) SELECT run_id, 't', 1, 'old',"
               " ?, 0 FROM runs", (float("inf"),))
    db.execute("UPDATE runs SET params=?", (json.dumps({"x": float("nan")}),))
    db.commit()
    db.close()
    shown = flowrun(tmp_path, "runs", "show", "last", "--format", "json")
    doc = _strict(shown.stdout)
    assert {m["name"]: m["value"] for m in doc["metrics"]} == {"m": 1, "old": None}
    assert doc["run"]["params"] == {"x": None}
    assert _strict(flowrun(tmp_path, "runs", "--format", "json").stdout)


def test_a_store_write_that_fails_for_one_try_leaves_nothing_running(tmp_path: Path) -> None:
    """A store that refuses one try's end (here a real SQLite trigger) stops the run, as a full
    disk does; every try and task is recorded as stopped, none stays `running`, and `--resume`
    completes the run once the store takes the write."""
    path = write_workflow(tmp_path, """
        dagId: refused_write
        tasks:
          - {taskId: writer, operator: bash, params: {command: "echo '{\\"boom\\": 1}'"}}
          - {taskId: sleeper, operator: bash, params: {command: "sleep 20"}}
    """)
    state = tmp_path / "s.db"
    setup = write_workflow(tmp_path, "dagId: setup\ntasks:\n  - {taskId: x, operator: dummy}\n", name="setup.yaml")
    assert flowrun(tmp_path, "run", str(setup), "--state", str(state)).returncode == 0
    db = sqlite3.connect(str(state))
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON metrics WHEN NEW.name = 'boom'"
               " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
    db.commit()
    db.close()
    proc = flowrun(tmp_path, "run", str(path), "--state", str(state))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "state store write failed: refused by the test" in proc.stderr
    assert f"resume it with: flowrun run {path} --resume" in proc.stderr and f"--state {state}" in proc.stderr
    rows = query(state, "SELECT * FROM tries WHERE task_id IN ('writer', 'sleeper')")
    assert {r["task_id"]: r["state"] for r in rows} == {"writer": "failed", "sleeper": "failed"}
    assert all(r["error"].startswith("interrupted") for r in rows)
    assert not query(state, "SELECT * FROM tasks WHERE state='running'")
    shown = flowrun(tmp_path, "runs", "show", "last", "--state", str(state))
    assert "interrupted" in shown.stdout and " running " not in shown.stdout

    db = sqlite3.connect(str(state))
    db.execute("DROP TRIGGER refuse")
    db.commit()
    db.close()
    (tmp_path / "wf.yaml").write_text(path.read_text().replace("sleep 20", "true"))
    resumed = flowrun(tmp_path, "run", str(path), "--state", str(state), "--resume", "last")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert task_states(state, query(state, "SELECT run_id FROM runs WHERE dag_id='refused_write'")[0][0]) == {
        "writer": "success", "sleeper": "success"}
