"""runner/lint/config.py: lint settings from `[tool.flowrun.lint]` of the nearest `pyproject.toml`
or `[lint]` of the nearest `.flowrun.toml` (SPEC section 6), on real files below tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runner.errors import UsageError
from runner.lint.config import MAX_CONFIG_BYTES, LintConfig, load, split_codes


def test_without_a_configuration_file_the_defaults(tmp_path: Path) -> None:
    config = load(tmp_path)
    assert (config.select, config.ignore, config.fail_on, config.exclude, config.root) == ([], [], "warning", [], None)


def test_the_nearest_pyproject_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.flowrun.lint]\nselect = ["fr1,FR3", "FR401"]\nignore = "fr102"\n'
        'fail-on = "error"\nexclude = ["vendor/"]\n'
    )
    (tmp_path / "flows" / "daily").mkdir(parents=True)
    config = load(tmp_path / "flows" / "daily")
    assert (config.select, config.ignore, config.fail_on) == (["FR1", "FR3", "FR401"], ["FR102"], "error")
    assert config.exclude == ["vendor/"] and config.root == tmp_path.resolve()


def test_a_pyproject_without_flowrun_settings_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / ".flowrun.toml").write_text('[lint]\nignore = ["FR4"]\n')
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    assert load(tmp_path / "pkg").ignore == ["FR4"]


def test_flowrun_toml_wins_over_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.flowrun.lint]\nselect = ["FR1"]\n')
    (tmp_path / ".flowrun.toml").write_text('[lint]\nselect = ["FR2"]\n')
    assert load(tmp_path).select == ["FR2"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('selct = ["FR1"]', "unknown lint setting 'selct'; expected one of: select, ignore, fail-on, exclude"),
        ('fail-on = "fatal"', "fail-on must be one of: "),
        ("ignore = [1, 2]", "ignore must be a list of strings"),
    ],
)
def test_bad_settings_are_one_usage_error_naming_the_file(tmp_path: Path, table: str, message: str) -> None:
    path = tmp_path / ".flowrun.toml"
    path.write_text(f"[lint]\n{table}\n")
    with pytest.raises(UsageError) as caught:
        load(tmp_path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_a_file_that_is_not_toml_or_too_large(tmp_path: Path) -> None:
    path = tmp_path / ".flowrun.toml"
    path.write_text("[lint\nselect = \n")
    with pytest.raises(UsageError, match="cannot read configuration"):
        load(tmp_path)
    path.write_text("# x\n" * (MAX_CONFIG_BYTES // 4 + 1))
    with pytest.raises(UsageError, match="the limit is 1,048,576"):
        load(tmp_path)


def test_a_symlink_is_followed_only_inside_its_directory(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "config").mkdir(parents=True)
    (project / "config" / "lint.toml").write_text('[lint]\nignore = ["FR5"]\n')
    os.symlink("config/lint.toml", project / ".flowrun.toml")
    assert load(project).ignore == ["FR5"]
    (tmp_path / "elsewhere.toml").write_text('[lint]\nignore = ["FR5"]\n')
    (project / ".flowrun.toml").unlink()
    os.symlink(tmp_path / "elsewhere.toml", project / ".flowrun.toml")
    with pytest.raises(UsageError, match=r"outside .*make it a regular file"):
        load(project)


def test_select_and_ignore_by_prefix_and_fr001_always_reported() -> None:
    config = LintConfig(select=["FR4"], ignore=["FR406"])
    assert [code for code in ("FR001", "FR002", "FR401", "fr405", "FR406") if config.selects(code)] == \
        ["FR001", "FR401", "fr405"]
    assert not LintConfig(ignore=["FR001"]).selects("FR001")
    assert split_codes(["fr1, FR3", "", "FR401,"]) == ["FR1", "FR3", "FR401"]


def test_exclude_globs_are_relative_to_the_configuration(tmp_path: Path) -> None:
    config = LintConfig(exclude=["vendor/", "flows/*_old.yaml"], root=tmp_path)
    assert config.excludes(tmp_path / "vendor" / "lib" / "wf.yaml")
    assert config.excludes(tmp_path / "flows" / "etl_old.yaml")
    assert not config.excludes(tmp_path / "flows" / "etl.yaml")
    assert not config.excludes(tmp_path / "src" / "vendor.yaml")
    assert not LintConfig().excludes(tmp_path / "vendor" / "wf.yaml")
