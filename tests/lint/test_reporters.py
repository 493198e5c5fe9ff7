"""Whole outputs of `flowrun lint` in every format, against golden files in tests/lint/golden/.

The fixture workflows are written below a temporary directory and linted from there with
relative paths, so the outputs do not depend on where the project lives. After a deliberate
change of an output, regenerate the files with `FLOWRUN_UPDATE_GOLDEN=1 pytest tests/test_reporters.py`
and review the diff.

The SARIF golden keeps, of the rule catalogue (`tool.driver.rules`), only the entries of the
rules that have results: the whole catalogue is checked against the rule registry instead, so
that adding a rule does not rewrite the golden file.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from runner.lint.rules import RULES

RunCli = Callable[..., subprocess.CompletedProcess[str]]

GOLDEN = Path(__file__).parent / "golden"
SARIF_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "data" / "sarif-schema-2.1.0.json"
UPDATE = os.environ.get("FLOWRUN_UPDATE_GOLDEN") == "1"

# Several findings of every severity: FR006 x2 (info), FR102 (warning, fixable), FR002 x2 and
# (errors; '%' must be escaped in GitHub annotations), FR104 (warning); FR001 in broken.yaml.
ETL = """\
# flowrun: ignore-file[FR005]
dagId: etl
schedule: "0 */6 * * *"
tasks:
  - taskId: extract
    operator: dummy
  - taskId: transform
    operator: dummy
    dependencies: [extract]
  - taskId: load  # flowrun: ignore[FR104]
    operator: dummy
    dependencies: [extract, transform, "100%_done"]
    dependecies: [extract]
  - taskId: notify
    operator: dummy
    triggerRule: all_done
"""

BROKEN = """\
dagId: broken
tasks:
  - taskId: a
    operator: [dummy
"""

FORMATS = {"text": "lint.txt", "json": "lint.json", "github": "lint.github", "sarif": "lint.sarif"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "etl.yaml").write_text(ETL, encoding="utf-8")
    (flows / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    return tmp_path


def stable(fmt: str, output: str) -> str:
    """The output as its golden file holds it (the SARIF rule catalogue trimmed)."""
    if fmt != "sarif":
        return output
    log = json.loads(output)
    run = log["runs"][0]
    used = {r["ruleId"] for r in run["results"]}
    run["tool"]["driver"]["rules"] = [r for r in run["tool"]["driver"]["rules"] if r["id"] in used]
    return json.dumps(log, indent=2) + "\n"


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs; see the module docstring to update it"


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_output_matches_the_golden_file(project: Path, run_cli: RunCli, fmt: str) -> None:
    result = run_cli("lint", "--format", fmt, "flows")
    assert result.returncode == 1
    assert result.stderr == ""
    check_golden(FORMATS[fmt], stable(fmt, result.stdout))


def sarif_of(run_cli: RunCli, *paths: str) -> dict[str, Any]:
    result = run_cli("lint", "--format", "sarif", *paths)
    assert result.stderr == ""
    log: dict[str, Any] = json.loads(result.stdout)
    return log


def sarif_validator() -> Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def test_sarif_is_valid_against_the_official_schema(project: Path, run_cli: RunCli) -> None:
    log = sarif_of(run_cli, "flows")
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(log)]
    assert errors == []
    assert log["version"] == "2.1.0"
    assert len(log["runs"][0]["results"]) == 7


def test_sarif_without_results_is_valid(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "ok.yaml").write_text("dagId: ok\ntasks:\n  - {taskId: a, operator: dummy}\n", encoding="utf-8")
    log = sarif_of(run_cli, "ok.yaml")
    assert list(sarif_validator().iter_errors(log)) == []
    assert log["runs"][0]["results"] == []


def test_sarif_rule_catalogue_is_the_registry(project: Path, run_cli: RunCli) -> None:
    log = sarif_of(run_cli, "flows")
    driver = log["runs"][0]["tool"]["driver"]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    assert [(r["id"], r["name"], r["defaultConfiguration"]["level"], r["properties"]["fixable"]) for r in driver["rules"]] == [
        (rule.CODE, rule.NAME, levels[rule.SEVERITY], rule.FIXABLE) for rule in RULES
    ]
    for rule, entry in zip(RULES, driver["rules"], strict=True):
        assert entry["fullDescription"]["text"] == (rule.__doc__ or "").strip()
        assert entry["shortDescription"]["text"].endswith(".")
    for result in log["runs"][0]["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_uris_are_percent_encoded(tmp_path: Path, run_cli: RunCli) -> None:
    folder = tmp_path / "my flows"
    folder.mkdir()
    (folder / "a#1.yaml").write_text("dagId: [\n", encoding="utf-8")
    log = sarif_of(run_cli, "my flows")
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20flows/a%231.yaml"


def test_json_has_the_documented_fields(project: Path, run_cli: RunCli) -> None:
    found = json.loads(run_cli("lint", "--format", "json", "flows").stdout)
    assert all(list(f) == ["path", "line", "column", "code", "name", "severity", "message", "fixable"] for f in found)


def test_github_escapes_properties_and_data(tmp_path: Path, run_cli: RunCli) -> None:
    folder = tmp_path / "a,b:c"
    folder.mkdir()
    (folder / "w.yaml").write_text(
        "dagId: d\ntasks:\n  - {taskId: a, operator: dummy, dependencies: ['x%y']}\n", encoding="utf-8"
    )
    result = run_cli("lint", "--format", "github", "--select", "FR002", "a,b:c")
    assert result.stdout == (
        "::error file=a%2Cb%3Ac/w.yaml,line=3,col=49,title=FR002::'x%25y' in dependencies[0] of task 'a' is not a valid name; "
        "write letters, digits and _ (then also . and -), e.g. 'x_y'\n"
    )


def test_text_summary_without_problems(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "a.yaml").write_text("dagId: a\ntasks:\n  - {taskId: a, operator: dummy}\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("dagId: b\ntasks:\n  - {taskId: b, operator: dummy}\n", encoding="utf-8")
    assert run_cli("lint", ".").stdout == "No problems found in 2 files.\n"
    assert run_cli("lint", "--format", "github", ".").stdout == ""
    assert run_cli("lint", "--format", "json", ".").stdout == "[]\n"
