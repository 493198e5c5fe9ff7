"""FR201 template-syntax (runner/lint/rules/template_syntax.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import alerting

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


# -- FR201 template-syntax ------------------------------------------------------------------------


def test_fr201_unclosed_expression_on_one_line(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: report
            operator: bash
            params:
              command: "echo {{ ds }"
        """
    assert lint(text, "FR201") == [(6, 17, "FR201")]


def test_fr201_error_in_a_block_scalar_is_reported_on_its_line(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: report
            operator: bash
            params:
              command: |
                echo start
                echo {{ ds }}
                echo {{ ds | }}
                echo end
        """
    assert lint(text, "FR201") == [(9, 9, "FR201")]


def test_fr201_unclosed_block_tag(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: report
            operator: python
            params:
              pythonCode: |
                {% if ds %}
                print(1)
        """
    assert lint(text, "FR201") == [(7, 9, "FR201")]  # Jinja names the line of the unclosed block
    (finding,) = findings(text, "FR201")
    assert "'report'" in finding.message and "endif" in finding.message


def test_fr201_unknown_filter_fails_to_compile(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: report
            operator: bash
            params:
              command: |
                echo start
                echo {{ ds | shell_qoute }}
          - taskId: pick
            operator: branch
            dependencies: [report]
            params: {condition: "ds | nofilter", branches: {a: a}}
          - {taskId: a, operator: dummy, dependencies: [pick]}
        """
    assert lint(text, "FR201") == [(8, 9, "FR201"), (12, 26, "FR201")]
    assert "shell_qoute" in findings(text, "FR201")[0].message


def test_fr201_bash_array_length_opens_a_jinja_comment(lint: Lint) -> None:
    # `${#arr[@]}` holds `{#`: rendering fails at run time, so the linter says so
    text = """
        dagId: d
        tasks:
          - taskId: count
            operator: bash
            params:
              command: 'arr=(a b); echo ${#arr[@]}'
        """
    assert lint(text, "FR201") == [(6, 17, "FR201")]


def test_fr201_broken_branch_condition(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: pick
            operator: branch
            params:
              condition: "'a' if ds =="
              branches: {a: x}
          - {taskId: x, operator: dummy, dependencies: [pick]}
        """
    assert lint(text, "FR201") == [(6, 19, "FR201")]


def test_fr201_valid_templates_and_plain_braces_pass(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: ok
            operator: bash
            params:
              command: |
                awk '{print $1}' data.txt
                echo "${HOME}" {{ ds }}
                {% for i in range(3) %}echo {{ i }}{% endfor %}
                {# a comment #}
                {% raw %}{{ not a template }}{% endraw %}
          - taskId: pick
            operator: branch
            dependencies: [ok]
            params:
              condition: "'a' if ds else 'b'"
              branches: {a: a, b: b}
          - {taskId: a, operator: dummy, dependencies: [pick]}
          - {taskId: b, operator: dummy, dependencies: [pick]}
        """
    assert lint(text, "FR201") == []


# -- in an alert's condition and message ----------------------------------------------------------


def test_fr201_broken_message(lint: Lint, findings: Findings) -> None:
    text = alerting('  - id: a\n    on: [run_failed]\n    message: "Run {{ run_id } failed"\n    notify: [{command: "true"}]\n')
    assert lint(text, "FR201") == [(5, 15, "FR201")]
    assert "alert 'a'" in findings(text, "FR201")[0].message


def test_fr201_broken_message_on_its_line_in_a_block_scalar(lint: Lint) -> None:
    text = alerting("  - id: a\n    on: [run_failed]\n    message: |\n      first line\n      {{ run_id }\n    notify: [{command: \"true\"}]\n")
    assert lint(text, "FR201") == [(7, 7, "FR201")]


def test_fr201_broken_condition(lint: Lint) -> None:
    text = alerting('  - id: a\n    on: [task_failed]\n    condition: "duration >"\n    notify: [{command: "true"}]\n')
    assert lint(text, "FR201") == [(5, 17, "FR201")]
