"""FR104 trigger-rule-without-upstream (runner/lint/rules/trigger_rule_without_upstream.py), on (line, column, code)
of small fixtures.

Other rules are filtered out: only the structural rules run unless a test selects
(`DEFAULT_SELECT`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import STRUCTURAL

Lint = Callable[..., list[tuple[int, int, str]]]

DEFAULT_SELECT = STRUCTURAL


# -- FR104 trigger-rule-without-upstream -----------------------------------------------------------


def test_fr104_non_default_rule_without_dependencies(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: work
            operator: dummy
          - taskId: cleanup
            operator: dummy
            triggerRule: all_done
        """
    assert lint(text) == [(7, 18, "FR104")]


@pytest.mark.parametrize("extra", ["    triggerRule: all_success\n", "    triggerRule: all_done\n    dependencies: [work]\n", ""])
def test_fr104_default_rule_or_with_upstream_passes(lint: Lint, extra: str) -> None:
    text = "dagId: d\ntasks:\n  - {taskId: work, operator: dummy}\n  - taskId: cleanup\n    operator: dummy\n" + extra
    assert lint(text) == []


def test_fr104_empty_dependency_list_counts_as_none(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, triggerRule: always, dependencies: []}
        """
    assert lint(text) == [(3, 47, "FR104")]
