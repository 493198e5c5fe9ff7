"""Trigger rules: `runner.run.trigger_rules.decide` against Airflow's TriggerRuleDep code, and the
propagation of `skipped` / `upstream_failed` through real runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from runner_helpers import query, run_api, tries

from runner.run.trigger_rules import TRIGGER_RULES, decide

S, F, K, U = "success", "failed", "skipped", "upstream_failed"
P, R, Y = "pending", "running", "up_for_retry"
RUN, WAIT, SKIP, UF = "run", None, "skipped", "upstream_failed"

# Upstream state combinations; the columns of TABLE below, in this order.
CASES = [
    (S, S),  # all success
    (S, F),  # one failed
    (S, K),  # one skipped
    (S, U),  # one upstream_failed
    (F, F),  # all failed
    (K, K),  # all skipped
    (U, U),  # all upstream_failed
    (F, P),  # a failure while another is still pending: early upstream_failed / early one_failed
    (S, P),  # a success while another is pending: early one_success / one_done
    (K, R),  # a skip while another runs: early skipped
    (U, R),  # an upstream_failed while another runs
    (P, P),  # nothing finished
    (F, K),
    (S, F, K),
    (K, Y),  # up_for_retry is not finished
]

# What Airflow's TriggerRuleDep (flag_upstream_failed, then the "met" check) decides per case.
TABLE = {
    #                           SS    SF    SK    SU    FF    KK    UU    FP    SP    KR    UR    PP    FK    SFK   KY
    "all_success":             [RUN,  UF,   SKIP, UF,   UF,   SKIP, UF,   UF,   WAIT, SKIP, UF,   WAIT, UF,   UF,   SKIP],
    "all_failed":              [SKIP, SKIP, SKIP, SKIP, RUN,  SKIP, RUN,  WAIT, SKIP, SKIP, WAIT, WAIT, SKIP, SKIP, SKIP],
    "all_done":                [RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  RUN,  WAIT, WAIT, WAIT, WAIT, WAIT, RUN,  RUN,  WAIT],
    "all_skipped":             [SKIP, SKIP, SKIP, SKIP, SKIP, RUN,  SKIP, SKIP, SKIP, WAIT, SKIP, WAIT, SKIP, SKIP, WAIT],
    "all_done_min_one_success": [RUN, RUN,  SKIP, RUN,  UF,   SKIP, UF,   WAIT, WAIT, SKIP, WAIT, WAIT, SKIP, SKIP, SKIP],
    "one_success":             [RUN,  RUN,  RUN,  RUN,  UF,   SKIP, UF,   WAIT, RUN,  WAIT, WAIT, WAIT, UF,   RUN,  WAIT],
    "one_failed":              [SKIP, RUN,  SKIP, RUN,  RUN,  SKIP, RUN,  RUN,  WAIT, WAIT, RUN,  WAIT, RUN,  RUN,  WAIT],
    "one_done":                [RUN,  RUN,  RUN,  RUN,  RUN,  SKIP, SKIP, RUN,  RUN,  WAIT, WAIT, WAIT, RUN,  RUN,  WAIT],
    "none_failed":             [RUN,  UF,   RUN,  UF,   UF,   RUN,  UF,   UF,   WAIT, WAIT, UF,   WAIT, UF,   UF,   WAIT],
    "none_failed_min_one_success": [RUN, UF, RUN,  UF,   UF,   SKIP, UF,   UF,   WAIT, WAIT, UF,   WAIT, UF,   UF,   WAIT],
    "none_skipped":            [RUN,  RUN,  SKIP, RUN,  RUN,  SKIP, RUN,  WAIT, WAIT, SKIP, WAIT, WAIT, SKIP, SKIP, SKIP],
    "always":                  [RUN] * len(CASES),
}


def test_the_table_covers_all_twelve_rules() -> None:
    assert set(TABLE) == set(TRIGGER_RULES)
    assert len(TRIGGER_RULES) == 12
    assert all(len(row) == len(CASES) for row in TABLE.values())


@pytest.mark.parametrize(
    ("rule", "states", "expected"),
    [(rule, states, TABLE[rule][i]) for rule in TABLE for i, states in enumerate(CASES)],
    ids=[f"{rule}-{'-'.join(s[:2] for s in states)}" for rule in TABLE for states in CASES],
)
def test_decide(rule: str, states: tuple[str, ...], expected: str | None) -> None:
    assert decide(rule, states) == expected


@pytest.mark.parametrize("rule", TRIGGER_RULES)
def test_no_upstream_runs_at_once(rule: str) -> None:
    assert decide(rule, []) == "run"


@pytest.mark.parametrize("rule", TRIGGER_RULES)
def test_order_of_upstreams_does_not_matter(rule: str) -> None:
    for states in CASES:
        assert decide(rule, states) == decide(rule, tuple(reversed(states))), states


def test_unknown_rule_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown trigger rule"):
        decide("sometimes", [S])


# -- end to end -----------------------------------------------------------------------------------

PROPAGATION = """
dagId: propagation
tasks:
  - taskId: ok
    operator: bash
    params: {command: "true"}
  - taskId: bad
    operator: bash
    params: {command: "exit 4"}
  - taskId: br
    operator: branch
    params:
      condition: "'left'"
      branches: {left: l, right: r}
  - taskId: l
    operator: dummy
    dependencies: [br]
  - taskId: r
    operator: dummy
    dependencies: [br]
  - taskId: after_r
    operator: dummy
    dependencies: [r]
  - taskId: after_after_r
    operator: dummy
    dependencies: [after_r]
  - taskId: join_min_one
    operator: dummy
    dependencies: [l, r]
    triggerRule: none_failed_min_one_success
  - taskId: only_if_all_skipped
    operator: dummy
    dependencies: [r]
    triggerRule: all_skipped
  - taskId: after_bad
    operator: dummy
    dependencies: [bad]
  - taskId: after_after_bad
    operator: dummy
    dependencies: [after_bad]
  - taskId: cleanup
    operator: dummy
    dependencies: [bad, ok]
    triggerRule: all_done
  - taskId: on_failure
    operator: dummy
    dependencies: [bad]
    triggerRule: one_failed
  - taskId: on_failure_of_ok
    operator: dummy
    dependencies: [ok]
    triggerRule: one_failed
  - taskId: none_failed_after_bad
    operator: dummy
    dependencies: [ok, bad]
    triggerRule: none_failed
