"""Shared helpers of the linter tests.

`lint(text)` lints a document given as text and returns `[(line, column, code)]`, the shape the
rule tests assert on (rewording a message breaks nothing). `run_cli(*args)` runs the real
`flowrun` command in a subprocess, as a user or a CI job would: `python -m runner.cli` with the
interpreter running the tests, so it needs no installed script on PATH.

A test module may set `DEFAULT_SELECT` (e.g. to `STRUCTURAL`): its `lint` and `findings` then run
only those rules unless a test selects others, so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.findings import Finding
from runner.lint.config import LintConfig
from runner.lint.linter import lint_text

CLI_TIMEOUT = 60  # seconds; generous, every call here takes well under one

Position = tuple[int, int, str]


def positions(findings: list[Finding]) -> list[Position]:
    return [(f.line, f.column, f.code) for f in findings]


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


Select = tuple[str, ...] | str | None

# The rules of the linter's first half: the YAML, schema and graph rules.
STRUCTURAL = ("FR001", "FR002", "FR003", "FR004", "FR005", "FR006", "FR101", "FR102", "FR103", "FR104")


def bash(command: str, extra: str = "") -> str:
    """A one-task workflow running `command` (JSON-quoted, valid YAML) on line 6."""
    return (
        "dagId: d\n"
        "tasks:\n"
        "  - taskId: t\n"
        "    operator: bash\n"
        "    params:\n"
        f"      command: {json.dumps(command)}\n"
        f"{extra}"
    )


def alerting(alert: str) -> str:
    """A workflow whose one alert (YAML lines, indented 4) starts on line 3."""
    return "dagId: d\nalerts:\n" + alert + "tasks:\n  - taskId: t\n    operator: dummy\n"


def lint_findings(text: str, select: Select = None) -> list[Finding]:
    """Findings of a (dedented) document; `select` codes or prefixes as with `--select`."""
    codes = [select] if isinstance(select, str) else list(select or [])
    return lint_text(dedent(text), config=LintConfig(select=codes))


def default_select(request: pytest.FixtureRequest) -> Select:
    """The `DEFAULT_SELECT` of the test's module, None (every rule) if it sets none."""
    return getattr(request.module, "DEFAULT_SELECT", None)


@pytest.fixture
def lint(request: pytest.FixtureRequest) -> Callable[..., list[Position]]:
    """`lint(text, select=None)`: the (line, column, code) of every finding, in report order.

    `select` runs only the rules of the given codes or prefixes (as `--select` does), so a rule
    test is not disturbed by what other rules say about the same fixture; without it, the
    module's `DEFAULT_SELECT`.
    """
    default = default_select(request)

    def run(text: str, select: Select = None) -> list[Position]:
        return positions(lint_findings(text, select or default))

    return run


@pytest.fixture
def findings(request: pytest.FixtureRequest) -> Callable[..., list[Finding]]:
    """`findings(text, select=None)`: the Finding objects of a document given as text."""
    default = default_select(request)

    def run(text: str, select: Select = None) -> list[Finding]:
        return lint_findings(text, select or default)

    return run


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI run: this one, minus what would change the output format."""
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "FLOWRUN_ENV")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def flowrun(*args: str, cwd: Path, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run the real `flowrun ARGS...` in `cwd` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "runner.cli", *args],
        cwd=cwd,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=CLI_TIMEOUT,
        check=False,
        **kwargs,
    )


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`run_cli(*args, cwd=tmp_path, env=None)` runs `flowrun ARGS...`.

    The working directory defaults to the test's tmp_path, so a configuration file of the
    project (or of anything above it) is not picked up by accident.
    """

    def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return flowrun(*args, cwd=cwd or tmp_path, env=env, **kwargs)

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """`write(name, text)` writes a (dedented) file below tmp_path and returns its path."""

    def run(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(dedent(text), encoding="utf-8")
        return path

    return run
