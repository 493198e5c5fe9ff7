"""`flowrun lint` end to end, through the real command: exit statuses, options, configuration,
suppressions and file discovery (SPEC sections 4 and 6)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_env, flowrun

RunCli = Callable[..., subprocess.CompletedProcess[str]]
Write = Callable[..., Path]

CLEAN = """\
dagId: clean
tasks:
  - taskId: a
    operator: dummy
  - taskId: b
    operator: dummy
    dependencies: [a]
"""

# line 9: FR102 (warning, fixable); line 10: FR004 (error); line 13: FR104 (warning)
MIXED = """\
dagId: mixed
tasks:
  - taskId: a
    operator: dummy
  - taskId: b
    operator: dummy
    dependencies: [a]
  - taskId: c
    operator: dummy
    dependencies: [a, b, ghost]
  - taskId: d
    operator: dummy
    triggerRule: all_done
"""

# only warnings: FR102 at 10:20 and FR104 at 13:18
WARNINGS = MIXED.replace(", ghost]", "]")


def codes(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [f["code"] for f in json.loads(result.stdout)]


@pytest.fixture
def mixed(write: Write) -> Path:
    return write("mixed.yaml", MIXED)


# -- exit statuses --------------------------------------------------------------------------------------


def test_clean_file_exits_0(write: Write, run_cli: RunCli) -> None:
    write("clean.yaml", CLEAN)
    result = run_cli("lint", "clean.yaml")
    assert (result.returncode, result.stdout, result.stderr) == (0, "No problems found in 1 file.\n", "")


def test_findings_exit_1_with_the_text_report(mixed: Path, run_cli: RunCli) -> None:
    result = run_cli("lint", "mixed.yaml")
    assert result.returncode == 1
    assert result.stdout == (
        "mixed.yaml:10:20: FR102 [warning] dependency on 'a' is redundant: a -> b -> c already orders them (fixable)\n"
        "mixed.yaml:10:26: FR004 [error] dependency 'ghost' of task 'c' names no task\n"
        "mixed.yaml:13:18: FR104 [warning] task 'd' has triggerRule 'all_done' but no dependencies, so the rule never applies\n"
        "Found 3 problems (1 error, 2 warnings) in 1 file; 1 fixable with --fix.\n"
    )
    assert result.stderr == ""


def test_warnings_alone_fail_by_default(write: Write, run_cli: RunCli) -> None:
    write("w.yaml", WARNINGS)
    assert run_cli("lint", "w.yaml").returncode == 1


def test_broken_yaml_is_a_finding_not_a_usage_error(write: Write, run_cli: RunCli) -> None:
    write("broken.yaml", "dagId: [\n")
    result = run_cli("lint", "broken.yaml")
    assert result.returncode == 1
    assert result.stdout.startswith("broken.yaml:1:9: FR001 [error] invalid YAML: ")


def test_missing_path_exits_2_with_one_line(write: Write, run_cli: RunCli) -> None:
    write("clean.yaml", CLEAN)
    result = run_cli("lint", "clean.yaml", "nope.yaml")
    assert result.returncode == 2
    assert result.stderr == "flowrun: error: nope.yaml: no such file or directory\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--bogus"], "No such option: --bogus"),
        (["--format", "xml"], "unknown format 'xml'"),
        (["--fail-on", "fatal"], "unknown --fail-on 'fatal'"),
        (["--select", "FR999"], "unknown rule code or prefix 'FR999'"),
        (["--ignore", "XX1"], "unknown rule code or prefix 'XX1'"),
    ],
)
def test_usage_errors_exit_2(mixed: Path, run_cli: RunCli, args: list[str], fragment: str) -> None:
    result = run_cli("lint", *args, "mixed.yaml")
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_no_path_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("lint")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# -- selection ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], ["FR102", "FR004", "FR104"]),
        (["--select", "fr1"], ["FR102", "FR104"]),  # a prefix, in any case
        (["--select", "FR004,FR104"], ["FR004", "FR104"]),  # a comma-separated list
        (["--select", "FR004", "--select", "FR102"], ["FR102", "FR004"]),  # repeated
        (["--select", "FR1", "--ignore", "FR104, FR0", "--ignore", "FR101"], ["FR102"]),
    ],
    ids=["all", "prefix", "comma", "repeated", "ignore"],
)
def test_select_and_ignore(mixed: Path, run_cli: RunCli, args: list[str], expected: list[str]) -> None:
    result = run_cli("lint", "--format", "json", *args, "mixed.yaml")
    assert codes(result) == expected
    assert result.returncode == 1


@pytest.mark.parametrize(
    ("fail_on", "file", "status"),
    [
        ("error", "w.yaml", 0),
        ("error", "mixed.yaml", 1),
        ("info", "info.yaml", 1),
    ],
)
def test_fail_on(write: Write, run_cli: RunCli, fail_on: str, file: str, status: int) -> None:
    write("w.yaml", WARNINGS)
    write("mixed.yaml", MIXED)
    write("info.yaml", CLEAN.replace("dagId: clean", "dagId: clean  # flowrun: ignore[FR003]"))  # FR006 (info)
    result = run_cli("lint", "--fail-on", fail_on, file)
    assert result.returncode == status, result.stdout
    assert result.stdout.startswith(f"{file}:")


def test_exit_zero(mixed: Path, run_cli: RunCli) -> None:
    result = run_cli("lint", "--exit-zero", "mixed.yaml")
    assert result.returncode == 0
    assert "Found 3 problems" in result.stdout


# -- formats --------------------------------------------------------------------------------------------


def test_github_actions_environment_picks_the_github_format(mixed: Path, run_cli: RunCli) -> None:
    result = run_cli("lint", "mixed.yaml", env=cli_env(GITHUB_ACTIONS="true"))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[1] == "::error file=mixed.yaml,line=10,col=26,title=FR004::dependency 'ghost' of task 'c' names no task"
    assert all(line.startswith(("::error ", "::warning ")) for line in lines)


def test_explicit_format_wins_over_github_actions(mixed: Path, run_cli: RunCli) -> None:
    result = run_cli("lint", "--format", "json", "mixed.yaml", env=cli_env(GITHUB_ACTIONS="true"))
    assert codes(result) == ["FR102", "FR004", "FR104"]


# -- configuration --------------------------------------------------------------------------------------


def test_pyproject_configuration(tmp_path: Path, write: Write, run_cli: RunCli) -> None:
    write("mixed.yaml", MIXED)
    write("pyproject.toml", '[project]\nname = "x"\n\n[tool.flowrun.lint]\nignore = ["FR004"]\nfail-on = "error"\n')
    result = run_cli("lint", "--format", "json", "mixed.yaml")
    assert codes(result) == ["FR102", "FR104"]
    assert result.returncode == 0  # only warnings left, and fail-on is error


def test_dot_flowrun_toml_configuration(write: Write, run_cli: RunCli) -> None:
    write("mixed.yaml", MIXED)
    write(".flowrun.toml", '[lint]\nselect = ["FR1"]\n')
    assert codes(run_cli("lint", "--format", "json", "mixed.yaml")) == ["FR102", "FR104"]


def test_dot_flowrun_toml_wins_over_pyproject_in_the_same_directory(write: Write, run_cli: RunCli) -> None:
    write("mixed.yaml", MIXED)
    write(".flowrun.toml", '[lint]\nselect = ["FR104"]\n')
    write("pyproject.toml", '[tool.flowrun.lint]\nselect = ["FR004"]\n')
    assert codes(run_cli("lint", "--format", "json", "mixed.yaml")) == ["FR104"]


def test_configuration_is_found_in_a_parent_directory(tmp_path: Path, write: Write, run_cli: RunCli) -> None:
    write("pyproject.toml", '[tool.flowrun.lint]\nselect = ["FR004"]\n')
    write("sub/dir/mixed.yaml", MIXED)
    result = run_cli("lint", "--format", "json", "mixed.yaml", cwd=tmp_path / "sub" / "dir")
    assert codes(result) == ["FR004"]


def test_command_line_select_overrides_the_configuration(write: Write, run_cli: RunCli) -> None:
    write("mixed.yaml", MIXED)
    write(".flowrun.toml", '[lint]\nselect = ["FR004"]\nignore = ["FR104"]\n')
    result = run_cli("lint", "--format", "json", "--select", "FR1", "mixed.yaml")
    assert codes(result) == ["FR102"]  # --select replaces, the configured ignore still applies


def test_exclude_globs_are_relative_to_the_configuration(write: Write, run_cli: RunCli) -> None:
    write("pyproject.toml", '[tool.flowrun.lint]\nexclude = ["vendor/**", "*.generated.yaml"]\n')
    write("workflows/mixed.yaml", MIXED)
    write("workflows/out.generated.yaml", MIXED)
    write("vendor/lib/mixed.yaml", MIXED)
    result = run_cli("lint", ".", "--format", "json")
    assert sorted({f["path"] for f in json.loads(result.stdout)}) == ["workflows/mixed.yaml"]
    # an excluded file named on the command line is skipped too (pre-commit names files;
    # ruff would need force-exclude for this)
    result = run_cli("lint", "vendor/lib/mixed.yaml")
    assert (result.returncode, result.stdout) == (0, "No problems found in 0 files.\n")


@pytest.mark.parametrize(
    "config",
    [
        '[tool.flowrun.lint]\nselekt = ["FR1"]\n',
        '[tool.flowrun.lint]\nfail-on = "sometimes"\n',
        "[tool.flowrun.lint\n",
    ],
)
def test_bad_configuration_exits_2_with_one_line(write: Write, run_cli: RunCli, config: str) -> None:
    write("mixed.yaml", MIXED)
    write("pyproject.toml", config)
    result = run_cli("lint", "mixed.yaml")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


# -- suppressions ---------------------------------------------------------------------------------------

UNUSED = "# flowrun: ignore-file[FR005]\n" + CLEAN.replace("  - taskId: b\n", "  - taskId: b  # flowrun: ignore[FR102, FR004]\n")

SUPPRESSION_CASES = {
    "line.yaml": MIXED.replace("[a, b, ghost]", "[a, b, ghost]  # flowrun: ignore[FR102]"),
    "task.yaml": MIXED.replace("  - taskId: c\n", "  - taskId: c  # flowrun: ignore[FR102,FR004]\n"),
    "prefix.yaml": MIXED.replace("  - taskId: c\n", "  - taskId: c  # flowrun: ignore[FR]\n"),
    "elsewhere.yaml": MIXED.replace(
        "    operator: dummy\n    triggerRule", "    operator: dummy  # flowrun: ignore[FR104]\n    triggerRule"
    ),
    "file.yaml": "# flowrun: ignore-file[FR102, FR104]\n" + MIXED,
    "file_trailing.yaml": MIXED.replace("dagId: mixed", "dagId: mixed  # flowrun: ignore-file[FR104]"),
    "unused.yaml": UNUSED,
}


@pytest.fixture(scope="module")
def suppressed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[int, str]]]:
    """One `flowrun lint --format json .` over every suppression case: (line, code) per file."""
    root = tmp_path_factory.mktemp("suppressions")
    for name, text in SUPPRESSION_CASES.items():
        (root / name).write_text(text, encoding="utf-8")
    result = flowrun("lint", "--format", "json", ".", cwd=root)
    assert result.returncode == 1 and result.stderr == ""
    out: dict[str, list[tuple[int, str]]] = {name: [] for name in SUPPRESSION_CASES}
    for f in json.loads(result.stdout):
        out[f["path"]].append((f["line"], f["code"]))
    return out


def test_suppression_on_the_reported_line(suppressed: dict[str, list[tuple[int, str]]]) -> None:
    assert suppressed["line.yaml"] == [(10, "FR004"), (13, "FR104")]


def test_suppression_on_the_task_id_line_covers_the_task(suppressed: dict[str, list[tuple[int, str]]]) -> None:
    assert suppressed["task.yaml"] == [(13, "FR104")]


def test_suppression_by_prefix(suppressed: dict[str, list[tuple[int, str]]]) -> None:
    assert suppressed["prefix.yaml"] == [(13, "FR104")]


def test_suppression_does_not_reach_other_lines_of_the_task(suppressed: dict[str, list[tuple[int, str]]]) -> None:
    assert suppressed["elsewhere.yaml"] == [(10, "FR102"), (10, "FR004"), (12, "FR006"), (13, "FR104")]


def test_ignore_file(suppressed: dict[str, list[tuple[int, str]]]) -> None:
    assert suppressed["file.yaml"] == [(11, "FR004")]


def test_ignore_file_must_stand_on_its_own_line(suppressed: dict[str, list[tuple[int, str]]]) -> None:
    # it suppresses nothing, and says so (FR006 at the comment)
    assert suppressed["file_trailing.yaml"] == [(1, "FR006"), (10, "FR102"), (10, "FR004"), (13, "FR104")]


def test_unused_suppressions_are_reported_as_fr006(write: Write, run_cli: RunCli) -> None:
    write("s.yaml", UNUSED)
    result = run_cli("lint", "s.yaml")
    assert result.stdout == (
        "s.yaml:1:1: FR006 [info] unused suppression: no FR005 finding in this file\n"
        "s.yaml:6:16: FR006 [info] unused suppression: no FR004 finding on this line or task\n"
        "s.yaml:6:16: FR006 [info] unused suppression: no FR102 finding on this line or task\n"
        "Found 3 problems (3 info) in 1 file.\n"
    )
    assert result.returncode == 0  # info does not fail at the default level


def test_suppression_lines_are_yaml_lines(lint: Callable[..., list[tuple[int, int, str]]]) -> None:
    # U+2028 and U+0085 are not line breaks in YAML 1.2 (nor for editors): they must not shift
    # the lines of findings or of suppression comments
    text = 'dagId: d\ndescription: "a\u2028b\x85c"\n' + MIXED.split("\n", 1)[1].replace(
        "[a, b, ghost]", "[a, b, ghost]  # flowrun: ignore[FR004]"
    )
    assert lint(text, ("FR0", "FR1")) == [(11, 20, "FR102"), (14, 18, "FR104")]


def test_broken_file_reports_only_unused_fr001_suppressions(lint: Callable[..., list[tuple[int, int, str]]]) -> None:
    # no other rule ran, so a suppression of FR102 is not "unused"
    assert lint("dagId: d  # flowrun: ignore[FR102]\ntasks: [\n") == [(2, 9, "FR001")]
    assert lint("dagId: d\ntasks: [  # flowrun: ignore[FR001]\n") == []
    assert lint("dagId: d  # flowrun: ignore[FR001]\ntasks: [\n") == [(1, 11, "FR006"), (2, 9, "FR001")]


def test_suppressions_of_rules_that_did_not_run_are_not_unused(write: Write, run_cli: RunCli) -> None:
    write("s.yaml", CLEAN.replace("  - taskId: b\n", "  - taskId: b  # flowrun: ignore[FR102]\n"))
    result = run_cli("lint", "--select", "FR0", "s.yaml")
    assert result.stdout == "No problems found in 1 file.\n"


def test_fr006_can_itself_be_ignored(write: Write, run_cli: RunCli) -> None:
    write("s.yaml", CLEAN.replace("  - taskId: b\n", "  - taskId: b  # flowrun: ignore[FR102]\n"))
    assert run_cli("lint", "--ignore", "FR006", "s.yaml").stdout == "No problems found in 1 file.\n"


# -- files ----------------------------------------------------------------------------------------------


def test_directories_are_searched_recursively_for_yaml_files(write: Write, run_cli: RunCli) -> None:
    write("wf/a.yaml", WARNINGS)
    write("wf/deep/er/b.yml", WARNINGS)
    write("wf/c.YAML.txt", "not: [yaml\n")
    write("wf/notes.md", "# not yaml\n")
    write("wf/.hidden/d.yaml", "dagId: [\n")
    write("wf/clean.yaml", CLEAN)
    result = run_cli("lint", "wf", "--format", "json")
    assert sorted({f["path"] for f in json.loads(result.stdout)}) == ["wf/a.yaml", "wf/deep/er/b.yml"]
    summary = run_cli("lint", "wf").stdout.splitlines()[-1]
    assert summary == "Found 4 problems (4 warnings) in 2 files; 2 fixable with --fix."


def test_a_file_named_twice_is_linted_once(write: Write, run_cli: RunCli) -> None:
    write("wf/a.yaml", WARNINGS)
    result = run_cli("lint", "wf/a.yaml", "wf", "wf/a.yaml", "--format", "json")
    assert len(json.loads(result.stdout)) == 2


def test_several_files_and_their_summary(write: Write, run_cli: RunCli) -> None:
    write("a.yaml", MIXED)
    write("b.yaml", CLEAN)
    write("c.yaml", "- not a mapping\n")
    result = run_cli("lint", "c.yaml", "b.yaml", "a.yaml")
    lines = result.stdout.splitlines()
    assert lines[0] == "c.yaml:1:1: FR001 [error] the top level must be a mapping (dagId:, tasks:, ...), found a list"
    assert lines[-1] == "Found 4 problems (2 errors, 2 warnings) in 2 files; 1 fixable with --fix."
    assert result.returncode == 1


def test_select_never_hides_a_file_that_does_not_parse(run_cli: Any, write: Any) -> None:
    path = write("broken.yaml", "dagId: x\ntasks: [\n")
    selected = run_cli("lint", "--select", "FR1", str(path))
    assert selected.returncode == 1 and "FR001" in selected.stdout
    ignored = run_cli("lint", "--ignore", "FR001", str(path))
    assert ignored.returncode == 0 and "FR001" not in ignored.stdout
