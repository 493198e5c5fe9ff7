"""Templates at run time: identity and dates, params, variables and secrets, xcom_pull, `--param`
validation, and the sandbox refusing SSTI payloads and resource bombs without hurting the run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from runner_helpers import flowrun, run_api, write_workflow

from runner.templates.render import TemplateProblem, render

CONTEXT = """
dagId: ctx
params:
  n: {type: integer, default: 2}
  word: {type: string, default: "hi"}
tasks:
  - taskId: show
    operator: bash
    params:
      command: >-
        echo {{ {'ds': ds, 'ds_nodash': ds_nodash, 'ts': ts, 'execution_date': execution_date,
        'logical_date': logical_date, 'run_id': run_id, 'execution_id': execution_id,
        'dag_id': dag_id, 'task_id': task_id, 'try': try_number, 'n': params.n, 'word': params.word,
        'region': var.value.region, 'from_file': var.value.FROM_FILE} | tojson | shell_quote }}
  - taskId: secret_check
    operator: bash
    params:
      command: 'test "$T" = "tmpl-secret-4711" && echo match'
      env: {T: "{{ var.secret.API_TOKEN }}"}
"""


def test_context_names_at_run_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWRUN_VAR_REGION", "eu-west")  # found by upper-casing `region`
    monkeypatch.setenv("FLOWRUN_SECRET_API_TOKEN", "tmpl-secret-4711")
    (tmp_path / "vars.env").write_text("# variables\nexport FROM_FILE='from the file'\nOTHER=x\n")
    result = run_api(tmp_path, CONTEXT, params={"n": "5"}, vars_file=str(tmp_path / "vars.env"),
                     execution_date="2026-11-25T10:30:00+01:00")
    assert result.state == "success", {t: r.error for t, r in result.tasks.items()}
    shown = result.tasks["show"].output
    assert shown == {
        "ds": "2026-11-25",
        "ds_nodash": "20261125",
        "ts": "2026-11-25T10:30:00+01:00",
        "execution_date": "2026-11-25T10:30:00+01:00",
        "logical_date": "2026-11-25T10:30:00+01:00",
        "run_id": result.run_id,
        "execution_id": result.run_id,
        "dag_id": "ctx",
        "task_id": "show",
        "try": 1,
        "n": 5,
        "word": "hi",
        "region": "eu-west",
        "from_file": "from the file",
    }
    assert result.tasks["secret_check"].output == "match"


def test_vars_file_as_yaml_and_exact_case_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWRUN_VAR_region", "exact")
    monkeypatch.setenv("FLOWRUN_VAR_REGION", "upper")
    monkeypatch.setenv("FLOWRUN_SECRET_API_TOKEN", "tmpl-secret-4711")
    (tmp_path / "vars.yaml").write_text("FROM_FILE: yaml value\n")
    result = run_api(tmp_path, CONTEXT, vars_file=str(tmp_path / "vars.yaml"))
    shown = result.tasks["show"].output
    assert shown["region"] == "exact"
    assert shown["from_file"] == "yaml value"
    assert shown["n"] == 2  # the default


def test_missing_variable_fails_the_try_naming_it(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: missing
        tasks:
          - {taskId: t, operator: bash, params: {command: "echo {{ var.value.NOT_THERE_AT_ALL }}"}}
    """)
    assert result.tasks["t"].state == "failed"
    assert "NOT_THERE_AT_ALL" in (result.tasks["t"].error or "")


def test_xcom_pull_of_a_string_and_a_list(tmp_path: Path) -> None:
    result = run_api(tmp_path, """
        dagId: xcom
        tasks:
          - {taskId: a, operator: bash, params: {command: "echo hello"}}
          - {taskId: b, operator: bash, params: {command: "echo '{\\"k\\": [1, 2]}'"}}
          - taskId: string
            operator: bash
            dependencies: [a]
            params: {command: "echo {{ ti.xcom_pull(task_ids='a') }}-world"}
          - taskId: as_json
            operator: python
            dependencies: [b]
            params: {pythonCode: "import json; d = json.loads('{{ ti.xcom_pull(task_ids=\\"b\\") }}'); print(d['k'][1])"}
          - taskId: both
            operator: bash
            dependencies: [a, b]
            params: {command: "echo {{ ti.xcom_pull(task_ids=['a', 'b']) | tojson | shell_quote }}"}
    """)
    assert result.state == "success", {t: r.error for t, r in result.tasks.items()}
    assert result.tasks["string"].output == "hello-world"
    assert result.tasks["as_json"].output == 2
    assert result.tasks["both"].output == ["hello", {"k": [1, 2]}]


PARAMS = """
dagId: params
params:
  n: {type: integer, minimum: 1, default: 1}
  label: {type: string, default: "x"}
tasks:
  - taskId: double
    operator: python
    params: {pythonCode: "print({{ params.n }} * 2, {{ params.label | pyliteral }})"}
"""


