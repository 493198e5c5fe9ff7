"""runner/history/text.py's shared pieces, and the read side's promise: it never loads the runner.

`table` draws the tables of `flowrun runs`, `runs show` and the summary at the end of
`flowrun run`; their full outputs are checked in test_history.py and test_run_cli.py.
"""

from __future__ import annotations

import subprocess
import sys

from runner.history.text import table


def test_table_columns_are_as_wide_as_their_widest_cell_two_spaces_apart() -> None:
    assert table(["TASK", "STATE"], [["extract", "success"], ["a", "upstream_failed"]]) == [
        "TASK     STATE",
        "extract  success",
        "a        upstream_failed",
    ]


def test_table_has_no_trailing_spaces_and_keeps_empty_cells() -> None:
    lines = table(("TASK", "EXIT", "ERROR"), [("long_task_name", "", ""), ("b", "1", "boom")])
    assert lines == ["TASK            EXIT  ERROR", "long_task_name", "b               1     boom"]
    assert all(line == line.rstrip() for line in lines)


def test_table_without_rows_is_its_header() -> None:
    assert table(["TASK", "TRY", "NAME"], []) == ["TASK  TRY  NAME"]


def test_the_read_side_never_imports_the_runner() -> None:
    """History, its text and the HTML report read the store only: no trio, no engine, no operators
    (`flowrun runs` starts fast; a report can be written where no task could run)."""
    code = ("import sys, runner.history.query, runner.history.text, runner.history.report; "
            "print(' '.join(sorted(m for m in sys.modules if m == 'trio' or m.startswith(('runner.', 'httpx')))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            timeout=60).stdout.split()
    assert {"runner.history.query", "runner.history.text", "runner.history.report", "runner.run.store"} <= set(loaded)
    for heavy in ("trio", "httpx", "runner.run.engine", "runner.run.session", "runner.run.operators",
                  "runner.run.executors.local"):
        assert heavy not in loaded
