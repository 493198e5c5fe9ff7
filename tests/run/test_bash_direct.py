"""A plain `bash` command (one program, plain words) is exec'd directly, as make does, and the
program sees what it would see under `bash -c`; anything else still goes through bash."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from runner_helpers import STATE, run_api, tries

from runner.run.operators.bash import direct_argv

ENV = {"PATH": os.environ["PATH"]}


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """./show.py prints what it sees: argv, PWD, SHLVL, _ (and exits with its first argument)."""
    path = tmp_path / "show.py"
    path.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "print(json.dumps({'argv': sys.argv, 'pwd': os.environ.get('PWD'), 'shlvl': os.environ.get('SHLVL'),"
        " 'under': os.environ.get('_'), 'cwd': os.getcwd()}))\n"
        "sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)\n"
    )
    path.chmod(0o755)
    (tmp_path / "plain.txt").write_text("not a program\n")
    return path


def test_which_commands_are_exec_directly(tmp_path: Path, script: Path) -> None:
    true = shutil.which("true")
    assert direct_argv("true", ENV, str(tmp_path)) == (true, ["true"])
    assert direct_argv("  ./show.py a --b=c 1  ", ENV, str(tmp_path)) == ("./show.py", ["./show.py", "a", "--b=c", "1"])
    assert direct_argv("./show.py a\n", ENV, str(tmp_path)) == ("./show.py", ["./show.py", "a"])  # a `|` block
    through_bash = [
        "echo $HOME", "true | cat", "true && true", "true; true", "true\ntrue", "x=1 ./show.py", "cd /tmp",
        "exit 3", "kill 1", "printf x", "test -f x", "pwd", "ls *.txt", "echo 'q'", 'echo "q"', "echo a\\ b",
        "true > out", "true 2>&1", "~/show.py", "./show.py #c", "(true)", "{ true; }", "nosuchprogram x",
        "./plain.txt", "./missing.sh", "true `x`", "echo {a,b}", "",
    ]
    for command in through_bash:
        assert direct_argv(command, ENV, str(tmp_path)) is None, command
    for env in ({**ENV, "BASH_ENV": "/etc/x"}, {**ENV, "BASH_FUNC_true%%": "() { :; }"}, {"PATH": "bin:" + ENV["PATH"]}):
        assert direct_argv("true", env, str(tmp_path)) is None, env


def _seen(tmp_path: Path, command: str, cwd: str | None = None) -> tuple[str, dict[str, object]]:
    params: dict[str, object] = {"command": command}
    if cwd:
        params["cwd"] = cwd
    result = run_api(tmp_path, {"dagId": "d", "tasks": [{"taskId": "a", "operator": "bash", "params": params}]})
    task = result.tasks["a"]
    return task.state, task.output if isinstance(task.output, dict) else {}


def test_the_program_sees_what_bash_would_show_it(tmp_path: Path, script: Path) -> None:
    (tmp_path / "sub").mkdir()
    shutil.copy(script, tmp_path / "sub" / "show.py")
    for command, cwd in (("./show.py a b", None), ("./show.py", "sub")):
        direct = _seen(tmp_path, command, cwd)
        assert direct_argv(command, ENV, str(tmp_path / (cwd or ""))) is not None
        by_bash = _seen(tmp_path, "{ " + command + "; }", cwd)  # a group: bash runs it (and forks)
        assert direct[0] == by_bash[0] == "success"
        assert direct[1] == by_bash[1], (direct, by_bash)
        assert direct[1]["pwd"] == str(tmp_path / (cwd or "")).rstrip("/")


def test_what_the_kernel_cannot_exec_goes_to_bash(tmp_path: Path) -> None:
    """A script without `#!` is run by bash as a shell script; a missing interpreter is bash's
    error and exit status (126 or 127), not a failure to start."""
    (tmp_path / "plain.sh").write_text("echo from-a-plain-script\n")
    (tmp_path / "bad.sh").write_text("#!/no/such/interpreter\necho never\n")
    for name in ("plain.sh", "bad.sh"):
        (tmp_path / name).chmod(0o755)
        assert direct_argv(f"./{name}", ENV, str(tmp_path)) is not None
    result = run_api(tmp_path, {"dagId": "d", "tasks": [
        {"taskId": "plain", "operator": "bash", "params": {"command": "./plain.sh"}},
        {"taskId": "bad", "operator": "bash", "params": {"command": "./bad.sh"}},
    ]})
    assert (result.tasks["plain"].state, result.tasks["plain"].output) == ("success", "from-a-plain-script")
    assert result.tasks["bad"].state == "failed" and "exited with status 12" in (result.tasks["bad"].error or "")  # 126 or 127
    [bad] = tries(tmp_path / STATE, "bad")
    assert "bash: line 1: ./bad.sh: " in Path(bad["log_path"]).read_text()  # bash's own words (they vary by version)


def test_exit_statuses_and_missing_programs(tmp_path: Path, script: Path) -> None:
    result = run_api(tmp_path, {"dagId": "d", "tasks": [
        {"taskId": "fails", "operator": "bash", "params": {"command": "./show.py 3"}},
        {"taskId": "missing", "operator": "bash", "params": {"command": "nosuchprogram --x"}},
        {"taskId": "true", "operator": "bash", "params": {"command": "true"}},
        {"taskId": "false", "operator": "bash", "params": {"command": "false"}},
    ]})
    assert result.tasks["fails"].state == "failed" and "exited with status 3" in (result.tasks["fails"].error or "")
    assert result.tasks["missing"].state == "failed" and "exited with status 127" in (result.tasks["missing"].error or "")
    [missing] = tries(tmp_path / STATE, "missing")
    assert "nosuchprogram: command not found" in Path(missing["log_path"]).read_text()  # bash said it
    assert result.tasks["true"].state == "success"
    assert result.tasks["false"].state == "failed"


def test_a_program_started_directly_gets_default_signals_and_no_stray_descriptors(tmp_path: Path) -> None:
    """posix_spawn undoes what Python changed in the runner: SIGPIPE (which Python ignores) is
    back to its default, no signal is blocked, and a descriptor the runner inherited (here fd
    `spare`, made inheritable) is not passed on, as with Popen's close_fds."""
    spare = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(spare, True)
    try:
        result = run_api(tmp_path, {"dagId": "d", "tasks": [
            {"taskId": "ignored", "operator": "bash", "params": {"command": "grep SigIgn /proc/self/status"}},
            {"taskId": "blocked", "operator": "bash", "params": {"command": "grep SigBlk /proc/self/status"}},
            {"taskId": "fds", "operator": "bash", "params": {"command": f"ls /proc/self/fd/{spare}"}},
        ]})
    finally:
        os.close(spare)
    assert direct_argv("grep SigIgn /proc/self/status", ENV, str(tmp_path)) is not None
    ignored = int(str(result.tasks["ignored"].output).split()[-1], 16)
    assert not ignored & (1 << (13 - 1)), hex(ignored)  # SIGPIPE is signal 13
    assert int(str(result.tasks["blocked"].output).split()[-1], 16) == 0
    assert result.tasks["fds"].state == "failed"  # ls: cannot access '/proc/self/fd/N'
