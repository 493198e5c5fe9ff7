"""The structural rules, one group per rule, on (line, column, code) of small fixtures.

Each group has positive cases (the rule reports, at the offending node) and negative ones (it
stays quiet on the correct form and on near misses). Other rules are filtered out with
`select` so that a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]

# The rules of the linter's first half: the YAML, schema and graph rules.
STRUCTURAL = ("FR001", "FR002", "FR003", "FR004", "FR005", "FR006", "FR101", "FR102", "FR103", "FR104")


@pytest.fixture
def lint(lint: Lint) -> Lint:
    """The conftest `lint`, running only the structural rules unless told otherwise."""

    def run(text: str, select: str | tuple[str, ...] = STRUCTURAL) -> list[tuple[int, int, str]]:
        return lint(text, select)

    return run


@pytest.fixture
def findings(findings: Findings) -> Findings:
    def run(text: str, select: str | tuple[str, ...] = STRUCTURAL) -> list[Finding]:
        return findings(text, select)

    return run


# -- FR003 duplicate-task-id ----------------------------------------------------------------------


def test_fr003_second_task_id_is_reported_at_its_value(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: load
            operator: dummy
          - taskId: load
            operator: dummy
        """
    assert lint(text) == [(5, 13, "FR003")]


def test_fr003_every_later_duplicate_is_reported(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy}
          - {taskId: a, operator: dummy}
          - {taskId: b, operator: dummy}
          - {taskId: a, operator: dummy}
        """
    assert lint(text, "FR003") == [(4, 14, "FR003"), (6, 14, "FR003")]


def test_fr003_message_names_the_first_line(findings: Findings) -> None:
    (finding,) = findings("dagId: d\ntasks:\n  - {taskId: a, operator: dummy}\n  - {taskId: a, operator: dummy}\n")
    assert finding.code == "FR003"
    assert "'a'" in finding.message and "line 3" in finding.message


def test_fr003_distinct_ids_and_case_differences_pass(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: load, operator: dummy}
          - {taskId: Load, operator: dummy}
          - {taskId: load_2, operator: dummy}
        """
    assert lint(text) == []


def test_fr003_ignores_tasks_without_a_string_id(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: 1, operator: dummy}
          - {taskId: 1, operator: dummy}
        """
    assert lint(text, "FR003") == []


# -- FR004 unknown-dependency ----------------------------------------------------------------------


def test_fr004_unknown_dependency_in_a_flow_list(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: extract
            operator: dummy
          - taskId: load
            operator: dummy
            dependencies: [extract, extrct]
        """
    assert lint(text) == [(7, 29, "FR004")]


