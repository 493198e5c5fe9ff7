"""The YAML traps everybody hits get one FR001 finding that says what to write instead, with
the corrected line (issue 13, E.13)."""

from __future__ import annotations

import pytest
from conftest import dedent

from runner.lint.linter import lint_text
from runner.yaml.loader import parse
from runner.yaml.nodes import YamlProblem

TASK = "dagId: d\ntasks:\n  - taskId: a\n    operator: bash\n    timeout: {execution: 1m}\n    params:\n"


def fr001(text: str) -> tuple[int, int, str]:
    findings = lint_text(text, "w.yaml")
    assert [f.code for f in findings] == ["FR001"], findings
    return findings[0].line, findings[0].column, findings[0].message


@pytest.mark.parametrize(("line", "position", "corrected"), [
    # ': ' inside a plain value
    ('      command: curl -H "Authorization: Bearer x" https://a.example\n', (7, 38),
     """as in: command: 'curl -H "Authorization: Bearer x" https://a.example'"""),
    ("      command: make; echo '{\"done\": 1}'\n", (7, 35), """as in: command: 'make; echo ''{"done": 1}'''"""),
    ("      command: echo a: b\n", (7, 22), "as in: command: 'echo a: b'"),
    # `{{` starting a value: a flow mapping
    ("      command: {{ params.cmd }} --flag\n", (7, 17), 'as in: command: "{{ params.cmd }} --flag"'),
    # characters that cannot start a plain value
    ("      command: @daily\n", (7, 16), "as in: command: '@daily'"),
    ("      command: `date`\n", (7, 16), "as in: command: '`date`'"),
    ("      command: !important\n", (7, 16), "as in: command: '!important'"),
    ("      command: | grep x\n", (7, 18), "as in: command: '| grep x'"),
    # a quoted start that ends early
    ('      command: "echo" hi\n', (7, 23), """as in: command: '"echo" hi'"""),
])
def test_a_yaml_trap_gets_the_corrected_line(line: str, position: tuple[int, int], corrected: str) -> None:
    at_line, at_column, message = fr001(TASK + line)
    assert (at_line, at_column) == position
    assert message.endswith(corrected), message
    assert message.startswith(("invalid YAML: ", "mapping keys", "unsupported tag")) and "quote" in message


def test_a_template_inside_a_flow_mapping_gets_the_quoted_pair() -> None:
    text = "dagId: d\ntasks:\n  - taskId: a\n    operator: bash\n    params: {command: echo \"x {{ ti.xcom_pull(task_ids='a') }}\"}\n"
    line, column, message = fr001(text)
    assert (line, column) == (5, 31)
    assert "did not find expected ',' or '}'" in message
    assert message.endswith("""as in: command: 'echo "x {{ ti.xcom_pull(task_ids=''a'') }}"'""")


def test_the_corrected_line_of_a_hint_parses_to_the_meant_value() -> None:
    broken = TASK + '      command: curl -H "Authorization: Bearer x" https://a.example\n'
    _, _, message = fr001(broken)
    fixed = TASK + "      " + message.split("as in: ", 1)[1] + "\n"
    assert parse(fixed).data["tasks"][0]["params"]["command"] == 'curl -H "Authorization: Bearer x" https://a.example'


def test_an_unquoted_cron_expression_gets_the_corrected_line() -> None:
    line, column, message = fr001("dagId: d\nschedule: * * * * *\ntasks: []\n")
    assert (line, column) == (2, 12)
    assert message.endswith('as in: schedule: "* * * * *"')


def test_a_tab_in_the_indentation_says_so() -> None:
    with pytest.raises(YamlProblem) as raised:
        parse(dedent("""
            dagId: d
            tasks:
            \t- taskId: a
        """))
    assert raised.value.message.endswith("indent with spaces, not tabs")


def test_an_error_without_a_known_trap_gets_no_hint() -> None:
    _, _, message = fr001("dagId: d\ntasks: [a, b\n")
    assert "as in:" not in message


def test_an_unclosed_bracket_gets_no_quoting_hint() -> None:
    _, _, message = fr001("dagId: d\ntasks:\n  - taskId: a\n    operator: [dummy\n")
    assert message == "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"
