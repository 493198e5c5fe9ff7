"""The template rules, on (line, column, code) of small fixtures: FR201 template-syntax, FR202
undefined-template-name, FR203 output-of-non-upstream, FR204 unused-param, FR302
template-injection and FR303 secret-on-command-line.

Each rule runs alone (`select`), so a fixture only needs to be minimal, not clean. Inside a
multi-line block scalar (`command: |`) a finding points at the line of the offending expression,
not at the first line of the scalar.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import lint_findings, positions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# -- FR204 unused-param ---------------------------------------------------------------------------


def test_fr204_unused_param_is_reported_at_its_key(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        params:
          region: {type: string, default: eu}
          limit: {type: integer, default: 10}
        tasks:
          - taskId: t
            operator: bash
            params: {command: "./export.sh --region {{ params.region | shell_quote }}"}
        """
    assert lint(text, "FR204") == [(4, 3, "FR204")]
    (finding,) = findings(text, "FR204")
    assert finding.severity == "info" and "'limit'" in finding.message


def test_fr204_uses_in_conditions_alerts_and_env_count(lint: Lint) -> None:
    text = """
        dagId: d
        params:
          full: {type: boolean, default: false}
          threshold: {type: integer, default: 600}
          team: {type: string, default: ops}
          key: {type: string, default: k}
        alerts:
          - id: slow
            on: [sla_missed]
            condition: "duration > params.threshold"
            message: "slow run for {{ params.team }}"
            notify: [{command: ./page.sh}]
        tasks:
          - taskId: pick
            operator: branch
            params:
              condition: "'a' if params.full else 'b'"
              branches: {a: a, b: b}
          - {taskId: a, operator: dummy, dependencies: [pick]}
          - taskId: b
            operator: bash
            dependencies: [pick]
            params: {command: ./b.sh, env: {KEY: "{{ params.key }}"}}
        """
    assert lint(text, "FR204") == []


def test_fr204_whole_params_mapping_uses_every_param(lint: Lint) -> None:
    text = """
        dagId: d
        params:
          a: {type: string, default: x}
          b: {type: string, default: y}
        tasks:
          - taskId: t
            operator: python
            params: {pythonCode: "print({{ params | tojson }})"}
        """
    assert lint(text, "FR204") == []


def test_fr204_a_similar_name_does_not_count(lint: Lint) -> None:
    text = """
        dagId: d
        params:
          region: {type: string, default: eu}
        tasks:
          - taskId: t
            operator: bash
            params: {command: "echo {{ params.regions | shell_quote }} region"}
        """
    assert lint(text, "FR204") == [(3, 3, "FR204")]


# -- FR302 template-injection ---------------------------------------------------------------------

QUERY = """
dagId: d
params:
  user_query: {type: string, default: ""}
tasks:
  - taskId: search
    operator: python
    params:
      pythonCode: |
        import json
        user_input = {expression}
        print(len(user_input))
"""


def test_fr302_the_guide_example_quoting_inside_python_is_not_safe(lint: Lint) -> None:
    text = QUERY.replace("{expression}", "'{{ params.user_query }}'")
    assert lint(text, "FR302") == [(10, 26, "FR302")]


def test_fr302_pyliteral_and_tojson_are_safe_in_python(lint: Lint) -> None:
    for safe in ("{{ params.user_query | pyliteral }}", "{{ params.user_query | tojson }}", "{{ params.user_query | length }}"):
        assert lint(QUERY.replace("{expression}", safe), "FR302") == [], safe


def test_fr302_shell_quote_is_not_enough_in_python(lint: Lint) -> None:
    text = QUERY.replace("{expression}", "{{ params.user_query | shell_quote }}")
    assert lint(text, "FR302") == [(10, 25, "FR302")]


BASH = """
dagId: d
params:
  x: {type: string, default: ""}
tasks:
  - {taskId: up, operator: bash, params: {command: "echo 1"}}
  - taskId: t
    operator: bash
    dependencies: [up]
    params:
      command: {command}
"""


def test_fr302_bash_param_without_shell_quote(lint: Lint) -> None:
    assert lint(BASH.replace("{command}", "'grep \"{{ params.x }}\" data.txt'"), "FR302") == [(10, 26, "FR302")]


def test_fr302_bash_shell_quote_and_numbers_are_safe(lint: Lint) -> None:
    command = "\"grep {{ params.x | shell_quote }} data.txt | head -n {{ params.x | int }} {{ params.x | lower | shell_quote }}\""
    assert lint(BASH.replace("{command}", command), "FR302") == []


