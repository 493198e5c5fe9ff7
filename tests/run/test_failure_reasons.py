"""Why a try failed, where a user looks first: the failure line on the terminal and `runs show`
carry the last line the task wrote to stderr (masked before it is cut, control characters
escaped on the terminal), and the line after a failed try says where its log is."""

from __future__ import annotations

import json
import re
from pathlib import Path

from runner_helpers import STATE, cli_env, flowrun, tries, write_workflow

SECRET = "s3cr3t-Value-For-Tests-0123456789"  # FLOWRUN_SECRET_TOKEN in these runs


def _run(tmp_path: Path, text: str, *args: str) -> tuple[int, str, str]:
    write_workflow(tmp_path, text)
    proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE, *args, env=cli_env(FLOWRUN_SECRET_TOKEN=SECRET))
    return proc.returncode, proc.stdout, proc.stderr


def _show(tmp_path: Path) -> tuple[str, dict[str, object]]:
    text = flowrun(tmp_path, "runs", "show", "last", "--state", STATE)
    data = flowrun(tmp_path, "runs", "show", "last", "--state", STATE, "--format", "json")
    assert text.returncode == 0 and data.returncode == 0, text.stderr + data.stderr
    return text.stdout, json.loads(data.stdout)


def test_command_not_found_and_a_traceback_say_why(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, """
        dagId: reasons
        tasks:
          - {taskId: missing, operator: bash, params: {command: "no_such_program_xyz --flag"}}
          - taskId: crash
            operator: python
            params: {pythonCode: "print('working')\\nraise KeyError('the_key')"}
    """)
    assert code == 1, out + err
    assert re.search(r"missing: failed \(try 1\) in \S+: the command exited with status 127: .*"
                     r"no_such_program_xyz: command not found", out), out
    assert re.search(r"crash: failed \(try 1\) in \S+: the command exited with status 1: KeyError: 'the_key'", out), out
    show, data = _show(tmp_path)
    assert "command not found" in show and "KeyError: 'the_key'" in show
    errors = {t["task_id"]: t["error"] for t in data["tries"]}  # type: ignore[attr-defined]
    assert errors["crash"] == "the command exited with status 1: KeyError: 'the_key'"
    assert errors["missing"].endswith("no_such_program_xyz: command not found")


def test_the_log_of_a_failed_try_is_printed(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, """
        dagId: logs
        tasks:
          - taskId: flaky
            operator: bash
            retryPolicy: {maxRetries: 1}
            params: {command: "echo 'details here' >&2; exit 3"}
    """)
    assert code == 1, out + err
    logged = re.findall(r"flaky: log (\S+)", out)
    assert len(logged) == 2, out  # the retried try and the last one
    recorded = [Path(r["log_path"]) for r in tries(tmp_path / STATE, "flaky")]
    assert [(tmp_path / p).resolve() for p in logged] == [p.resolve() for p in recorded]
    assert all("details here" in p.read_text() for p in recorded)
    assert not Path(logged[0]).is_absolute()  # below the working directory: shown relative to it

    code, out, _ = _run(tmp_path, """
        dagId: logs
        tasks:
          - taskId: flaky
            operator: bash
            params: {command: "exit 3"}
    """, "--log-format", "json")
    failed = [json.loads(line) for line in out.splitlines() if '"task_failed"' in line]
    assert len(failed) == 1 and Path(failed[0]["log"]).is_file()


def test_a_secret_at_the_cut_is_masked_before_the_line_is_cut(tmp_path: Path) -> None:
    """The line is cut to 200 characters; a secret across the cut must not leave a prefix behind."""
    padding = "x" * 185
    code, out, err = _run(tmp_path, f"""
        dagId: masked
        tasks:
          - taskId: leak
            operator: bash
            params:
              command: 'printf "%s%s tail\\n" {padding} "$TOKEN" >&2; exit 2'
              env: {{TOKEN: "{{{{ var.secret.TOKEN }}}}"}}
    """)
    assert code == 1, out + err
    show, data = _show(tmp_path)
    error = tries(tmp_path / STATE, "leak")[0]["error"]
    assert "***" in error, error
    for text in (out, err, show, json.dumps(data), error):
        assert SECRET[:6] not in text


def test_control_characters_in_stderr_are_escaped_on_the_terminal(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, r"""
        dagId: controls
        tasks:
          - taskId: rude
            operator: bash
            params: {command: "printf 'bad \\033[2J\\033]0;pwned\\007 thing\\010!\\r\\n' >&2; exit 5"}
    """)
    assert code == 1, out + err
    line = next(line for line in out.splitlines() if "rude: failed" in line)
    assert "\x1b" not in out and "\x07" not in out and "\x08" not in out and "\r" not in out
    # colours, cursor moves and titles are dropped; any other control character is shown escaped
    assert line.endswith("the command exited with status 5: bad  thing\\x08!"), line


def test_run_of_a_directory_says_it_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    for command in ("run", "graph"):
        proc = flowrun(tmp_path, command, "flows")
        assert proc.returncode == 2
        assert "flows: is a directory" in proc.stderr and f"'{command}' takes one workflow file" in proc.stderr
        assert "no such file" not in proc.stderr


def test_run_of_a_device_says_it_is_not_a_regular_file(tmp_path: Path) -> None:
    proc = flowrun(tmp_path, "run", "/dev/null")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "flowrun: error: /dev/null: is not a regular file; 'run' takes one workflow file"
