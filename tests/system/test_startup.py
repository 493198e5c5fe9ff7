"""`flowrun lint` must start light: the runner's imports (trio, httpx, jinja2's sandbox for
rendering is allowed later) are never loaded by linting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WORKFLOW = """\
dagId: light
schedule: "@daily"
tasks:
  - taskId: a
    operator: bash
    params: {command: echo hi}
  - taskId: b
    operator: dummy
    dependencies: [a]
"""


def _imported_modules(tmp_path: Path, *args: str) -> set[str]:
    path = tmp_path / "wf.yaml"
    path.write_text(WORKFLOW)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "runner.cli", *args, str(path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_lint_does_not_import_the_runner(tmp_path: Path) -> None:
    modules = _imported_modules(tmp_path, "lint")
    assert "runner.lint.linter" in modules  # the measurement itself works
    for heavy in ("trio", "httpx", "anyio", "runner.run.engine", "runner.run.operators", "sqlite3"):
        assert heavy not in modules, f"flowrun lint imported {heavy}"


def test_lint_does_not_import_the_language_server(tmp_path: Path) -> None:
    modules = _imported_modules(tmp_path, "lint", "--no-cache")
    assert "runner.lint.rules" in modules  # linted for real, not read back from the cache
    for extra in ("pygls", "lsprotocol", "cattrs", "runner.lsp", "runner.lsp.server"):
        assert extra not in modules, f"flowrun lint imported {extra}"


def test_a_local_run_does_not_import_openlineage(tmp_path: Path) -> None:
    """The `lineage` extra (openlineage-python, ~0.23 s to import) is not loaded by a run,
    with or without `--lineage`: flowrun writes the events itself (runner/run/lineage.py)."""
    modules = _imported_modules(tmp_path, "run", "--state", "s.db")
    assert "runner.run.engine" in modules  # the measurement itself works
    assert "runner.run.lineage" not in modules and "runner.run.lineage_send" not in modules
    assert not any(m == "openlineage" or m.startswith("openlineage.") for m in modules)
    sent = _imported_modules(tmp_path, "run", "--state", "s.db", "--lineage", "file:events.jsonl")
    assert "runner.run.lineage_send" in sent
    assert (tmp_path / "events.jsonl").read_text().count("\n") == 6  # the run's and its two tasks' START/COMPLETE
    assert not any(m == "openlineage" or m.startswith("openlineage.") for m in sent)