def test_fr302_last_filter_decides(lint: Lint) -> None:
    command = "\"echo {{ params.x | shell_quote | upper }} {{ params.x | tojson }}\""
    assert lint(BASH.replace("{command}", command), "FR302") == [(10, 25, "FR302"), (10, 62, "FR302")]


def test_fr302_task_output_in_bash(lint: Lint, findings: Findings) -> None:
    text = BASH.replace("{command}", "\"echo {{ params.x | shell_quote }} {{ ti.xcom_pull(task_ids='up') }}\"")
    assert lint(text, "FR302") == [(10, 54, "FR302")]
    assert "task output" in findings(text, "FR302")[0].message


def test_fr302_in_a_block_scalar_on_the_line_of_the_expression(lint: Lint) -> None:
    command = "|\n        set -e\n        echo {{ params.x | shell_quote }}\n        if [ -n \"$X\" ]; then\n          grep {{ params.x }} data.txt\n        fi"
    assert lint(BASH.replace("{command}", command), "FR302") == [(14, 19, "FR302")]


def test_fr302_env_cwd_conditions_and_run_identity_are_not_reported(lint: Lint) -> None:
    command = "\"echo {{ ds }} {{ run_id }} {{ var.value.region }} $X\"\n      env: {X: \"{{ params.x }}\"}\n      cwd: \"/srv/{{ params.x }}\""
    text = BASH.replace("{command}", command) + """
  - taskId: pick
    operator: branch
    dependencies: [t]
    params:
      condition: "'a' if params.x else 'b'"
      branches: {a: a, b: b}
  - {taskId: a, operator: dummy, dependencies: [pick]}
  - {taskId: b, operator: dummy, dependencies: [pick]}
"""
    assert lint(text, "FR302") == []


def test_fr302_a_param_in_a_tag_only_is_not_output(lint: Lint) -> None:
    command = "\"{% if params.x %}echo yes{% endif %}\""
    assert lint(BASH.replace("{command}", command), "FR302") == []


# -- FR303 secret-on-command-line -----------------------------------------------------------------


def test_fr303_secret_in_a_command(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: upload
            operator: bash
            params:
              command: "curl -u admin:{{ var.secret.upload_password }} https://files.example.com"
        """
    assert lint(text, "FR303") == [(6, 34, "FR303")]
    (finding,) = findings(text, "FR303")
    assert finding.severity == "warning" and "env" in finding.message


def test_fr303_secrets_in_python_code_each_on_its_line(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: call
            operator: python
            params:
              pythonCode: |
                import os
                token = "{{ var.secret.api_token }}"
                key = {{ var.secret.signing_key | pyliteral }}
        """
    assert lint(text, "FR303") == [(8, 21, "FR303"), (9, 18, "FR303")]


def test_fr303_secret_through_env_or_headers_passes(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: upload
            operator: bash
            params:
              command: 'curl -u "admin:$UPLOAD_PASSWORD" https://files.example.com'
              env: {UPLOAD_PASSWORD: "{{ var.secret.upload_password }}"}
          - taskId: call
            operator: http
            retryPolicy: {maxRetries: 1}
            params:
              url: https://api.example.com
              headers: {Authorization: "Bearer {{ var.secret.api_token }}"}
          - taskId: other
            operator: bash
            params: {command: "echo {{ var.value.region | shell_quote }}"}
        """
    assert lint(text, "FR303") == []


# -- positions inside block scalars, for any layout ----------------------------------------------

_filler = st.text(alphabet="abcxyz019 ._-=$()", max_size=12).map(str.strip)
_layout = st.lists(st.tuples(st.integers(0, 4), _filler), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_layout, st.data(), st.sampled_from(["|", "|-", "|+", ">", ">-"]))
def test_fr302_points_at_the_expression_for_any_block_layout(layout: list[tuple[int, str]], data: st.DataObject, style: str) -> None:
    """Lines with random extra indentation, the unsafe expression on one of them: the finding is
    at the very place of `params.x` in the file, in literal and folded scalars alike."""
    target = data.draw(st.integers(0, len(layout) - 1))
    lines = []
    for i, (extra, filler) in enumerate(layout):
        extra = 0 if i == 0 else extra  # the first line sets the block's indentation
        body = f"{filler} {{{{ params.x }}}} end".lstrip() if i == target else filler or "echo"
        # a folded scalar keeps more-indented lines apart; plain lines are folded together
        lines.append("        " + " " * extra + body)
    text = BASH.lstrip("\n").replace("{command}", style + "\n" + "\n".join(lines))
    expected_line = text.split("\n").index(lines[target]) + 1
    expected_column = lines[target].index("params.x") + 1
    assert positions(lint_findings(text, "FR302")) == [(expected_line, expected_column, "FR302")]