def test_param_on_the_command_line(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, PARAMS)
    proc = flowrun(tmp_path, "run", str(path), "--param", "n=5", "--param", "label=007")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from runner_helpers import query

    out = query(tmp_path / ".flowrun" / "state.db", "SELECT output FROM tasks WHERE task_id='double'")[0]["output"]
    assert json.loads(out) == "10 007"  # a string param keeps its text as written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "n=abc"], "parameter 'n'"),
        (["--param", "n=0"], "parameter 'n'"),
        (["--param", "m=1"], "unknown parameter 'm'"),
        (["--param", "no_equals_sign"], "NAME=VALUE"),
    ],
)
def test_bad_param_is_a_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    path = write_workflow(tmp_path, PARAMS)
    proc = flowrun(tmp_path, "run", str(path), *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / ".flowrun").exists()  # nothing ran, nothing was written


# -- the sandbox ------------------------------------------------------------------------------------

PAYLOADS = {
    "mro": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals": "{{ cycler.__init__.__globals__ }}",
    "power": "{{ 9 ** 9999999 }}",
    "repeat": "{{ 'a' * 10**10 }}",
    "mutation": "{{ params.update({'x': 1}) }}",
    "range": "{{ range(10**9) | list }}",
    "padding": "{{ 'x'.ljust(10**9) }}",
    "printf": "{{ '%999999999s' % 'x' }}",
    "printf_mapping": "{{ '%(a)999999999s' % {'a': 'x'} }}",
    "printf_star": "{{ '%*s' % (10**9, 'x') }}",
    "format": "{{ '{:>999999999}'.format('x') }}",
    "nested_format": "{{ '{0:{1}}'.format('x', 10**9) }}",
    "center": "{{ 'x' | center(10**9) }}",
    "format_filter": "{{ '%999999999d' | format(1) }}",
    "loops": "{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxx{% endfor %}{% endfor %}",
}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_render_refuses(name: str) -> None:
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as info:
        render(PAYLOADS[name], {"params": {"a": 1}})
    assert time.monotonic() - started < 30  # refused, not computed (does not hang)
    assert str(info.value)  # one clear line
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ 2 ** 10 }}", "1024"),
        ("{{ 'ab' * 3 }}", "ababab"),
        ("{{ [1] * 3 }}", "[1, 1, 1]"),
        ("{{ '%5s|%.2f|%d%%' % ('a', 1.234, 5) }}", "    a|1.23|5%"),
        ("{{ '%*s|%.*f' % (3, 'x', 1, 2.25) }}", "  x|2.2"),
        ("{{ 7 % 4 }}", "3"),
        ("{{ '{:>4}{}'.format('a', 'b') }}", "   ab"),
        ("{{ 'id 123456789012 %s' % 'x' }}", "id 123456789012 x"),
        ("{{ 'x' | center(5) }}", "  x  "),
        ("{{ {'a': [1, 2]} }}", '{"a": [1, 2]}'),
        ("{{ \"it's\" | shell_quote }}", "'it'\"'\"'s'"),
        ("{{ none | pyliteral }}", "None"),
        ("plain text", "plain text"),
    ],
)
def test_render_still_renders_ordinary_templates(source: str, expected: str) -> None:
    assert render(source, {"none": None}) == expected


def test_lipsum_is_not_available() -> None:
    with pytest.raises(TemplateProblem, match="lipsum"):
        render("{{ lipsum(n=10**6) }}", {})


RUN_TIME_PAYLOADS = ["mro", "power", "repeat", "padding", "printf", "loops"]


def test_payloads_fail_their_try_and_the_run_goes_on(tmp_path: Path) -> None:
    tasks = "\n".join(
        f"  - taskId: {name}\n    operator: bash\n    params: {{command: {json.dumps('echo ' + PAYLOADS[name])}}}"
        for name in RUN_TIME_PAYLOADS
    )
    text = f"dagId: ssti\ntasks:\n{tasks}\n  - {{taskId: fine, operator: bash, params: {{command: 'echo still here'}}}}\n"
    started = time.monotonic()
    result = run_api(tmp_path, text)
    assert time.monotonic() - started < 60  # does not hang
    for name in RUN_TIME_PAYLOADS:
        task = result.tasks[name]
        assert task.state == "failed", name
        assert task.error and ("sandbox" in task.error or "refused" in task.error), (name, task.error)
        assert task.tries == 1
    assert result.tasks["fine"].output == "still here"
    assert result.state == "failed"


def test_cycler_globals_payload_through_the_command(tmp_path: Path) -> None:
    """`cycler` is not a name of SPEC section 2: the linter may refuse the file (exit 2), or the
    try fails in the sandbox (exit 1); either way no clear globals are printed, no traceback."""
    path = write_workflow(tmp_path, f"""
        dagId: ssti_cli
        tasks:
          - {{taskId: t, operator: bash, params: {{command: {json.dumps('echo ' + PAYLOADS['globals'])}}}}}
    """)
    proc = flowrun(tmp_path, "run", str(path), "--log-format", "json")
    assert proc.returncode in (1, 2), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "__builtins__" not in proc.stdout + proc.stderr
    if proc.returncode == 1:
        failed = [json.loads(line) for line in proc.stdout.splitlines() if '"task_failed"' in line]
        assert failed and "sandbox" in failed[0]["message"]
