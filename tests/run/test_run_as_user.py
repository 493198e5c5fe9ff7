"""`metadata.runAsUser`: the task's process runs as that user when flowrun runs as root, and the
try fails with a clear message when it cannot (not root, or no such user)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from runner_helpers import cli_env, flowrun, query, write_workflow

from runner.api import Workflow
from runner.run.session import run_workflow


def _run(tmp_path: Path, user: str) -> tuple[str, object, str | None]:
    wf = Workflow.from_dict({
        "dagId": "as_user",
        "tasks": [{"taskId": "who", "operator": "bash", "metadata": {"runAsUser": user}, "params": {"command": "id -u"}}],
    })
    result = run_workflow(wf, state=str(tmp_path / "s.db"), cwd="/")
    task = result.tasks["who"]
    return task.state, task.output, task.error


def test_runs_as_the_user_or_says_why_not(tmp_path: Path) -> None:
    state, output, error = _run(tmp_path, "nobody")
    if os.geteuid() == 0:
        assert state == "success", error
        assert output == pwd.getpwnam("nobody").pw_uid
    else:
        assert state == "failed"
        assert error is not None and "needs flowrun to run as root" in error


def test_unknown_user_fails_the_try_clearly(tmp_path: Path) -> None:
    state, _, error = _run(tmp_path, "no_such_user_flowrun")
    assert state == "failed"
    assert error == "runAsUser 'no_such_user_flowrun': no such user on this machine"


# -- the environment of a runAsUser task, and what it can read (issue 12) ---------------------------

ENV_WORKFLOW = """
dagId: user_env
tasks:
  - taskId: root_task
    operator: bash
    params: {command: "echo private-output-of-root"}
  - taskId: as_user
    operator: bash
    metadata: {runAsUser: nobody, passEnv: [PASSED_ON]}
    params: {command: "env", env: {OWN: own-value}}
  - taskId: as_runner
    operator: bash
    params: {command: "env"}
  - taskId: other_log
    operator: bash
    dependencies: [root_task]
    metadata: {runAsUser: nobody}
    params: {command: "cat .flowrun/logs/user_env/{{ run_id }}/root_task/1.log"}
"""
PLANTED = {"AWS_SECRET_ACCESS_KEY": "planted-aws-secret", "GITHUB_TOKEN": "planted-github-token",
           "FLOWRUN_VAR_PLAIN": "plain-variable", "PASSED_ON": "passed-value", "LANG": "C.UTF-8", "TZ": "UTC"}


def _environment(log: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in log.read_text().splitlines() if "=" in line)


def test_run_as_user_gets_a_minimal_environment(tmp_path: Path) -> None:
    """A runAsUser task does not inherit the runner's credentials: PATH, LANG/LC_*/TZ, the
    user's HOME/USER/LOGNAME/SHELL, its own `env` and what `metadata.passEnv` names; its logs and
    the other tasks' are not readable by it."""
    work = tmp_path / "work"
    work.mkdir()
    work.chmod(0o755)  # the user may look up names in it (as a checkout would allow)
    path = write_workflow(work, ENV_WORKFLOW)
    proc = flowrun(work, "run", str(path), env=cli_env(**PLANTED))
    assert "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    rows = {r["task_id"]: r for r in query(work / ".flowrun" / "state.db", "SELECT task_id, state, error FROM tasks")}
    logs = {p.parent.name: p for p in (work / ".flowrun" / "logs").rglob("1.log")}
    runner_env = _environment(logs["as_runner"])
    assert runner_env["AWS_SECRET_ACCESS_KEY"] == "planted-aws-secret"  # (without runAsUser: unchanged)
    if os.geteuid() != 0:
        assert rows["as_user"]["state"] == "failed" and "needs flowrun to run as root" in rows["as_user"]["error"]
        return

    assert rows["as_user"]["state"] == "success", rows["as_user"]["error"]
    env = _environment(logs["as_user"])
    nobody = pwd.getpwnam("nobody")
    for name in ("AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "FLOWRUN_VAR_PLAIN"):
        assert name not in env, name
    assert (env["HOME"], env["USER"], env["LOGNAME"], env["SHELL"]) == (
        nobody.pw_dir, "nobody", "nobody", nobody.pw_shell)
    assert (env["OWN"], env["PASSED_ON"], env["LANG"], env["TZ"]) == ("own-value", "passed-value", "C.UTF-8", "UTC")
    assert env["PATH"] == os.environ["PATH"]
    assert set(env) - {"PWD", "SHLVL", "_"} == {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "OWN", "PASSED_ON",
                                                "LANG", "TZ"} | {k for k in os.environ if k.startswith("LC_")}

    # the state store and the logs are private to the runner's user
    assert rows["other_log"]["state"] == "failed"
    assert "Permission denied" in logs["other_log"].read_text()
    assert "private-output-of-root" not in logs["other_log"].read_text()


def test_pass_env_is_a_list_of_variable_names() -> None:
    def errors(pass_env: object) -> list[str]:
        wf = Workflow.from_dict({"dagId": "d", "tasks": [{
            "taskId": "t", "operator": "bash", "params": {"command": "true"},
            "metadata": {"runAsUser": "nobody", "passEnv": pass_env}}]})
        return [f.message for f in wf.validate().errors]

    assert errors(["AWS_PROFILE", "http_proxy"]) == []
    assert len(errors("AWS_PROFILE")) == 1  # a list, not a string
    assert len(errors(["AWS PROFILE"])) == 1  # a variable name
