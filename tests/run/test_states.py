"""runner/run/states.py: the task states and their sets have one home, and the trigger rules agree with it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import runner
from runner.run import states
from runner.run.trigger_rules import TRIGGER_RULES, decide

NAMED_SETS = {"FINAL": states.FINAL, "FINISHED_OR_REMOVED": states.FINISHED_OR_REMOVED,
              "KEPT_ON_RESUME": states.KEPT_ON_RESUME}


@pytest.mark.parametrize("state", states.TASK_STATES)
def test_a_trigger_rule_counts_exactly_the_final_states_as_done(state: str) -> None:
    """`all_done` runs once every upstream is done: done is FINAL, so `up_for_retry` still waits."""
    assert (decide("all_done", [state]) == "run") == (state in states.FINAL)


@pytest.mark.parametrize("rule", TRIGGER_RULES)
def test_no_rule_decides_while_an_upstream_is_not_final(rule: str) -> None:
    """With one upstream still running or retrying, no rule that needs every upstream can run yet."""
    if rule in ("always", "one_success", "one_failed", "one_done"):
        return  # these may fire early, on the other upstream (Airflow's rules)
    for waiting in sorted(set(states.TASK_STATES) - states.FINAL - {"removed"}):
        assert decide(rule, ["success", waiting]) != "run", (rule, waiting)


def test_the_sets_differ_only_as_their_names_say() -> None:
    extra = states.FINISHED_OR_REMOVED - states.FINAL
    assert extra == {"removed"}
    assert states.KEPT_ON_RESUME < states.FINAL and states.FAILED < states.FINAL
    assert not states.KEPT_ON_RESUME & states.FAILED  # a failed task always runs again on --resume
    assert "up_for_retry" not in states.FINAL  # a task waiting to retry runs again
    for name, members in [*NAMED_SETS.items(), ("FAILED", states.FAILED)]:
        assert members <= set(states.TASK_STATES), name


def _literal_sets(path: Path) -> list[tuple[int, frozenset[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Tuple, ast.Set, ast.List)) and len(node.elts) > 1 and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            found.append((node.lineno, frozenset(e.value for e in node.elts)))
    return found


def test_no_module_spells_out_a_named_set_of_states_again() -> None:
    """FINAL, FINISHED_OR_REMOVED and KEPT_ON_RESUME are written once, in runner/run/states.py."""
    package = Path(runner.__file__).parent
    again = [
        f"{path.relative_to(package)}:{line}: {name}"
        for path in sorted(package.rglob("*.py")) if path.name != "states.py"
        for line, members in _literal_sets(path)
        for name, named in NAMED_SETS.items() if members == named
    ]
    assert again == []
