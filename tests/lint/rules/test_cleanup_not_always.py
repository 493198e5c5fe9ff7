"""FR405 cleanup-not-always (runner/lint/rules/cleanup_not_always.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import bash

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR405 cleanup-not-always ---------------------------------------------------------------------

CLEANUP = """
dagId: d
tasks:
  - {taskId: work, operator: bash, params: {command: ./work.sh /tmp/scratch}}
  - taskId: cleanup
    operator: bash
    dependencies: [work]
    params:
      command: {command}
"""


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf /tmp/scratch",
        "rm -r -f /tmp/scratch",
        "rm --recursive --force /tmp/scratch",
        "sudo rm -fR /tmp/scratch",
        "/bin/rm -rf /tmp/scratch_{{ ds }}",
        "\"set -e; rm -rf /tmp/scratch; rm -f /tmp/lock; rmdir /tmp/empty; echo cleaned\"",
    ],
)
def test_fr405_cleanup_with_the_default_rule(lint: Lint, command: str) -> None:
    assert lint(CLEANUP.replace("{command}", command), "FR405") == [(8, 16, "FR405")]


def test_fr405_cleanup_with_another_rule_is_reported(lint: Lint, findings: Findings) -> None:
    text = CLEANUP.replace("{command}", "rm -rf /tmp/scratch").replace("    dependencies: [work]\n", "    dependencies: [work]\n    triggerRule: none_failed\n")
    assert lint(text, "FR405") == [(9, 16, "FR405")]
    assert "'none_failed'" in findings(text, "FR405")[0].message


@pytest.mark.parametrize("rule", ["all_done", "always"])
def test_fr405_cleanup_that_always_runs_passes(lint: Lint, rule: str) -> None:
    text = CLEANUP.replace("{command}", "rm -rf /tmp/scratch").replace("    dependencies: [work]\n", f"    dependencies: [work]\n    triggerRule: {rule}\n")
    assert lint(text, "FR405") == []


def test_fr405_trigger_rule_from_defaults(lint: Lint) -> None:
    text = "defaults: {triggerRule: all_done}\n" + CLEANUP.replace("{command}", "rm -rf /tmp/scratch")
    assert lint(text, "FR405") == []


@pytest.mark.parametrize(
    "command",
    [
        "rm -r /tmp/scratch",
        "rm -f /tmp/lock",
        "\"rm -rf build && ./build.sh build\"",
        "\"echo 'rm -rf /tmp/scratch'\"",
        "\"cat <<EOF > note.txt\\nrm -rf /tmp/scratch\\nEOF\"",
    ],
)
def test_fr405_not_a_recursive_cleanup_passes(lint: Lint, command: str) -> None:
    assert lint(CLEANUP.replace("{command}", command), "FR405") == []


def test_fr405_a_task_without_upstream_always_runs(lint: Lint) -> None:
    assert lint(bash("rm -rf /tmp/scratch"), "FR405") == []
