"""FR103 bad-branch-target (runner/lint/rules/bad_branch_target.py), on (line, column, code)
of small fixtures.

Other rules are filtered out: only the structural rules run unless a test selects
(`DEFAULT_SELECT`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import STRUCTURAL

Lint = Callable[..., list[tuple[int, int, str]]]

DEFAULT_SELECT = STRUCTURAL


# -- FR103 bad-branch-target -----------------------------------------------------------------------

BRANCH = """
    dagId: d
    tasks:
      - taskId: check
        operator: branch
        params:
          condition: "'full'"
          branches: {{full: full_load, none: [stop, notify]}}
      - taskId: full_load
        operator: dummy
        dependencies: [{full}]
      - taskId: stop
        operator: dummy
        dependencies: [check]
      - taskId: notify
        operator: dummy
        dependencies: [{notify}]
    """


def test_fr103_targets_that_do_not_depend_on_the_branch(lint: Lint) -> None:
    text = BRANCH.format(full="stop", notify="stop")
    assert lint(text) == [(7, 24, "FR103"), (7, 48, "FR103")]


def test_fr103_direct_downstream_targets_pass(lint: Lint) -> None:
    assert lint(BRANCH.format(full="check", notify="check")) == []


def test_fr103_indirect_downstream_is_not_enough(lint: Lint) -> None:
    # notify runs after check only through stop: the branch cannot skip it.
    assert lint(BRANCH.format(full="check", notify="stop")) == [(7, 48, "FR103")]


def test_fr103_only_branch_operators_are_checked(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: a
            operator: dummy
            params: {branches: {x: b}}
          - {taskId: b, operator: dummy}
        """
    assert lint(text, "FR103") == []


def test_fr103_unknown_target_is_fr004_not_fr103(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: check
            operator: branch
            params: {condition: "'x'", branches: {x: nobody}}
        """
    assert lint(text) == [(5, 46, "FR004")]
