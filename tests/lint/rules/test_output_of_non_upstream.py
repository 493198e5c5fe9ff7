"""FR203 output-of-non-upstream (runner/lint/rules/output_of_non_upstream.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR203 output-of-non-upstream -----------------------------------------------------------------

GRAPH = """
dagId: d
tasks:
  - {taskId: a, operator: bash, params: {command: "echo 1"}}
  - {taskId: b, operator: bash, dependencies: [a], params: {command: "echo 2"}}
  - {taskId: side, operator: bash, params: {command: "echo 3"}}
  - taskId: c
    operator: bash
    dependencies: [b]
    params:
      command: {command}
"""


def graph(command: str) -> str:
    return GRAPH.replace("{command}", command)


def test_fr203_output_of_a_non_ancestor_is_an_error(lint: Lint, findings: Findings) -> None:
    text = graph("\"echo {{ ti.xcom_pull(task_ids='side') }}\"")
    assert lint(text, "FR203") == [(10, 47, "FR203")]
    (finding,) = findings(text, "FR203")
    assert finding.severity == "error" and "race" in finding.message


def test_fr203_output_of_a_missing_task(lint: Lint, findings: Findings) -> None:
    text = graph("\"echo {{ ti.xcom_pull(task_ids='nope') }}\"")
    assert lint(text, "FR203") == [(10, 47, "FR203")]
    assert "no such task" in findings(text, "FR203")[0].message


def test_fr203_computed_task_ids(lint: Lint, findings: Findings) -> None:
    text = graph("\"echo {{ ti.xcom_pull(task_ids=params.t) }} {{ ti.xcom_pull() }}\"")
    assert lint(text, "FR203") == [(10, 25, "FR203"), (10, 63, "FR203")]
    assert all("computed" in f.message for f in findings(text, "FR203"))


def test_fr203_constant_expression_is_resolved(lint: Lint, findings: Findings) -> None:
    # Jinja folds 's' ~ 'ide' to 'side': checked like the literal, reported at the call
    text = graph("\"echo {{ ti.xcom_pull(task_ids='a') }} {{ ti.xcom_pull(task_ids='s' ~ 'ide') }}\"")
    assert lint(text, "FR203") == [(10, 58, "FR203")]
    assert "'side'" in findings(text, "FR203")[0].message


def test_fr203_direct_and_transitive_ancestors_pass(lint: Lint) -> None:
    text = graph("\"echo {{ ti.xcom_pull(task_ids='b') }} {{ ti.xcom_pull('a') }} {{ ti.xcom_pull(task_ids=['a', 'b']) }}\"")
    assert lint(text, "FR203") == []


def test_fr203_several_calls_on_one_line_each_at_its_own_column(lint: Lint) -> None:
    text = graph("\"echo {{ ti.xcom_pull(task_ids='side') }} {{ ti.xcom_pull(task_ids=['a', 'nope']) }}\"")
    assert lint(text, "FR203") == [(10, 47, "FR203"), (10, 89, "FR203")]


def test_fr203_in_a_block_scalar_on_the_line_of_the_call(lint: Lint) -> None:
    text = graph("|\n        echo start\n        echo {{ ti.xcom_pull(task_ids='b') }}\n        echo {{ ti.xcom_pull(task_ids='side') }}")
    assert lint(text, "FR203") == [(13, 39, "FR203")]


def test_fr203_own_output(lint: Lint, findings: Findings) -> None:
    text = graph("\"echo {{ ti.xcom_pull(task_ids='c') }}\"")
    assert lint(text, "FR203") == [(10, 47, "FR203")]
    assert "its own output" in findings(text, "FR203")[0].message


def test_fr203_in_a_branch_condition(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: check, operator: bash, params: {command: "echo ok"}}
          - {taskId: other, operator: bash, params: {command: "echo ok"}}
          - taskId: pick
            operator: branch
            dependencies: [check]
            params:
              condition: "'a' if ti.xcom_pull(task_ids='other') == 'ok' and ti.xcom_pull(task_ids='check') else 'b'"
              branches: {a: a, b: b}
          - {taskId: a, operator: dummy, dependencies: [pick]}
          - {taskId: b, operator: dummy, dependencies: [pick]}
        """
    assert lint(text, "FR203") == [(9, 48, "FR203")]


def test_fr203_with_a_cycle_reports_only_missing_tasks(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, dependencies: [b]}
          - {taskId: b, operator: dummy, dependencies: [a]}
          - taskId: c
            operator: bash
            params: {command: "echo {{ ti.xcom_pull(task_ids='a') }} {{ ti.xcom_pull(task_ids='zz') }}"}
        """
    assert lint(text, "FR203") == [(7, 87, "FR203")]
