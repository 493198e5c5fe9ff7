"""The one workflow file `run` and `graph` take: that it is a file, and its findings printed
(as `flowrun lint` prints them) when it has errors and cannot be used."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from runner.errors import NoSuchPath, UsageError


def print_findings(findings: list[Any]) -> None:
    from runner.lint.linter import LintResult
    from runner.lint.reporters import text

    sys.stdout.write(text(LintResult(files=sorted({f.path for f in findings}), findings=findings)))


def check_workflow_file(file: Path, command: str) -> None:
    """UsageError unless `file` is a file (`run` and `graph` take one workflow file)."""
    if file.is_dir():
        raise UsageError(f"{file}: is a directory; '{command}' takes one workflow file"
                         " (lint and schedule take directories)")
    if file.exists() and not file.is_file():
        raise UsageError(f"{file}: is not a regular file; '{command}' takes one workflow file")
    if not file.is_file():
        raise NoSuchPath(str(file), "file")
