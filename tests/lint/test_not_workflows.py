"""YAML of other tools next to workflows (compose files, CI configurations, Helm values, Taskfiles,
Kubernetes manifests) is skipped by `flowrun lint`, named or found, and counted in the summary;
`--strict` and `strict = true` lint every YAML file as a workflow; a file that does not parse is
still FR001 (runner/lint/linter.py, looks_like_workflow)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.lint.config import LintConfig
from runner.lint.linter import lint_paths, lint_text, looks_like_workflow

RunCli = Callable[..., subprocess.CompletedProcess[str]]
PROJECT = Path(__file__).resolve().parents[2]

WORKFLOW = "dagId: hello\ntasks:\n  - taskId: a\n    operator: dummy\n"
COMPOSE = """\
x-common: &common
  restart: always
services:
  web:
    <<: *common
    image: "nginx:1.25"
"""
GITHUB = "name: ci\non:\n  push:\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha }}\n"
OTHERS = {
    "compose.yaml": COMPOSE,
    "ci.yml": GITHUB,
    "Taskfile.yml": "version: '3'\ntasks:\n  build:\n    cmds: [go build]\n",  # tasks is a mapping
    "values.yaml": "replicaCount: 1\nimage:\n  repository: nginx\n",
    "gitlab-ci.yml": ".setup:\n  script: [echo hi]\ntest:\n  script:\n    - !reference [.setup, script]\n",
    "template.yaml": "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Name\n",
    "k8s.yaml": "---\napiVersion: v1\nkind: Service\n---\napiVersion: v1\nkind: Pod\n",
}


@pytest.mark.parametrize("name", list(OTHERS))
def test_other_tools_yaml_is_skipped_named_or_found(tmp_path: Path, run_cli: RunCli, name: str) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / name).write_text(OTHERS[name], encoding="utf-8")
    for target in (f"repo/{name}", "repo"):
        result = run_cli("lint", "--no-cache", target)
        assert (result.returncode, result.stderr) == (0, ""), result.stdout
        assert result.stdout == "Found 0 problems in 1 file (1 file skipped: not workflows).\n"
    assert lint_text(OTHERS[name], name) == []  # the library (and the language server) report nothing either


def test_the_summary_counts_the_skipped_files(tmp_path: Path, run_cli: RunCli) -> None:
    for name, text in {"hello.yaml": WORKFLOW, "compose.yaml": COMPOSE, ".github/workflows/ci.yml": GITHUB}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "hello.yaml", "compose.yaml", ".github/workflows/ci.yml")
    assert result.returncode == 0, result.stdout
    assert result.stdout == "Found 0 problems in 3 files (2 files skipped: not workflows).\n"
    (tmp_path / "broken.yaml").write_text("dagId: b\ntasks:\n  - taskId: a\n    operator: dummy\n    dependencies: [nope]\n")
    result = run_cli("lint", "--no-cache", "broken.yaml", "compose.yaml")
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "Found 1 problem (1 error) in 1 file (1 file skipped: not workflows)."
    for fmt in ("json", "gitlab"):
        assert json.loads(run_cli("lint", "--no-cache", "--format", fmt, "compose.yaml").stdout) == []
    assert run_cli("lint", "--no-cache", "--format", "github", "compose.yaml").stdout == ""


def test_strict_lints_every_yaml_file_as_a_workflow(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    result = run_cli("lint", "--no-cache", "--strict", "compose.yaml")
    assert result.returncode == 1
    assert "compose.yaml:1:1: FR002 [error] missing required key 'dagId'" in result.stdout
    assert "skipped" not in result.stdout
    (tmp_path / ".flowrun.toml").write_text("[lint]\nstrict = true\n", encoding="utf-8")
    result = run_cli("lint", "--no-cache", "compose.yaml")
    assert result.returncode == 1 and "FR002" in result.stdout
    (tmp_path / ".flowrun.toml").write_text("[lint]\nstrict = 'yes'\n", encoding="utf-8")
    result = run_cli("lint", "--no-cache", "compose.yaml")
    assert result.returncode == 2 and "strict must be true or false" in result.stderr


def test_strict_and_not_strict_do_not_share_cache_entries(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE, encoding="utf-8")
    env_runs = [run_cli("lint", *args, "compose.yaml").returncode for args in ([], ["--strict"], [], ["--strict"])]
    assert env_runs == [0, 1, 0, 1]


def test_what_could_be_a_workflow_is_linted(tmp_path: Path) -> None:
    assert looks_like_workflow({"dagId": "x"}) and looks_like_workflow({"tasks": []})
    assert looks_like_workflow({"dagId": None, "jobs": {}})  # a workflow with a mistake in it
    assert looks_like_workflow(["a list"]) and looks_like_workflow("a scalar")  # FR001 says what is wrong
    assert not looks_like_workflow({"tasks": {"build": {}}}) and not looks_like_workflow({})
    # a file that does not parse may be a broken workflow: FR001, never skipped
    assert [f.code for f in lint_text("services:\n  web: [\n", "c.yaml")] == ["FR001"]
    assert [f.code for f in lint_text("dagId: d\ntasks:\n  - taskId: !custom a\n", "w.yaml")] == ["FR001"]
    assert [f.code for f in lint_text("dagId: a\ntasks: []\n---\ndagId: b\n", "w.yaml")] == ["FR001"]
    assert [f.code for f in lint_text("!!python/name:os.system x: 1\n", "w.yaml")] == ["FR001"]
    assert [f.code for f in lint_text("", "w.yaml")] == ["FR001"]


@pytest.mark.parametrize("corpus", ["workflows", "tests/system/newcomer"])
def test_no_example_or_newcomer_file_is_skipped(corpus: str) -> None:
    result = lint_paths([str(PROJECT / corpus)], LintConfig())
    assert result.files and result.not_workflows == []
