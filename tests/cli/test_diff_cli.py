"""`flowrun diff OLD NEW`: files and REV:PATH in a real git repository, formats, exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import flowrun

OLD = """\
dagId: etl
schedule: "0 6 * * *"
tasks:
  - taskId: extract
    operator: bash
    timeout: {execution: 1m}
    params: {command: "echo one"}
  - taskId: load
    operator: bash
    dependencies: [extract]
    timeout: {execution: 1m}
    params: {command: "echo load"}
"""

# the same plan: keys reordered, comments, block instead of flow style, 60s for 1m
SAME = """\
# reformatted
schedule: "0 6 * * *"
dagId: etl
tasks:
  - taskId: extract
    params:
      command: "echo one"   # unchanged
    operator: bash
    timeout:
      execution: 60s
  - operator: bash
    taskId: load
    dependencies:
      - extract
    timeout: {execution: 1m}
    params: {command: "echo load"}
"""

NEW = OLD.replace('command: "echo load"', 'command: "echo loaded"').replace('"0 6 * * *"', '"0 7 * * *"')


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_the_same_plan_written_differently_exits_0(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "same.yaml").write_text(SAME)
    result = flowrun("diff", "old.yaml", "same.yaml", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "no differences: old.yaml and same.yaml compile to the same plan\n"


def test_differences_exit_1_in_every_format(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "new.yaml").write_text(NEW)
    text = flowrun("diff", "old.yaml", "new.yaml", cwd=tmp_path)
    assert text.returncode == 1, text.stderr
    assert 'schedule: "0 6 * * *" -> "0 7 * * *"' in text.stdout
    assert "  ~ load (changed)" in text.stdout and "-echo load" in text.stdout and "+echo loaded" in text.stdout
    assert "\x1b[" not in text.stdout  # not a terminal: no colour
    data = json.loads(flowrun("diff", "old.yaml", "new.yaml", "--format", "json", cwd=tmp_path).stdout)
    assert data["same"] is False and data["impact"] == ["load"]
    assert [t["taskId"] for t in data["tasks"]["changed"]] == ["load"]
    markdown = flowrun("diff", "old.yaml", "new.yaml", "--format", "markdown", cwd=tmp_path)
    assert markdown.returncode == 1
    assert "| tasks changed | 1 | load |" in markdown.stdout and "```diff" in markdown.stdout


def test_rev_path_from_a_real_git_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "wf.yaml").write_text(OLD)
    git(tmp_path, "add", "wf.yaml")
    git(tmp_path, "commit", "-qm", "old")
    (tmp_path / "wf.yaml").write_text(NEW)
    result = flowrun("diff", "HEAD:wf.yaml", "wf.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("flowrun diff HEAD:wf.yaml -> wf.yaml\n")
    assert flowrun("diff", "HEAD:wf.yaml", "HEAD:wf.yaml", cwd=tmp_path).returncode == 0
    unknown = flowrun("diff", "nosuchrev:wf.yaml", "wf.yaml", cwd=tmp_path)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.startswith("flowrun: error: 'nosuchrev:wf.yaml': ") and unknown.stderr.count("\n") == 1


def test_rev_path_outside_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text(OLD)
    result = flowrun("diff", "HEAD:wf.yaml", "wf.yaml", cwd=tmp_path, env={**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert result.returncode == 2
    assert result.stderr == ("flowrun: error: 'HEAD:wf.yaml': not inside a git repository; REV:PATH reads a file"
                             " at a git revision\n")


def test_a_version_with_errors_is_refused_with_its_findings(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "bad.yaml").write_text(OLD.replace("dependencies: [extract]", "dependencies: [nowhere]"))
    result = flowrun("diff", "old.yaml", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "FR004" in result.stdout
    assert result.stderr == "flowrun: error: bad.yaml: the workflow has errors; fix them before comparing\n"


def test_missing_file_not_yaml_and_bad_format(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(OLD)
    (tmp_path / "broken.yaml").write_text("dagId: [unclosed\n")
    missing = flowrun("diff", "old.yaml", "gone.yaml", cwd=tmp_path)
    assert (missing.returncode, missing.stderr) == (2, "flowrun: error: gone.yaml: no such file\n")
    broken = flowrun("diff", "old.yaml", "broken.yaml", cwd=tmp_path)
    assert broken.returncode == 2 and "FR001" in broken.stdout + broken.stderr
    fmt = flowrun("diff", "old.yaml", "old.yaml", "--format", "html", cwd=tmp_path)
    assert (fmt.returncode, fmt.stderr) == (2, "flowrun: error: unknown format 'html'; expected one of: text, json, markdown\n")
