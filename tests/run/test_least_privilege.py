"""Least privilege: `metadata.runAsUser` with a real unprivileged user, and what a task inherits.

As root, the test creates a throw-away user (`useradd`, removed by `userdel` in a finalizer) and
checks that the task's process has that user's uid, primary group and groups (none of root's),
its HOME/USER, and cannot read a file only root may read (mode 600) nor one readable by the
group root (mode 640). Not as root, runAsUser must fail the try with a clear message.

flowrun starts a task in its working directory (the directory `flowrun` runs in, or the task's
`cwd`) before it switches to the user, so the directory only needs to be readable by the user
for the task to list it: the test uses a mode 755 directory. Either way, no task inherits
flowrun's secrets (FLOWRUN_SECRET_*): it gets a secret only through its own `env`.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from runner_helpers import cli_env, flowrun, query, write_workflow

IS_ROOT = os.geteuid() == 0


@pytest.fixture
def unprivileged_user() -> Iterator[pwd.struct_passwd]:
    """A new user with no home and no login shell (as root), else the current user."""
    if not IS_ROOT:
        yield pwd.getpwuid(os.getuid())
        return
    name = f"flowrun_test_{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True,
                   capture_output=True)
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True)
        with pytest.raises(KeyError):
            pwd.getpwnam(name)


WORKFLOW = """
dagId: least_privilege
tasks:
  - taskId: who
    operator: bash
    metadata: {runAsUser: RUN_AS}
    params:
      command: 'echo "$(id -u)|$(id -g)|$(id -G)|$HOME|$USER|$(pwd)"'
  - taskId: py
    operator: python
    metadata: {runAsUser: RUN_AS}
    params: {pythonCode: "import os; print(os.getuid())"}
  - taskId: root_only
    operator: bash
    metadata: {runAsUser: RUN_AS}
    params: {command: "cat root_only.txt"}
  - taskId: group_root
    operator: bash
    metadata: {runAsUser: RUN_AS}
    params: {command: "cat group_root.txt"}
  - taskId: listing
    operator: bash
    metadata: {runAsUser: RUN_AS}
    params: {command: "ls"}
  - taskId: secrets
    operator: bash
    metadata: {runAsUser: RUN_AS}
    params:
      command: 'echo "$(env | grep -c "^FLOWRUN_SECRET_") $(printf %s "$GIVEN" | wc -c)"'
      env: {GIVEN: "{{ var.secret.OTHER }}"}
"""


def _can_execute(program: str, user: pwd.struct_passwd) -> bool:
    try:
        subprocess.run([program, "-c", "pass"], user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                       check=True, capture_output=True, cwd="/")
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def _workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    work.chmod(0o755)  # readable by the user; flowrun enters it before switching user
    for name, mode in (("root_only.txt", 0o600), ("group_root.txt", 0o640)):
        (work / name).write_text("only for root\n")
        (work / name).chmod(mode)
    return work


def test_run_as_user_has_only_that_users_rights(tmp_path: Path, unprivileged_user: pwd.struct_passwd) -> None:
    user = unprivileged_user
    work = _workdir(tmp_path)
    path = write_workflow(work, WORKFLOW.replace("RUN_AS", user.pw_name))
    env = cli_env(FLOWRUN_SECRET_OTHER="other-secret-value-123", FLOWRUN_SECRET_UNUSED="unused-secret-value-456")
    proc = flowrun(work, "run", str(path), "--state", str(tmp_path / "state.db"), env=env)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    db = tmp_path / "state.db"
    rows = {r["task_id"]: r for r in query(db, "SELECT task_id, state, output, error FROM tasks")}
    logs = {p.parent.name: p.read_text() for p in (tmp_path / "logs").rglob("1.log")}

    if not IS_ROOT:
        assert proc.returncode == 1
        for row in rows.values():
            assert row["state"] == "failed"
            assert row["error"] == f"runAsUser '{user.pw_name}' needs flowrun to run as root (it runs as uid {os.geteuid()})"
        return

    assert proc.returncode == 1, proc.stdout + proc.stderr  # the two reads of root's files fail
    uid, gid, groups, home, name, cwd = json.loads(rows["who"]["output"]).split("|")
    assert int(uid) == user.pw_uid != 0
    assert int(gid) == user.pw_gid != 0
    assert groups.split() == [str(g) for g in os.getgrouplist(user.pw_name, user.pw_gid)]
    assert "0" not in groups.split()  # none of root's groups
    assert (home, name) == (user.pw_dir, user.pw_name)
    assert cwd == str(work)
    if _can_execute(sys.executable, user):
        assert rows["py"]["state"] == "success" and json.loads(rows["py"]["output"]) == user.pw_uid
    else:  # e.g. an interpreter below /root (mode 700): a clear failure, not a traceback
        assert rows["py"]["state"] == "failed"
        assert rows["py"]["error"] == f"cannot start {sys.executable}: Permission denied"

    for task in ("root_only", "group_root"):
        assert rows[task]["state"] == "failed"
        assert rows[task]["error"].startswith("the command exited with status 1: ")  # + its last stderr line
        assert rows[task]["error"].endswith("Permission denied")
        assert "Permission denied" in logs[task]
        assert "only for root" not in logs[task]
    assert rows["listing"]["state"] == "success" and "root_only.txt" in logs["listing"]

    # no FLOWRUN_SECRET_* inherited; the secret named in `env` arrives (22 characters)
    assert rows["secrets"]["state"] == "success"
    assert json.loads(rows["secrets"]["output"]) == "0 22"


def test_tasks_do_not_inherit_flowruns_secrets(tmp_path: Path) -> None:
    path = write_workflow(tmp_path, """
        dagId: inherit
        tasks:
          - taskId: t
            operator: bash
            params:
              command: 'echo "$(env | grep -c "^FLOWRUN_SECRET_\\|^FLOWRUN_SMTP_PASSWORD=") $FLOWRUN_VAR_PLAIN $(printf %s "$GIVEN" | wc -c)"'
              env: {GIVEN: "{{ var.secret.GIVEN }}"}
    """)
    env = cli_env(FLOWRUN_SECRET_GIVEN="given-secret-1234", FLOWRUN_SECRET_OTHER="other-secret-5678",
                  FLOWRUN_SMTP_PASSWORD="smtp-password-9012", FLOWRUN_VAR_PLAIN="plain")
    proc = flowrun(tmp_path, "run", str(path), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    output = query(tmp_path / ".flowrun" / "state.db", "SELECT output FROM tasks")[0]["output"]
    assert json.loads(output) == "0 plain 17"  # variables are inherited, secrets only when given
