"""Fuzzing what a task prints (issue 12 item 5): no value a task writes can stop a run.

`task_output_lines()` draws stdout lines as a task might print them: JSON objects whose values
are `NaN`, `Infinity`, `-Infinity` (`json.loads` accepts them; pandas prints them), integers of
hundreds of digits, floats beyond a double (`1e999`), lone surrogates and NULs in escapes,
nesting up to 150 levels, and plain text. `check_outputs` runs them through a real run (a
`bash` task that prints them, a downstream task that reads the output through
`ti.xcom_pull`, a real SQLite store) and checks the invariants:

* the run ends `success` or `failed`, never with an exception;
* no task and no try is left `running` in the store;
* `runs show --format json` of the run is strict JSON (no NaN or infinity);
* the metrics the store holds are finite numbers.

`benchmarks/fuzz.py --targets outputs` runs the same check for as long as asked.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runner_helpers import run_api

from runner.history import query as history
from runner.history import text as history_text

ODD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" + "0" * 400, "-" + "9" * 30, "2.5e-400",
               "0", "-0.0", "1.7976931348623157e308", str(2**63), str(-(2**63) - 1)]
ODD_TEXT = ['"\\ud800"', '"\\udc00x"', '"a\\u0000b"', '"\\u001b]0;title\\u0007"', '""', '"ok"']


@st.composite
def json_value(draw: st.DrawFn, depth: int = 0) -> str:
    """JSON text as `json.loads` accepts it (NaN and friends included)."""
    kind = draw(st.sampled_from(["number", "number", "text", "list", "object"] if depth < 3 else ["number", "text"]))
    if kind == "number":
        return draw(st.sampled_from(ODD_NUMBERS) | st.integers().map(str) | st.floats(allow_nan=False).map(repr))
    if kind == "text":
        return draw(st.sampled_from(ODD_TEXT) | st.text(max_size=20).map(json.dumps))
    if kind == "list":
        return "[" + ", ".join(draw(st.lists(json_value(depth + 1), max_size=3))) + "]"
    keys = draw(st.lists(st.sampled_from(ODD_TEXT[:3]) | st.text(max_size=8).map(json.dumps), max_size=4))
    return "{" + ", ".join(f"{k}: {draw(json_value(depth + 1))}" for k in keys) + "}"


@st.composite
def task_output_lines(draw: st.DrawFn) -> list[str]:
    """One to six stdout lines; the last non-empty one is the task's output."""
    line = st.one_of(
        json_value().map(lambda v: "{" + f'"v": {v}' + "}"),
        json_value(),
        st.integers(1, 150).map(lambda n: "[" * n + "1" + "]" * n),  # nesting past the limit
        st.sampled_from(ODD_NUMBERS),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=40),
    )
    return draw(st.lists(line, min_size=1, max_size=6))


WORKFLOW = """\
dagId: fuzz_outputs
tasks:
  - taskId: produce
    operator: bash
    params: {command: "cat lines.txt"}
    timeout: {execution: 30s}
  - taskId: consume
    operator: bash
    dependencies: [produce]
    params: {command: "echo {{ ti.xcom_pull(task_ids='produce') | string | length }}"}
    timeout: {execution: 30s}
"""


def _strict(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise AssertionError(f"runs show --format json wrote {constant}")

    return json.loads(text, parse_constant=refuse)


def check_outputs(lines: list[str], scratch: str) -> None:
    """Run a task printing `lines` (and a task reading its output); assert the invariants."""
    work = Path(tempfile.mkdtemp(dir=scratch))
    try:
        (work / "lines.txt").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        result = run_api(work, WORKFLOW)
        assert result.state in ("success", "failed"), result.state
        with sqlite3.connect(work / "s.db") as db:
            running = db.execute("SELECT COUNT(*) FROM tasks WHERE state = 'running'").fetchone()[0]
            running += db.execute("SELECT COUNT(*) FROM tries WHERE state = 'running'").fetchone()[0]
            values = [row[0] for row in db.execute("SELECT value FROM metrics")]
        assert running == 0
        assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in values), values
        shown = _strict(history_text.show_json(history.load_run(result.run_id, str(work / "s.db"))))
        assert shown["run"]["run_id"] == result.run_id
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def scratch() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        yield directory


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(task_output_lines())
def test_no_value_a_task_prints_stops_a_run(scratch: str, lines: list[str]) -> None:
    check_outputs(lines, scratch)


def test_the_known_killers_one_by_one(scratch: str) -> None:
    """The values that once stopped a run, each alone (a fixed regression, beside the fuzzing)."""
    check_outputs(['{"mean": NaN, "max": Infinity, "min": -Infinity, "rows": 3}'], scratch)
    check_outputs(['{"big": 1' + "0" * 400 + "}", '{"\\ud800": 1}', '"\\udc00"'], scratch)
    check_outputs(["[" * 150 + "1" + "]" * 150], scratch)
