"""The GitHub Action (action.yml): its lint step, action/lint.py, run here as the runner runs it,
with GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP pointing at temporary files and FLOWRUN
at this checkout's flowrun. Checks the annotations, the outputs, the job summary and the SARIF file."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_env
from ruamel.yaml import YAML

PROJECT = Path(__file__).resolve().parents[2]
SCRIPT = PROJECT / "action" / "lint.py"

CLEAN = "dagId: clean\ntasks:\n  - taskId: a\n    operator: dummy\n"
# FR004 (error) at 5:20, FR102 (warning, redundant) at 10:20
BROKEN = """\
dagId: broken
tasks:
  - taskId: a
    operator: dummy
    dependencies: [nope]
  - taskId: b
    operator: dummy
    dependencies: [a]
  - taskId: c
    operator: dummy
    dependencies: [a, b]
"""
WARNED = "dagId: warned\ntasks:\n  - taskId: a\n    operator: dummy\n  - taskId: b\n    operator: dummy\n    dependencies: [a]\n  - taskId: c\n    operator: dummy\n    dependencies: [a, b]\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    flows = tmp_path / "repo" / "workflows"
    flows.mkdir(parents=True)
    (flows / "clean.yaml").write_text(CLEAN, encoding="utf-8")
    (flows / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    (flows / "a|b.yaml").write_text(WARNED, encoding="utf-8")  # a '|' in a table cell
    (tmp_path / "repo" / "docker-compose.yml").write_text("services:\n  web:\n    image: nginx\n", encoding="utf-8")
    return tmp_path / "repo"


def run_step(repo: Path, tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str], str]:
    """Run the step; its result, the outputs it wrote and the summary it wrote."""
    runner_temp = tmp_path / "runner_temp"
    runner_temp.mkdir(exist_ok=True)
    output, summary = runner_temp / "github_output", runner_temp / "step_summary"
    output.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    env = cli_env(
        FLOWRUN=shlex.join([sys.executable, "-m", "runner.cli"]),
        GITHUB_ACTIONS="true",
        GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(summary),
        RUNNER_TEMP=str(runner_temp),
        FLOWRUN_NO_CACHE="1",
        **{f"INPUT_{name.upper().replace('-', '_')}": value for name, value in inputs.items()},
    )
    result = subprocess.run([sys.executable, str(SCRIPT)], cwd=repo, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    outputs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines())
    return result, outputs, summary.read_text(encoding="utf-8")


def test_annotations_outputs_summary_and_sarif(repo: Path, tmp_path: Path) -> None:
    result, outputs, summary = run_step(repo, tmp_path, paths="workflows/ docker-compose.yml", sarif="true")
    assert result.returncode == 1, result.stderr  # an error and warnings fail at the default fail-on
    assert result.stderr == ""
    annotations = result.stdout.splitlines()
    assert "::error file=workflows/broken.yaml,line=5,col=20,title=FR004::" in "\n".join(annotations)
    assert any(a.startswith("::warning file=workflows/broken.yaml,line=11,col=20,title=FR102::") for a in annotations)
    assert all(a.startswith("::") for a in annotations) and len(annotations) == 3
    assert outputs["problems"] == "3" and outputs["category"] == "flowrun"
    sarif = Path(outputs["sarif"])
    assert sarif.parent == tmp_path / "runner_temp"
    log = json.loads(sarif.read_text(encoding="utf-8"))
    assert len(log["runs"][0]["results"]) == 3
    assert all(r["partialFingerprints"] for r in log["runs"][0]["results"])
    assert "| File | Errors | Warnings | Info |" in summary
    assert "| `workflows/broken.yaml` | 1 | 1 | 0 |" in summary
    assert "| `workflows/a\\|b.yaml` | 0 | 1 | 0 |" in summary
    assert "clean.yaml" not in summary and "docker-compose" not in summary
    assert "Found 3 problems in 2 files" in summary


def test_fail_on_and_no_sarif_unless_asked(repo: Path, tmp_path: Path) -> None:
    (repo / "workflows" / "broken.yaml").unlink()
    result, outputs, _ = run_step(repo, tmp_path, **{"fail-on": "error"})
    assert result.returncode == 0 and "::warning " in result.stdout  # warnings annotated, not failing
    assert "sarif" not in outputs and not (tmp_path / "runner_temp" / "flowrun.sarif").exists()
    result, _, _ = run_step(repo, tmp_path, **{"fail-on": "never"}, paths="workflows")
    assert result.returncode == 0
    result, _, _ = run_step(repo, tmp_path, **{"fail-on": "sometimes"})
    assert result.returncode == 2 and "unknown fail-on 'sometimes'" in result.stdout


def test_a_clean_repository_passes_with_a_short_summary(repo: Path, tmp_path: Path) -> None:
    for name in ("broken.yaml", "a|b.yaml"):
        (repo / "workflows" / name).unlink()
    result, outputs, summary = run_step(repo, tmp_path)  # paths defaults to workflows/
    assert (result.returncode, result.stdout) == (0, "")
    assert outputs["problems"] == "0" and "No problems found." in summary


def test_extra_args_reach_flowrun_and_usage_errors_stop_the_step(repo: Path, tmp_path: Path) -> None:
    result, outputs, _ = run_step(repo, tmp_path, args="--select FR004")
    assert result.returncode == 1 and outputs["problems"] == "1"
    result, outputs, summary = run_step(repo, tmp_path, args="--select NOPE")
    assert result.returncode == 2 and "unknown rule code or prefix 'NOPE'" in result.stderr
    assert outputs == {} and summary == ""


def test_the_manifest_declares_the_inputs_and_outputs_the_step_uses() -> None:
    action = YAML(typ="safe").load((PROJECT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "version", "args", "sarif", "fail-on"}
    assert action["inputs"]["paths"]["default"] == "workflows/"
    assert set(action["outputs"]) == {"sarif", "category", "problems"}
    steps = action["runs"]["steps"]
    lint = next(step for step in steps if step.get("id") == "lint")
    assert "action/lint.py" in lint["run"]
    assert {f"INPUT_{name.upper().replace('-', '_')}" for name in action["inputs"]} - {"INPUT_VERSION"} <= set(lint["env"])
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    assert "steps.venv.outputs.key" in cache["with"]["key"]
    # inputs reach shell code only through the environment, never spliced into a script
    assert all("${{ inputs." not in step.get("run", "") for step in steps)
