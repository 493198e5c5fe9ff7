"""FR302 template-injection (runner/lint/rules/template_injection.py), on (line, column, code)
of small fixtures.

The rule runs alone (`select`), so a fixture only needs to be minimal, not clean.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import lint_findings, positions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.findings import Finding

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Finding]]


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
