"""`--format gitlab` (GitLab Code Quality) against a JSON Schema written from GitLab's documentation
(tests/data/gitlab-code-quality.schema.json, its source in `$comment`), and the stable identity of
a finding (runner/lint/fingerprints.py) in GitLab's `fingerprint` and SARIF's `partialFingerprints`:
unchanged when lines move, distinct for two findings alike."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import cli_env
from jsonschema import Draft202012Validator

from runner.lint.reporters import SARIF_FINGERPRINT

RunCli = Callable[..., subprocess.CompletedProcess[str]]
SCHEMA = Path(__file__).resolve().parents[1] / "data" / "gitlab-code-quality.schema.json"

# FR102 (warning, redundant dependency), FR002 (error, unknown key), FR006-style info is not
# needed: an `info` finding comes from the unused suppression below.
FLOW = """\
dagId: etl
tasks:
  - taskId: extract
    operator: dummy
  - taskId: transform
    operator: dummy
    dependencies: [extract]
  - taskId: load  # flowrun: ignore[FR104]
    operator: dummy
    dependencies: [extract, transform]
    colour: blue
"""


def _gitlab(run_cli: RunCli, cwd: Path, *paths: str, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    result = run_cli("lint", "--no-cache", "--format", "gitlab", *paths, cwd=cwd, env=env)
    assert result.returncode in (0, 1) and result.stderr == "", result.stderr
    report: list[dict[str, Any]] = json.loads(result.stdout)
    return report


def test_the_report_is_valid_against_gitlabs_format(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "etl.yaml").write_text(FLOW, encoding="utf-8")
    report = _gitlab(run_cli, tmp_path, "flows")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(schema).iter_errors(report)]
    assert errors == []
    by_code = {issue["check_name"]: issue for issue in report}
    assert set(by_code) == {"FR002", "FR102", "FR006"}
    assert by_code["FR102"]["severity"] == "minor" and by_code["FR002"]["severity"] == "major"
    assert by_code["FR006"]["severity"] == "info"
    assert by_code["FR102"]["description"].startswith("FR102 dependency on 'extract' is redundant")
    assert by_code["FR102"]["location"] == {"path": "flows/etl.yaml", "lines": {"begin": 10}}


def test_an_empty_report_is_an_empty_array(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "ok.yaml").write_text("dagId: ok\ntasks:\n  - taskId: a\n    operator: dummy\n", encoding="utf-8")
    assert _gitlab(run_cli, tmp_path, "ok.yaml") == []


def test_paths_are_relative_to_ci_project_dir(tmp_path: Path, run_cli: RunCli) -> None:
    project = tmp_path / "builds" / "group" / "project"
    (project / "flows").mkdir(parents=True)
    (project / "flows" / "etl.yaml").write_text(FLOW, encoding="utf-8")
    absolute = str(project / "flows" / "etl.yaml")
    from_elsewhere = _gitlab(run_cli, tmp_path, absolute, env=cli_env(CI_PROJECT_DIR=str(project)))
    assert {issue["location"]["path"] for issue in from_elsewhere} == {"flows/etl.yaml"}
    # and the fingerprints do not depend on where the project was checked out or how it was named
    in_project = _gitlab(run_cli, project, "flows")
    assert [i["fingerprint"] for i in from_elsewhere] == [i["fingerprint"] for i in in_project]


def test_fingerprints_survive_moved_lines(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "etl.yaml"
    path.write_text(FLOW, encoding="utf-8")
    before = _gitlab(run_cli, tmp_path, "etl.yaml")
    sarif_before = _sarif_fingerprints(run_cli, tmp_path)
    # lines above every finding, and the tasks reordered: every line number changes
    moved = "# a header\n# of three lines\n\n" + FLOW.replace("  - taskId: extract\n    operator: dummy\n", "") + \
        "  - taskId: extract\n    operator: dummy\n"
    path.write_text(moved, encoding="utf-8")
    after = _gitlab(run_cli, tmp_path, "etl.yaml")
    assert [i["location"]["lines"]["begin"] for i in before] != [i["location"]["lines"]["begin"] for i in after]
    assert {i["fingerprint"]: i["check_name"] for i in before} == {i["fingerprint"]: i["check_name"] for i in after}
    assert _sarif_fingerprints(run_cli, tmp_path) == sarif_before


def _sarif_fingerprints(run_cli: RunCli, cwd: Path) -> set[str]:
    result = run_cli("lint", "--no-cache", "--format", "sarif", "etl.yaml", cwd=cwd)
    results = json.loads(result.stdout)["runs"][0]["results"]
    assert results and all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
                           for r in results)
    return {r["partialFingerprints"][SARIF_FINGERPRINT] for r in results}


def test_the_same_mistake_twice_gets_two_fingerprints(tmp_path: Path, run_cli: RunCli) -> None:
    # the same unknown key with the same message in one file: one identity, told apart by order
    twice = "dagId: d\ncolour: 1\ntasks:\n  - taskId: a\n    operator: dummy\n"
    (tmp_path / "a.yaml").write_text(twice, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(twice, encoding="utf-8")
    report = _gitlab(run_cli, tmp_path, "a.yaml", "b.yaml")
    assert len(report) == 2 and len({i["fingerprint"] for i in report}) == 2  # the path differs

    from runner.findings import Finding
    from runner.lint.fingerprints import fingerprints

    same = [Finding("FR002", "unknown key 'x'", line, 1, "w.yaml") for line in (3, 9)]
    first, second = fingerprints(same, str(tmp_path))
    assert first != second
    assert fingerprints([same[0]], str(tmp_path)) == [first]  # the first keeps its fingerprint
    # a "line N" inside a message moves with the lines: it is not part of the identity
    a = Finding("FR003", "duplicate taskId 'a'; it is first used on line 3", 7, 5, "w.yaml")
    b = Finding("FR003", "duplicate taskId 'a'; it is first used on line 5", 9, 5, "w.yaml")
    assert fingerprints([a], str(tmp_path)) == fingerprints([b], str(tmp_path))


def test_a_long_message_is_cut_in_github_annotations_only() -> None:
    """An FR408 critical path of 1,000 tasks is ~15,000 characters: GitHub shows a few lines."""
    from runner.findings import Finding
    from runner.lint.linter import LintResult
    from runner.lint.reporters import GITHUB_MESSAGE, RENDERERS

    long = "x" * 15_000
    result = LintResult(files=["wf.yaml"], findings=[Finding("FR408", long, 3, 5, path="wf.yaml", severity="warning")])
    annotation = RENDERERS["github"](result)
    message = annotation.split("::", 2)[2].rstrip("\n")
    assert len(message) <= GITHUB_MESSAGE and message.endswith("(cut; the whole message: flowrun lint --format json)")
    assert long in RENDERERS["json"](result)  # the whole text stays where it is read in full
