"""`flowrun init NAME [--example ...]` and `flowrun schema --modeline`, as a user runs them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from runner_helpers import flowrun

from runner.cli.init import EXAMPLES
from runner.schema.published import modeline

ROOT = Path(__file__).resolve().parents[2]
MODELINE = "# yaml-language-server: $schema=https://flowrun.dev/schemas/v1/workflow.schema.json"


def _one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("flowrun: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0]


def test_schema_modeline_prints_the_line_for_this_version(tmp_path: Path) -> None:
    proc = flowrun(tmp_path, "schema", "--modeline")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == MODELINE + "\n" == modeline() + "\n"
    whole = flowrun(tmp_path, "schema")
    assert whole.stdout.startswith('{\n  "$schema"')  # without the option: the schema itself


def test_init_writes_a_lint_clean_workflow_that_runs(tmp_path: Path) -> None:
    proc = flowrun(tmp_path, "init", "daily-report")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "daily-report.flowrun.yaml"
    assert proc.stdout == ("created 'daily-report.flowrun.yaml' (dagId 'daily-report'); "
                           "next: flowrun run daily-report.flowrun.yaml --dry-run\n")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == flowrun(tmp_path, "schema", "--modeline").stdout.strip()
    assert re.search(r"^dagId: daily-report$", text, re.MULTILINE)
    lint = flowrun(tmp_path, "lint", path.name, "--fail-on", "info", "--no-cache")
    assert lint.returncode == 0 and lint.stdout.startswith("No problems found"), lint.stdout
    run = flowrun(tmp_path, "run", path.name)
    assert run.returncode == 0, run.stdout + run.stderr
    assert ": success" in run.stdout.splitlines()[-1]


@pytest.mark.parametrize("example", list(EXAMPLES))
def test_examples_are_the_workflows_under_a_new_dag_id(tmp_path: Path, example: str) -> None:
    proc = flowrun(tmp_path, "init", f"my_{example}", "--example", example)
    assert proc.returncode == 0, proc.stderr
    written = (tmp_path / f"my_{example}.flowrun.yaml").read_text(encoding="utf-8")
    source = (ROOT / "workflows" / EXAMPLES[example][1]).read_text(encoding="utf-8")
    lines = written.split("\n")
    assert lines[0] == MODELINE
    assert lines[1].startswith(f"# Started from flowrun's example workflows/{EXAMPLES[example][1]}")
    # taken from workflows/: the same text, comments included, but for the one dagId line
    expected = re.sub(r"^dagId: .*$", f"dagId: my_{example}", source, count=1, flags=re.MULTILINE)
    assert "\n".join([lines[0], *lines[2:]]) == expected
    lint = flowrun(tmp_path, "lint", ".", "--fail-on", "info", "--no-cache")
    assert lint.returncode == 0 and lint.stdout.startswith("No problems found"), lint.stdout
    plan = flowrun(tmp_path, "run", f"my_{example}.flowrun.yaml", "--dry-run", "--format", "json")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert f'"my_{example}"' in plan.stdout


def test_packaged_examples_are_links_to_workflows() -> None:
    for shipped, source in EXAMPLES.values():
        link = ROOT / "runner" / "cli" / "examples" / shipped
        assert link.is_symlink()
        assert link.resolve() == (ROOT / "workflows" / source).resolve()


@pytest.mark.parametrize(("name", "path", "dag_id"), [
    ("sales.yaml", "sales.yaml", "sales"),
    ("sales.yml", "sales.yml", "sales"),
    ("sub/sales.flowrun.yaml", "sub/sales.flowrun.yaml", "sales"),
    ("sub/v2.sales", "sub/v2.sales.flowrun.yaml", "v2.sales"),
])
def test_name_or_path(tmp_path: Path, name: str, path: str, dag_id: str) -> None:
    (tmp_path / "sub").mkdir()
    proc = flowrun(tmp_path, "init", name)
    assert proc.returncode == 0, proc.stderr
    assert f"dagId: {dag_id}\n" in (tmp_path / path).read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [Path(path).name]


def test_never_overwrites_a_file(tmp_path: Path) -> None:
    path = tmp_path / "report.flowrun.yaml"
    path.write_text("dagId: mine\n")
    _one_line_error(flowrun(tmp_path, "init", "report"), "'report.flowrun.yaml' already exists (a file)", "remove it")
    _one_line_error(flowrun(tmp_path, "init", "report", "--example", "etl"), "already exists")
    assert path.read_text() == "dagId: mine\n"


def test_never_writes_through_a_symlink(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep me\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / "linked.flowrun.yaml").symlink_to(victim)
    (work / "dangling.flowrun.yaml").symlink_to(outside / "created.txt")
    _one_line_error(flowrun(work, "init", "linked"), "already exists (a symlink)")
    _one_line_error(flowrun(work, "init", "dangling"), "already exists (a symlink)")
    assert victim.read_text() == "keep me\n"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]  # nothing made at the dangling target


def test_refuses_a_directory_at_the_path(tmp_path: Path) -> None:
    (tmp_path / "d.flowrun.yaml").mkdir()
    _one_line_error(flowrun(tmp_path, "init", "d"), "already exists (a directory)")


@pytest.mark.parametrize(("args", "words"), [
    (("my report",), ("'my report' cannot be a dagId", "write e.g. 'flowrun init my_report'")),
    (("x" * 201,), ("at most 200 characters",)),
    (("",), ("the workflow name is empty",)),
    (("ok", "--example", "etl2"), ("unknown example 'etl2'; expected one of: etl, branch, http",)),
    (("missing/dir/x",), ("directory 'missing/dir' does not exist", "mkdir -p missing/dir")),
])
def test_bad_input_is_one_line(tmp_path: Path, args: tuple[str, ...], words: tuple[str, ...]) -> None:
    proc = flowrun(tmp_path, "init", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    for word in words:
        _one_line_error(proc, word)
    assert list(tmp_path.iterdir()) == []


def test_a_file_where_the_directory_should_be_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("")
    _one_line_error(flowrun(tmp_path, "init", "notes/x"), "cannot create 'notes/x.flowrun.yaml': Not a directory")


def test_init_comes_first_in_help(tmp_path: Path) -> None:
    proc = flowrun(tmp_path, "--help")
    commands = [line.split()[0] for line in proc.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert commands[:3] == ["init", "lint", "rules"]
    assert commands.index("schema") < commands.index("run")


def test_init_imports_nothing_of_the_runner(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "runner.cli", "init", "light"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
               if line.startswith("import time:") and "|" in line}
    assert "runner.cli.init" in modules
    assert not {"trio", "jinja2", "runner.lint.linter", "jsonschema"} & modules