"""


def test_skipped_and_upstream_failed_propagate(tmp_path: Path) -> None:
    result = run_api(tmp_path, PROPAGATION)
    states = {t: r.state for t, r in result.tasks.items()}
    assert states == {
        "ok": "success",
        "bad": "failed",
        "br": "success",
        "l": "success",
        "r": "skipped",
        "after_r": "skipped",
        "after_after_r": "skipped",
        "join_min_one": "success",
        "only_if_all_skipped": "success",
        "after_bad": "upstream_failed",
        "after_after_bad": "upstream_failed",
        "cleanup": "success",
        "on_failure": "success",
        "on_failure_of_ok": "skipped",
        "none_failed_after_bad": "upstream_failed",
    }
    assert result.state == "failed"
    # skipped and upstream_failed tasks never started a try
    started = {row["task_id"] for row in tries(tmp_path / "s.db")}
    assert started.isdisjoint({"r", "after_r", "after_bad", "after_after_bad", "on_failure_of_ok"})


def test_run_with_skips_but_no_failure_succeeds(tmp_path: Path) -> None:
    text = PROPAGATION.replace('command: "exit 4"', 'command: "true"')
    result = run_api(tmp_path, text)
    assert result.tasks["r"].state == "skipped"
    assert result.tasks["after_bad"].state == "success"
    assert result.tasks["on_failure"].state == "skipped"
    assert result.state == "success"


def test_one_success_over_failures_is_upstream_failed(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: uf
        tasks:
          - {taskId: x, operator: bash, params: {command: "exit 1"}}
          - {taskId: y, operator: bash, params: {command: "exit 1"}}
          - {taskId: j, operator: dummy, dependencies: [x, y], triggerRule: one_success}
          - {taskId: k, operator: dummy, dependencies: [j], triggerRule: all_done}
    """)
    assert result.tasks["j"].state == "upstream_failed"
    assert result.tasks["k"].state == "success"
    assert result.state == "failed"


def test_one_rules_fire_before_the_slow_upstream_ends(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: early
        tasks:
          - {taskId: fast_ok, operator: bash, params: {command: "true"}}
          - {taskId: fast_bad, operator: bash, params: {command: "exit 1"}}
          - taskId: slow
            operator: bash
            params:
              command: "for i in $(seq 300); do [ -f fired_1 ] && [ -f fired_2 ] && break; sleep 0.1; done"
          - {taskId: first_success, operator: bash, params: {command: "touch fired_1"}, dependencies: [fast_ok, slow], triggerRule: one_success}
          - {taskId: first_failure, operator: bash, params: {command: "touch fired_2"}, dependencies: [fast_bad, slow], triggerRule: one_failed}
          - {taskId: needs_all, operator: dummy, dependencies: [fast_bad, slow]}
    """)
    # `slow` waits for the two one_* tasks: had they waited for it, it would have run 30 s first
    rows = {r["task_id"]: r for r in tries(tmp_path / "s.db")}
    slow_end = rows["slow"]["ended_at"]
    assert rows["first_success"]["started_at"] < slow_end
    assert rows["first_failure"]["started_at"] < slow_end
    assert result.tasks["needs_all"].state == "upstream_failed"
    needs_all = query(tmp_path / "s.db", "SELECT ended_at FROM tasks WHERE task_id='needs_all'")[0]
    assert needs_all["ended_at"] < slow_end  # marked upstream_failed at once, not after slow
    assert result.state == "failed"
