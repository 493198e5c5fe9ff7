"""Every rule's docstring is its documentation (`flowrun rule CODE`), and its examples are true:
the example under *Example* makes the rule report, the one under *Use instead* does not."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from types import ModuleType

import pytest

from runner.findings import SEVERITIES
from runner.lint.linter import lint_text
from runner.lint.rules import BY_CODE, RULES, get

RunCli = Callable[..., subprocess.CompletedProcess[str]]

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
_HEADING = re.compile(r"^## (.+)$", re.MULTILINE)
_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def sections(rule: ModuleType) -> dict[str, str]:
    doc = rule.__doc__ or ""
    parts = _HEADING.split(doc)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def yaml_block(rule: ModuleType, section: str) -> str:
    blocks = _YAML_BLOCK.findall(sections(rule)[section])
    assert len(blocks) == 1, f"{rule.CODE}: expected one ```yaml block under '{section}'"
    return str(blocks[0])


def codes_of(text: str) -> list[str]:
    return [f.code for f in lint_text(text)]


@pytest.mark.parametrize("rule", RULES, ids=[r.CODE for r in RULES])
def test_rule_module_declares_its_identity(rule: ModuleType) -> None:
    assert re.fullmatch(r"FR\d{3}", rule.CODE)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.NAME)
    assert rule.SEVERITY in SEVERITIES
    assert isinstance(rule.FIXABLE, bool)
    assert callable(rule.check)
    assert BY_CODE[rule.CODE] is rule and get(rule.CODE.lower()) is rule


def test_registry_is_in_code_order_without_duplicates() -> None:
    codes = [rule.CODE for rule in RULES]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("rule", RULES, ids=[r.CODE for r in RULES])
def test_docstring_has_the_sections_in_order(rule: ModuleType) -> None:
    found = list(sections(rule))
    assert found[: len(SECTIONS)] == list(SECTIONS), f"{rule.CODE}: sections {found}"
    for name in SECTIONS:
        assert sections(rule)[name].strip(), f"{rule.CODE}: empty section '{name}'"


@pytest.mark.parametrize("rule", RULES, ids=[r.CODE for r in RULES])
def test_example_makes_the_rule_report(rule: ModuleType) -> None:
    found = codes_of(yaml_block(rule, "Example"))
    assert rule.CODE in found, f"{rule.CODE}: the example yields {found}"
    if rule.CODE == "FR001":
        assert found == ["FR001"]  # nothing else can run on a file that does not parse


@pytest.mark.parametrize("rule", RULES, ids=[r.CODE for r in RULES])
def test_use_instead_does_not(rule: ModuleType) -> None:
    found = codes_of(yaml_block(rule, "Use instead"))
    assert rule.CODE not in found, f"{rule.CODE}: the fixed example still yields {found}"
    assert not {"FR001", "FR002"} & set(found), f"{rule.CODE}: the fixed example is not a valid workflow: {found}"


def test_rules_command_lists_the_registry(run_cli: RunCli) -> None:
    result = run_cli("rules")
    assert result.returncode == 0
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [row[:3] for row in rows] == [[r.CODE, r.NAME, r.SEVERITY] for r in RULES]
    assert [row[3:] for row in rows] == [["fixable"] if r.FIXABLE else [] for r in RULES]


def test_rule_command_prints_the_documentation(run_cli: RunCli) -> None:
    result = run_cli("rule", "fr102")
    assert result.returncode == 0
    assert result.stdout.startswith("# FR102 redundant-dependency (warning, fixable)\n\n## What it does\n")
    assert "## Use instead\n```yaml\n" in result.stdout


def test_rule_command_with_an_unknown_code_exits_2(run_cli: RunCli) -> None:
    result = run_cli("rule", "FR999")
    assert result.returncode == 2
    assert result.stderr == "flowrun: error: unknown rule 'FR999'; see 'flowrun rules'\n"
