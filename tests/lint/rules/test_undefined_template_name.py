"""FR202 undefined-template-name (runner/lint/rules/undefined_template_name.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import alerting

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR202 undefined-template-name ----------------------------------------------------------------


def test_fr202_unknown_name_with_suggestion(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: export
            operator: bash
            params:
              command: "./export.sh --day {{ execution_dt }}"
        """
    assert lint(text, "FR202") == [(6, 38, "FR202")]
    (finding,) = findings(text, "FR202")
    assert "execution_date" in finding.message


def test_fr202_undeclared_param_in_a_block_scalar(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        params:
          region: {type: string, default: eu}
        tasks:
          - taskId: export
            operator: bash
            params:
              command: |
                set -e
                ./export.sh \\
                  --region {{ params.regoin | shell_quote }}
        """
    assert lint(text, "FR202") == [(11, 23, "FR202")]
    (finding,) = findings(text, "FR202")
    assert "params.region" in finding.message


def test_fr202_params_without_declarations(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params: {command: "echo {{ params.x | shell_quote }}"}
        """
    assert lint(text, "FR202") == [(5, 32, "FR202")]


def test_fr202_var_and_ti_misuse(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params:
              command: "echo {{ var.foo.bar }} {{ ti.state }} {{ macros.ds_add(ds, 1) }}"
        """
    assert lint(text, "FR202") == [(6, 25, "FR202"), (6, 43, "FR202"), (6, 58, "FR202")]


def test_fr202_name_is_located_inside_the_template(lint: Lint) -> None:
    # 'x' is the computed task_ids, not the x of "echo x" or of "execution"
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params:
              command: "echo x {{ ti.xcom_pull(task_ids=x) }}"
        """
    assert lint(text, "FR202") == [(6, 49, "FR202")]


def test_fr202_in_a_branch_condition(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: pick
            operator: branch
            params:
              condition: "'a' if dag_run.conf.full else 'b'"
              branches: {a: a, b: b}
          - {taskId: a, operator: dummy, dependencies: [pick]}
          - {taskId: b, operator: dummy, dependencies: [pick]}
        """
    assert lint(text, "FR202") == [(6, 26, "FR202")]


def test_fr202_every_section_2_name_passes(lint: Lint) -> None:
    text = """
        dagId: d
        params:
          region: {type: string, default: eu}
        tasks:
          - taskId: up
            operator: bash
            params: {command: "echo 1"}
          - taskId: t
            operator: bash
            dependencies: [up]
            params:
              command: >-
                echo {{ dag_id }} {{ task_id }} {{ run_id }} {{ execution_id }} {{ try_number }}
                {{ execution_date }} {{ logical_date }} {{ ds }} {{ ds_nodash }} {{ ts }}
                {{ params.region }} {{ var.value.anything }} {{ var.secret.token }}
                {{ ti.xcom_pull(task_ids='up') }}
                {% set n = 2 %}{% for i in range(n) %}{{ loop.index }}{{ i }}{% endfor %}
                {{ params | tojson }} {{ true }} {{ none }}
        """
    assert lint(text, "FR202") == []


def test_fr202_is_silent_on_a_syntax_error(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params: {command: "echo {{ nope }"}
        """
    assert lint(text, ("FR201", "FR202")) == [(5, 24, "FR201")]


# -- in an alert's condition and message, with the fields of its events ---------------------------


def test_fr202_misspelled_condition_field_with_a_suggestion(lint: Lint, findings: Findings) -> None:
    text = alerting('  - id: slow\n    on: [sla_missed]\n    condition: "durration > 5"\n    notify: [{command: "true"}]\n')
    assert lint(text, "FR202") == [(5, 17, "FR202")]
    assert "did you mean 'duration'?" in findings(text, "FR202")[0].message


def test_fr202_misspelled_message_field(lint: Lint, findings: Findings) -> None:
    text = alerting('  - id: a\n    on: [task_failed]\n    message: "task {{ taskid }} failed"\n    notify: [{command: "true"}]\n')
    assert lint(text, "FR202") == [(5, 23, "FR202")]
    assert "'task_id'" in findings(text, "FR202")[0].message


def test_fr202_field_of_another_event(findings: Findings) -> None:
    text = alerting('  - id: a\n    on: [sla_missed]\n    condition: "exit_code == 3"\n    notify: [{command: "true"}]\n')
    (found,) = findings(text, "FR202")
    assert (found.line, found.column) == (5, 17)
    assert "'exit_code' is not a field of sla_missed events" in found.message and "sla" in found.message


def test_fr202_task_template_names_are_not_event_fields(findings: Findings) -> None:
    text = alerting('  - id: a\n    on: [run_failed]\n    message: "{{ ds }} {{ params.x }}"\n    notify: [{command: "true"}]\n')
    assert [(f.line, f.column) for f in findings(text, "FR202")] == [(5, 18), (5, 27)]


def test_fields_of_every_event_of_the_alert_pass(lint: Lint) -> None:
    text = alerting(
        "  - id: a\n    on: [task_failed, task_retry, sla_missed, run_failed]\n"
        '    condition: "try_number >= 1 and exit_code != 0 or delay > 1 or sla < duration"\n'
        '    message: "{{ event }} {{ dag_id }} {{ run_id }} {{ task_id }} {{ error }} {{ range(2) | list }}"\n'
        '    notify: [{command: "true"}]\n'
    )
    assert lint(text, ("FR201", "FR202")) == []
