"""FR105 branch-join-always-skipped (runner/lint/rules/branch_join_always_skipped.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR105 branch-join-always-skipped -------------------------------------------------------------

BRANCHES = """
dagId: d
tasks:
  - taskId: check
    operator: branch
    params:
      condition: "'full' if ds.endswith('01') else 'delta'"
      branches: {full: full_load, delta: [delta_load, delta_check]}
  - {taskId: full_load, operator: dummy, dependencies: [check]}
  - {taskId: delta_load, operator: dummy, dependencies: [check]}
  - {taskId: delta_check, operator: dummy, dependencies: [check]}
"""


def test_fr105_join_of_two_branches_with_the_default_rule(lint: Lint, findings: Findings) -> None:
    text = BRANCHES + """\
  - taskId: publish
    operator: dummy
    dependencies: [full_load, delta_load]
  - taskId: after_publish
    operator: dummy
    dependencies: [publish]
"""
    assert lint(text, "FR105") == [(11, 13, "FR105")]
    (finding,) = findings(text, "FR105")
    assert "none_failed_min_one_success" in finding.message and "'check'" in finding.message


@pytest.mark.parametrize("rule", ["all_success", "none_skipped", "all_done_min_one_success", "all_failed"])
def test_fr105_rules_needing_every_upstream_are_reported_at_the_rule(lint: Lint, rule: str) -> None:
    text = BRANCHES + f"""\
  - taskId: publish
    operator: dummy
    triggerRule: {rule}
    dependencies: [full_load, delta_load]
"""
    assert lint(text, "FR105") == [(13, 18, "FR105")]


@pytest.mark.parametrize("rule", ["none_failed_min_one_success", "none_failed", "one_success", "all_done", "always"])
def test_fr105_rules_that_accept_a_skipped_branch_pass(lint: Lint, rule: str) -> None:
    text = BRANCHES + f"""\
  - taskId: publish
    operator: dummy
    triggerRule: {rule}
    dependencies: [full_load, delta_load]
  - taskId: after_publish
    operator: dummy
    dependencies: [publish]
"""
    assert lint(text, "FR105") == []


def test_fr105_join_through_descendants_of_the_branches(lint: Lint) -> None:
    text = BRANCHES + """\
  - {taskId: transform, operator: dummy, dependencies: [full_load]}
  - {taskId: publish, operator: dummy, dependencies: [transform, delta_check]}
"""
    assert lint(text, "FR105") == [(12, 14, "FR105")]


def test_fr105_tasks_of_one_branch_and_the_branch_itself_are_not_a_join(lint: Lint) -> None:
    text = BRANCHES + """\
  - {taskId: both_delta, operator: dummy, dependencies: [delta_load, delta_check]}
  - {taskId: with_branch, operator: dummy, dependencies: [check, full_load]}
  - {taskId: unrelated, operator: dummy}
  - {taskId: mixed, operator: dummy, dependencies: [unrelated, full_load]}
"""
    assert lint(text, "FR105") == []


def test_fr105_with_a_cycle_says_nothing(lint: Lint) -> None:
    text = BRANCHES + """\
  - {taskId: x, operator: dummy, dependencies: [full_load, delta_load, y]}
  - {taskId: y, operator: dummy, dependencies: [x]}
"""
    assert lint(text, "FR105") == []
