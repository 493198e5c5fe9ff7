"""`metadata.runAsUser`: the task's process runs as that user when flowrun runs as root, and the
try fails with a clear message when it cannot (not root, or no such user)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from runner.model import Workflow
from runner.runs import run_workflow


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
