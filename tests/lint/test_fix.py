"""`flowrun lint --fix`: redundant dependencies removed, every other byte kept."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

from runner.lint.linter import lint_paths

RunCli = Callable[..., subprocess.CompletedProcess[str]]

BEFORE = """\
# yaml-language-server: $schema=../schemas/workflow.schema.json
dagId: etl   # trailing comment
description: 'quoted, with: colon'
tasks:
  - taskId: extract
    operator: dummy
  - taskId: transform
    operator: dummy
    dependencies: [extract]
  - taskId: "load"      # quoted id
    operator: dummy
    dependencies:
      # why load waits
      - 'extract'   # redundant: transform already waits for it
      - transform  # keep me
  - taskId: report
    operator: dummy
    dependencies: [extract, "transform", load]   # flow list
  - taskId: twice
    operator: dummy
    dependencies: [load,   load]
  - taskId: multi
    operator: dummy
    dependencies: [
        extract,  # first
        report,   # second
        transform,  # third
    ]
  - taskId: tagged
    operator: dummy
    dependencies: !!seq [report, load]
"""

AFTER = """\
# yaml-language-server: $schema=../schemas/workflow.schema.json
dagId: etl   # trailing comment
description: 'quoted, with: colon'
tasks:
  - taskId: extract
    operator: dummy
  - taskId: transform
    operator: dummy
    dependencies: [extract]
  - taskId: "load"      # quoted id
    operator: dummy
    dependencies:
      # why load waits
      - transform  # keep me
  - taskId: report
    operator: dummy
    dependencies: [load]   # flow list
  - taskId: twice
    operator: dummy
    dependencies: [load]
  - taskId: multi
    operator: dummy
    dependencies: [
        report,   # second
    ]
  - taskId: tagged
    operator: dummy
    dependencies: !!seq [report]
"""


def test_fix_removes_redundant_items_and_keeps_every_other_byte(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "etl.yaml"
    path.write_text(BEFORE, encoding="utf-8")
    result = run_cli("lint", "--fix", "etl.yaml")
    assert path.read_text(encoding="utf-8") == AFTER
    assert result.stdout == "Fixed 7 problems.\nNo problems found in 1 file.\n"
    assert result.returncode == 0, result.stderr


def test_fix_is_idempotent(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "etl.yaml"
    path.write_text(AFTER, encoding="utf-8")
    result = run_cli("lint", "--fix", "--format", "json", "etl.yaml")
    assert result.returncode == 0
    assert json.loads(result.stdout) == []
    assert path.read_text(encoding="utf-8") == AFTER


def test_second_run_finds_nothing_fixable(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "etl.yaml"
    path.write_text(BEFORE, encoding="utf-8")
    before = json.loads(run_cli("lint", "--format", "json", "etl.yaml").stdout)
    assert sum(f["fixable"] for f in before) == 7
    run_cli("lint", "--fix", "etl.yaml")
    once = path.read_text(encoding="utf-8")
    again = run_cli("lint", "--fix", "--format", "json", "etl.yaml")
    assert path.read_text(encoding="utf-8") == once
    assert not any(f["fixable"] for f in json.loads(again.stdout))


SHARED = """\
dagId: etl
tasks:
  - taskId: a
    operator: dummy
  - taskId: b
    operator: dummy
    dependencies: [a]
  - taskId: c
    operator: dummy
    dependencies: &deps [a, b]
  - taskId: d
    operator: dummy
    dependencies: *deps
"""


def test_a_list_shared_through_an_alias_is_not_edited(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "shared.yaml"
    path.write_text(SHARED, encoding="utf-8")
    result = run_cli("lint", "--fix", "--format", "json", "shared.yaml")
    assert path.read_text(encoding="utf-8") == SHARED
    found = json.loads(result.stdout)
    assert [(f["line"], f["column"], f["code"], f["fixable"]) for f in found] == [
        (10, 26, "FR102", False),
        (10, 26, "FR102", False),
    ]
    assert result.returncode == 1


def test_lists_merged_from_elsewhere_are_not_edited(tmp_path: Path) -> None:
    text = (
        "dagId: etl\n"
        "tasks:\n"
        "  - {taskId: a, operator: dummy}\n"
        "  - {taskId: b, operator: dummy, dependencies: [a]}\n"
        "  - &base {taskId: c, operator: dummy, dependencies: [a, b]}\n"
        "  - <<: *base\n"
        "    taskId: d\n"
    )
    path = tmp_path / "merged.yaml"
    path.write_text(text, encoding="utf-8")
    result = lint_paths([str(path)], fix=True)
    # c's list is inside the anchored task and d's list is c's: editing one would change both
    assert path.read_text(encoding="utf-8") == text
    assert [(f.line, f.code, f.fixable) for f in result.findings] == [(5, "FR102", False), (5, "FR102", False)]
    assert result.fixed == 0


def test_suppressed_findings_are_not_fixed(tmp_path: Path, run_cli: RunCli) -> None:
    text = (
        "dagId: etl\n"
        "tasks:\n"
        "  - {taskId: a, operator: dummy}\n"
        "  - {taskId: b, operator: dummy, dependencies: [a]}\n"
        "  - taskId: c\n"
        "    operator: dummy\n"
        "    dependencies:\n"
        "      - a  # flowrun: ignore[FR102]\n"
        "      - b\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("lint", "--fix", "s.yaml")
    assert path.read_text(encoding="utf-8") == text
    assert result.stdout == "No problems found in 1 file.\n"
    assert result.returncode == 0


def test_unselected_rules_are_not_fixed(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "etl.yaml"
    path.write_text(BEFORE, encoding="utf-8")
    result = run_cli("lint", "--fix", "--ignore", "FR102", "etl.yaml")
    assert path.read_text(encoding="utf-8") == BEFORE
    assert result.returncode == 0


def test_fix_keeps_crlf_line_endings_and_the_file_mode(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "crlf.yaml"
    path.write_bytes(BEFORE.replace("\n", "\r\n").encode("utf-8"))
    os.chmod(path, 0o640)
    result = run_cli("lint", "--fix", "crlf.yaml")
    assert result.returncode == 0, result.stdout
    assert path.read_bytes() == AFTER.replace("\n", "\r\n").encode("utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crlf.yaml"]  # no temporary left behind


def test_fix_leaves_unfixable_findings_and_fails(tmp_path: Path, run_cli: RunCli) -> None:
    text = BEFORE.replace("  - taskId: extract\n", "  - taskId: extract\n    dependencies: [ghost]\n")
    path = tmp_path / "etl.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli("lint", "--fix", "--select", "FR0,FR1", "etl.yaml")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "etl.yaml:6:20: FR004 [error] dependency 'ghost' of task 'extract' names no task",
        "Fixed 7 problems.",
        "Found 1 problem (1 error) in 1 file.",
    ]
    assert path.read_text(encoding="utf-8") == AFTER.replace(
        "  - taskId: extract\n", "  - taskId: extract\n    dependencies: [ghost]\n"
    )


def test_fix_through_the_python_api(tmp_path: Path) -> None:
    path = tmp_path / "etl.yaml"
    path.write_text(BEFORE, encoding="utf-8")
    result = lint_paths([str(path)], fix=True)
    assert result.fixed == 7
    assert result.findings == []
    assert path.read_text(encoding="utf-8") == AFTER
