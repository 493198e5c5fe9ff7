"""Keys people bring from Airflow, GitHub Actions, Argo, Dagu and Prefect get the flowrun way to
say them, before any spelling guess (issue 13 E.12): one finding, at the key, saying what to write.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from runner.findings import Finding
from runner.schema.keys import context, suggest

Findings = Callable[..., list[Finding]]

BASH = "dagId: d\ntasks:\n  - taskId: a\n    operator: bash\n    timeout: {execution: 1m}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # task level
        (BASH + "    params: {command: x}\n    retries: 3\n", "unknown key 'retries' in task 'a': write 'retryPolicy: {maxRetries: 3}'"),
        (BASH + "    params: {command: x}\n    retry_delay: 5m\n", "unknown key 'retry_delay' in task 'a': write 'retryPolicy: {retryDelay: 5m}'"),
        (BASH + "    params: {command: x}\n    env: {A: b}\n",
         "unknown key 'env' in task 'a': write params: {env: {NAME: value}} (environment variables of a bash or python task)"),
        (BASH + "    cmd: ./run.sh\n", "unknown key 'cmd' in task 'a': write 'params: {command: ./run.sh}'"),
        (BASH + "    script: ./run.sh\n", "unknown key 'script' in task 'a': write 'params: {command: ./run.sh}'"),
        (BASH + "    params: {command: x}\n    needs: [b]\n", "unknown key 'needs' in task 'a': write 'dependencies: [b]'"),
        (BASH + "    params: {command: x}\n    depends_on: b\n", "unknown key 'depends_on' in task 'a': write 'dependencies: [b]'"),
        (BASH + "    params: {command: x}\n    upstream: [b, c]\n", "unknown key 'upstream' in task 'a': write 'dependencies: [b, c]'"),
        (BASH + "    params: {command: x}\n    execution_timeout: 10m\n", "unknown key 'execution_timeout' in task 'a': write 'timeout: {execution: 10m}'"),
        (BASH + "    params: {command: x}\n    trigger_rule: all_done\n", "unknown key 'trigger_rule' in task 'a': write 'triggerRule'"),
        (BASH + "    params: {command: x}\n    pool: ml\n", "unknown key 'pool' in task 'a': write 'queue'"),
        ("dagId: d\ntasks:\n  - taskId: a\n    type: bash\n", "unknown key 'type' in task 'a': write 'operator'"),
        ("dagId: d\ntasks:\n  - taskId: a\n    operator: python\n    timeout: {execution: 1m}\n    run: x\n",
         "unknown key 'run' in task 'a': write 'operator: bash and params: {command: x}'"),
        # operator params
        (BASH + "    params: {cmd: ./run.sh}\n", "unknown key 'cmd' in params of task 'a': write 'command'"),
        (BASH + "    params: {bash_command: ./run.sh}\n", "unknown key 'bash_command' in params of task 'a': write 'command'"),
        (BASH + "    params: {command: x, environment: {A: b}}\n", "unknown key 'environment' in params of task 'a': write 'env: {NAME: value}'"),
        (BASH + "    params: {command: x, working_dir: /tmp}\n", "unknown key 'working_dir' in params of task 'a': write 'cwd'"),
        # workflow level
        ("dagId: d\nschedule_interval: '@daily'\ntasks:\n  - {taskId: a, operator: dummy}\n",
         "unknown key 'schedule_interval' in the workflow: write schedule: \"@daily\" (5 cron fields or @daily; quote it)"),
        ("dagId: d\nmax_active_runs: 2\ntasks:\n  - {taskId: a, operator: dummy}\n", "unknown key 'max_active_runs' in the workflow: write 'maxActiveRuns'"),
        ("dagId: d\njobs:\n  - {taskId: a, operator: dummy}\n",
         "unknown key 'jobs' in the workflow: write 'tasks: [{taskId: a, operator: bash, params: {command: ...}}]'"),
        # nested
        (BASH + "    params: {command: x}\n    retryPolicy: {retries: 3}\n", "unknown key 'retries' in retryPolicy of task 'a': write 'maxRetries'"),
        (BASH + "    params: {command: x}\n    resources: {mem: 512}\n", "unknown key 'mem' in resources of task 'a': write memory: 512 (MB, an integer)"),
    ],
)
def test_foreign_keys_get_the_flowrun_form(findings: Findings, text: str, expected: str) -> None:
    (finding,) = findings(text)
    assert (finding.code, finding.message) == ("FR002", expected)


def test_the_table_wins_over_spelling(findings: Findings) -> None:
    # by spelling alone, retries -> resources and cmd -> cwd
    messages = [f.message for f in findings(BASH + "    params: {cmd: x}\n    retries: 2\n")]
    assert not any("resources" in m or "'cwd'" in m for m in messages)


def test_a_foreign_key_beside_the_real_one_is_not_called_a_rename(findings: Findings) -> None:
    (finding,) = findings(BASH + "    params: {command: x, cmd: y}\n")
    assert "write 'command'" not in finding.message


def test_a_foreign_key_stands_for_the_missing_required_one(findings: Findings) -> None:
    found = findings("dagId: d\ntasks:\n  - taskId: a\n    operator: email\n    params: {recipients: a@example.com, subject: s, body: b}\n", "FR002")
    assert [f.message for f in found] == ["unknown key 'recipients' in params of task 'a': write 'to'"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("BashOperator", "'bash'"), ("PythonOperator", "'python'"), ("shell", "'bash'"), ("EmptyOperator", "'dummy'"), ("Bash", "'bash'")],
)
def test_foreign_operator_names(findings: Findings, value: str, expected: str) -> None:
    (finding,) = findings(f"dagId: d\ntasks:\n  - taskId: a\n    operator: {value}\n", "FR002")
    assert finding.message == f"'{value}' is not a valid operator in task 'a'; write {expected}"


def test_unknown_key_without_a_table_entry_still_gets_spelling_or_the_list(findings: Findings) -> None:
    (finding,) = findings(BASH + "    params: {command: x}\n    prority: 2\n")
    assert finding.message == "unknown key 'prority' in task 'a'; did you mean 'priority'?"


def test_context_and_suggest() -> None:
    data = {"tasks": [{"operator": "http"}]}
    assert context((), data) == "workflow"
    assert context(("tasks", 0), data) == "task"
    assert context(("tasks", 0, "params"), data) == "params:http"
    assert context(("environments", "dev"), data) == "environment"
    assert context(("defaults", "retryPolicy"), data) == "retryPolicy"
    term = suggest("endpoint", "params:http", ["url", "method"])
    assert term is not None and term.replaces == "url"
    assert suggest("endpoint", "params:bash", ["command", "env", "cwd"]) is None
    snake = suggest("retry_policy", "task", ["retryPolicy", "timeout"])
    assert snake is not None and snake.replaces == "retryPolicy"


@pytest.mark.parametrize("key", ["dagId", "tasks"])
def test_an_overlay_that_sets_what_cannot_be_overlaid_says_to_remove_it(findings: Findings, key: str) -> None:
    text = f"dagId: d\nenvironments:\n  dev:\n    {key}: x\ntasks:\n  - {{taskId: a, operator: dummy}}\n"
    (finding,) = findings(text)
    assert (finding.code, finding.line, finding.column) == ("FR002", 4, 5)
    assert finding.message.startswith(f"'{key}' in environments.dev cannot be overlaid") and "remove it" in finding.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dagId: d\njobs: {}\ntasks:\n  - taskId: a\n    operator: dummy\n",
         "unknown key 'jobs' in the workflow: 'jobs' is GitHub Actions' name; write 'tasks'"),
        ("dagId: d\nsteps: []\ntasks:\n  - taskId: a\n    operator: dummy\n",
         "unknown key 'steps' in the workflow: 'steps' is Dagu's name; write 'tasks'"),
        ("dagId: d\ntasks:\n  - taskId: a\n    operator: dummy\n    runs-on: ubuntu\n",
         "unknown key 'runs-on' in task 'a': 'runs-on' is GitHub Actions' name; write 'queue' (or metadata: {runAsUser: ...})"),
    ],
)
def test_other_tools_keys_without_a_context_entry_get_the_general_table(text: str, expected: str, findings: Findings) -> None:
    assert [f.message for f in findings(text, select="FR002")] == [expected]


def test_the_general_table_never_points_where_the_key_cannot_be_written(findings: Findings) -> None:
    # `retries` at the top of a workflow: retryPolicy belongs to a task or defaults, not here
    messages = [f.message for f in findings("dagId: d\nretries: 3\ntasks:\n  - taskId: a\n    operator: dummy\n", select="FR002")]
    assert len(messages) == 1 and "write 'retryPolicy" not in messages[0]
    # `bash_command` at the top: a workflow's params are run parameters, not a task's
    messages = [f.message for f in findings("dagId: d\nbash_command: x\ntasks:\n  - taskId: a\n    operator: dummy\n", select="FR002")]
    assert len(messages) == 1 and "write 'params" not in messages[0]
