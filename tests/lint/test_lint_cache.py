"""`flowrun lint` keeps results of unchanged files in .flowrun_cache (runner/lint/cache.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import cli_env, flowrun

from runner.lint.cache import LintCache
from runner.lint.config import LintConfig
from runner.lint.linter import lint_paths

WORKFLOW = """\
dagId: cached
defaults:
  timeout: {execution: 10m}
tasks:
  - taskId: a
    operator: bash
    params: {command: ./a.sh}
  - taskId: b
    operator: bash
    params: {command: ./b.sh}
    dependencies: [a]
  - taskId: c
    operator: bash
    params: {command: ./c.sh}
    dependencies: [a, b]
"""


def entries(root: Path) -> list[Path]:
    return sorted((root / ".flowrun_cache" / "lint").rglob("*.json"))


def test_a_second_run_reads_the_first_ones_results(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(WORKFLOW)
    first = flowrun("lint", "--format", "json", "w.yaml", cwd=tmp_path)
    assert (tmp_path / ".flowrun_cache" / ".gitignore").read_text().endswith("*\n")
    [entry] = entries(tmp_path)
    second = flowrun("lint", "--format", "json", "w.yaml", cwd=tmp_path)
    assert (first.returncode, first.stdout) == (second.returncode, second.stdout) == (1, second.stdout)
    assert [f["code"] for f in json.loads(second.stdout)] == ["FR102"]
    assert json.loads(second.stdout)[0]["fixable"] is True
    # the entry is what the second run printed: an edited entry shows through
    entry.write_text(entry.read_text().replace("is redundant", "was read from the cache"))
    third = flowrun("lint", "w.yaml", cwd=tmp_path)
    assert "was read from the cache" in third.stdout


def test_a_changed_file_or_selection_is_linted_again(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(WORKFLOW)
    assert flowrun("lint", "w.yaml", cwd=tmp_path).returncode == 1
    path.write_text(WORKFLOW.replace("[a, b]", "[b]"))
    assert flowrun("lint", "w.yaml", cwd=tmp_path).returncode == 0
    path.write_text(WORKFLOW)
    assert flowrun("lint", "--ignore", "FR102", "w.yaml", cwd=tmp_path).returncode == 0
    assert len(entries(tmp_path)) == 3  # one per (content, selection)


def test_no_cache_and_the_environment_switch_write_nothing(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(WORKFLOW)
    assert flowrun("lint", "--no-cache", "w.yaml", cwd=tmp_path).returncode == 1
    assert flowrun("lint", "w.yaml", cwd=tmp_path, env=cli_env(FLOWRUN_NO_CACHE="1")).returncode == 1
    assert not (tmp_path / ".flowrun_cache").exists()
    elsewhere = tmp_path / "elsewhere"
    assert flowrun("lint", "w.yaml", cwd=tmp_path, env=cli_env(FLOWRUN_CACHE_DIR=str(elsewhere))).returncode == 1
    assert not (tmp_path / ".flowrun_cache").exists() and len(entries(tmp_path / "x")) == 0
    assert list((elsewhere / "lint").rglob("*.json"))


def test_a_corrupt_entry_is_a_miss_and_a_read_only_cache_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(WORKFLOW)
    config = LintConfig()
    cache = LintCache(config, tmp_path / "cache")
    expected = lint_paths([str(tmp_path / "w.yaml")], config).findings
    assert lint_paths([str(tmp_path / "w.yaml")], config, cache=cache).findings == expected
    [entry] = list((tmp_path / "cache" / "lint").rglob("*.json"))
    entry.write_text('[{"code": ')
    assert lint_paths([str(tmp_path / "w.yaml")], config, cache=cache).findings == expected
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory should be")
    assert lint_paths([str(tmp_path / "w.yaml")], config, cache=LintCache(config, blocked)).findings == expected


def test_fix_does_not_use_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(WORKFLOW)
    assert flowrun("lint", "w.yaml", cwd=tmp_path).returncode == 1
    fixed = flowrun("lint", "--fix", "w.yaml", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout
    assert "dependencies: [b]" in path.read_text()
    assert flowrun("lint", "w.yaml", cwd=tmp_path).returncode == 0
    assert os.access(path, os.R_OK)