def test_fr004_unknown_dependency_in_a_block_list(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: extract
            operator: dummy
          - taskId: load
            operator: dummy
            dependencies:
              - extract
              - nowhere
        """
    assert lint(text) == [(9, 9, "FR004")]


def test_fr004_message_suggests_a_close_name(findings: Findings) -> None:
    (finding,) = findings(
        "dagId: d\ntasks:\n  - {taskId: extract, operator: dummy}\n"
        "  - {taskId: load, operator: dummy, dependencies: [extrct]}\n"
    )
    assert finding.code == "FR004"
    assert "did you mean 'extract'?" in finding.message


def test_fr004_branch_targets_and_source_task(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: check
            operator: branch
            params:
              condition: "'a'"
              branches:
                a: ghost
                b: [real, phantom]
          - taskId: real
            operator: dummy
            dependencies: [check]
          - taskId: copy
            operator: transfer
            params: {sourceTask: missing}
        """
    assert lint(text, "FR004") == [(8, 12, "FR004"), (9, 19, "FR004"), (15, 26, "FR004")]


def test_fr004_known_names_pass(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: a
            operator: dummy
          - taskId: b
            operator: dummy
            dependencies: [a]
          - taskId: c
            operator: transfer
            params: {sourceTask: b}
            dependencies: [b]
        """
    assert lint(text) == []


def test_fr004_dependency_on_a_later_task_is_known(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, dependencies: [b]}
          - {taskId: b, operator: dummy}
        """
    assert lint(text) == []


# -- FR005 invalid-schedule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    ['"0 */6 * *"', '"61 * * * *"', '"@fortnightly"', '"0 0 30 2 *"', '"* * * * * *"', "'not cron'"],
)
def test_fr005_bad_schedules_point_at_the_value(lint: Lint, schedule: str) -> None:
    text = f"dagId: d\nschedule: {schedule}\ntasks:\n  - {{taskId: a, operator: dummy}}\n"
    assert lint(text) == [(2, 11, "FR005")]


@pytest.mark.parametrize("schedule", ['"0 */6 * * *"', "'@daily'", "'@hourly'", "'*/5 1-3 * * mon-fri'", "null"])
def test_fr005_good_schedules_pass(lint: Lint, schedule: str) -> None:
    text = f"dagId: d\nschedule: {schedule}\ntasks:\n  - {{taskId: a, operator: dummy}}\n"
    assert lint(text) == []


def test_fr005_timezone_and_environment_overlays(lint: Lint) -> None:
    text = """
        dagId: d
        schedule: "@daily"
        timezone: Mars/Olympus
        environments:
          production: {schedule: "0 0 * *"}
          development: {schedule: null, timezone: Europe/Berlin}
        tasks:
          - {taskId: a, operator: dummy}
        """
    assert lint(text) == [(3, 11, "FR005"), (5, 26, "FR005")]


# -- FR101 circular-dependency ---------------------------------------------------------------------


def test_fr101_two_task_cycle_points_at_the_closing_dependency_of_the_first_task(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: a
            operator: dummy
            dependencies: [b]
          - taskId: b
            operator: dummy
            dependencies: [a]
        """
    assert lint(text) == [(5, 20, "FR101")]


def test_fr101_self_dependency(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: a
            operator: dummy
          - taskId: b
            operator: dummy
            dependencies:
              - a
              - b
        """
    assert lint(text) == [(9, 9, "FR101")]


def test_fr101_message_reads_upstream_to_downstream(findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, dependencies: [c]}
          - {taskId: b, operator: dummy, dependencies: [a]}
          - {taskId: c, operator: dummy, dependencies: [b]}
        """
    (finding,) = findings(text)
    assert (finding.line, finding.column, finding.code) == (3, 49, "FR101")
    assert finding.message == "circular dependency: a -> b -> c -> a"


def test_fr101_acyclic_graph_with_a_diamond_passes(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy}
          - {taskId: b, operator: dummy, dependencies: [a]}
          - {taskId: c, operator: dummy, dependencies: [a]}
          - {taskId: d, operator: dummy, dependencies: [b, c]}
        """
    assert lint(text) == []


def test_fr101_cycle_through_an_unknown_name_is_not_a_cycle(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, dependencies: [ghost]}
        """
    assert lint(text) == [(3, 49, "FR004")]


# -- FR102 redundant-dependency --------------------------------------------------------------------


def test_fr102_transitive_edge_is_reported_at_the_list_item(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: extract
            operator: dummy
          - taskId: transform
            operator: dummy
            dependencies: [extract]
          - taskId: load
            operator: dummy
            dependencies:
              - transform
              - extract
        """
    assert lint(text) == [(12, 9, "FR102")]


def test_fr102_message_shows_the_implying_path(findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: t1, operator: dummy}
          - {taskId: t2, operator: dummy, dependencies: [t1]}
          - {taskId: t3, operator: dummy, dependencies: [t2]}
          - {taskId: t4, operator: dummy, dependencies: [t1, t3]}
        """
    (finding,) = findings(text)
    assert (finding.line, finding.column, finding.code) == (6, 50, "FR102")
    assert finding.message == "dependency on 't1' is redundant: t1 -> t2 -> t3 -> t4 already orders them"
    assert finding.fixable and finding.severity == "warning"


def test_fr102_dependency_listed_twice(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy}
          - {taskId: b, operator: dummy, dependencies: [a, a]}
        """
    assert lint(text) == [(4, 52, "FR102")]


def test_fr102_independent_parents_pass(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy}
          - {taskId: b, operator: dummy}
          - {taskId: c, operator: dummy, dependencies: [a]}
          - {taskId: d, operator: dummy, dependencies: [b, c]}
        """
    assert lint(text) == []


def test_fr102_is_quiet_while_there_is_a_cycle(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, dependencies: [c]}
          - {taskId: b, operator: dummy, dependencies: [a]}
          - {taskId: c, operator: dummy, dependencies: [a, b]}
        """
    # two loops share task a (a -> b -> c -> a and a -> c -> a): both are reported
    assert [code for _, _, code in lint(text)] == ["FR101", "FR101"]


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


# -- ordering ---------------------------------------------------------------------------------------


def test_findings_are_sorted_by_position(lint: Lint) -> None:
    text = """
        dagId: d
        schedule: "bad"
        tasks:
          - {taskId: a, operator: dummy, triggerRule: always}
          - {taskId: a, operator: dummy, dependencies: [zz]}
        """
    found = lint(text)
    assert found == sorted(found)
    assert [code for _, _, code in found] == ["FR005", "FR104", "FR003", "FR004"]
