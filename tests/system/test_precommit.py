"""The pre-commit hook (.pre-commit-hooks.yaml, SPEC section 6) run by the real `pre-commit`.

pre-commit clones the hook repository at a commit, builds a virtualenv and pip-installs the
project into it (this needs the package index, and takes a few seconds). Two things shape the
fixtures:

* `pre-commit try-repo <path>` only sees committed, staged and modified *tracked* files: an
  untracked `.pre-commit-hooks.yaml` (or rule module) is invisible to it. So the tests commit a
  snapshot of the project's working tree (tracked and untracked, minus .gitignore'd files) into
  a temporary repository and point pre-commit at that.
* `try-repo` always installs into a throw-away store and ignores PRE_COMMIT_HOME, so only one
  test uses it; the others run `pre-commit run` with a `.pre-commit-config.yaml` naming the
  snapshot and a PRE_COMMIT_HOME shared by the module, so that environment is built once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pre_commit  # noqa: F401 - in the test extra; the tests run it as `python -m pre_commit`
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HOOK_ID = "flowrun-lint"
GIT_TIMEOUT = 60
PRE_COMMIT_TIMEOUT = 300  # the first run builds a virtualenv and pip-installs the project

CLEAN = """\
dagId: hello
tasks:
  - taskId: a
    operator: dummy
  - taskId: b
    operator: dummy
    dependencies: [a]
"""

# Line 5 col 20: 'nope' names no task (FR004); line 8 col 20: b -> c -> b (FR101).
BROKEN = """\
dagId: broken
tasks:
  - taskId: a
    operator: dummy
    dependencies: [nope]
  - taskId: b
    operator: dummy
    dependencies: [c]
  - taskId: c
    operator: dummy
    dependencies: [b]
"""

# Copying these into the snapshot would be slow or wrong, when git cannot list the files.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".flowrun",
    "build",
    "dist",
)


def _describe(result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"command: {' '.join(map(str, result.args))}\n"
        f"exit code: {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


def _run(
    args: Sequence[str | Path], cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [str(a) for a in args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"timed out after {timeout}s: {' '.join(map(str, args))}\n"
            f"--- stdout ---\n{exc.stdout!r}\n--- stderr ---\n{exc.stderr!r}"
        )


def _git(repo: Path, env: dict[str, str], *args: str) -> str:
    result = _run(["git", *args], repo, env, GIT_TIMEOUT)
    assert result.returncode == 0, f"git failed\n{_describe(result)}"
    return result.stdout.strip()


def _commit_all(repo: Path, env: dict[str, str]) -> str:
    _git(repo, env, "add", "-A")
    _git(repo, env, "commit", "-q", "--no-verify", "-m", "test")
    return _git(repo, env, "rev-parse", "HEAD")


def _make_repo(path: Path, env: dict[str, str], files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    _git(path, env, "init", "-q")
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text, encoding="utf-8")
    _commit_all(path, env)
    return path


def _pre_commit(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "pre_commit", *args], repo, env, PRE_COMMIT_TIMEOUT)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment for git and pre-commit: no user git config, no SKIP, a shared store."""
    base = tmp_path_factory.mktemp("precommit-env")
    gitconfig = base / "gitconfig"
    gitconfig.write_text(
        "[user]\n\temail = flowrun-tests@example.invalid\n\tname = flowrun tests\n"
        "[init]\n\tdefaultBranch = main\n"
        "[commit]\n\tgpgsign = false\n",
        encoding="utf-8",
    )
    result = {
        k: v
        for k, v in os.environ.items()
        # GIT_DIR, GIT_INDEX_FILE, ... are set when pytest itself runs inside a git hook.
        if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in ("SKIP", "NO_COLOR")
    }
    result.update(
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(base / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
    )
    return result


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[Path, str]:
    """A git repository holding the project's working tree as it is now; (path, commit)."""
    snapshot = tmp_path_factory.mktemp("flowrun-snapshot") / "flowrun"
    listing = _run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        PROJECT_ROOT,
        env,
        GIT_TIMEOUT,
    )
    if listing.returncode == 0:
        for name in filter(None, listing.stdout.split("\0")):
            source = PROJECT_ROOT / name
            if not os.path.lexists(source):  # deleted in the working tree
                continue
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name, follow_symlinks=False)
        _git(snapshot, env, "init", "-q")
    else:  # not a git checkout (an unpacked sdist, say)
        shutil.copytree(PROJECT_ROOT, snapshot, symlinks=True, ignore=_NOT_SOURCE)
        _git(snapshot, env, "init", "-q")
    assert (snapshot / ".pre-commit-hooks.yaml").is_file(), "no .pre-commit-hooks.yaml in project"
    return snapshot, _commit_all(snapshot, env)


def _config(hook_repo: tuple[Path, str]) -> str:
    path, rev = hook_repo
    return (
        f"repos:\n  - repo: {path.as_posix()}\n    rev: {rev}\n    hooks:\n      - id: {HOOK_ID}\n"
    )


def _assert_broken_reported(result: subprocess.CompletedProcess[str], path: str) -> None:
    assert result.returncode != 0, f"the hook passed a broken workflow\n{_describe(result)}"
    out = result.stdout + result.stderr
    assert f"- hook id: {HOOK_ID}" in out, f"the hook did not run\n{_describe(result)}"
    assert f"{path}:5:20: FR004 [error]" in out, (
        f"FR004 at {path}:5:20 missing\n{_describe(result)}"
    )
    assert f"{path}:8:20: FR101 [error]" in out, (
        f"FR101 at {path}:8:20 missing\n{_describe(result)}"
    )


def test_clean_workflow_passes(
    tmp_path: Path, env: dict[str, str], hook_repo: tuple[Path, str]
) -> None:
    # The config itself is YAML in the repository: the manifest's exclude keeps it out.
    repo = _make_repo(
        tmp_path / "repo",
        env,
        {
            ".pre-commit-config.yaml": _config(hook_repo),
            "workflows/hello.yaml": CLEAN,
            "README.md": "not YAML, never passed to the hook\n",
        },
    )
    result = _pre_commit(repo, env, "run", HOOK_ID, "--all-files", "--color=never")
    assert result.returncode == 0, f"the hook failed a clean workflow\n{_describe(result)}"
    assert "flowrun lint" in result.stdout and "Passed" in result.stdout, _describe(result)


def test_broken_workflow_fails_with_findings(
    tmp_path: Path, env: dict[str, str], hook_repo: tuple[Path, str]
) -> None:
    repo = _make_repo(
        tmp_path / "repo",
        env,
        {
            ".pre-commit-config.yaml": _config(hook_repo),
            "workflows/hello.yaml": CLEAN,
            "workflows/broken.yml": BROKEN,  # .yml is YAML too
        },
    )
    result = _pre_commit(repo, env, "run", HOOK_ID, "--all-files", "--color=never")
    _assert_broken_reported(result, "workflows/broken.yml")
    assert "hello.yaml:" not in result.stdout, f"finding in the clean file\n{_describe(result)}"


def test_only_the_given_files_are_linted(
    tmp_path: Path, env: dict[str, str], hook_repo: tuple[Path, str]
) -> None:
    repo = _make_repo(
        tmp_path / "repo",
        env,
        {".pre-commit-config.yaml": _config(hook_repo), "hello.yaml": CLEAN, "broken.yaml": BROKEN},
    )
    result = _pre_commit(repo, env, "run", HOOK_ID, "--files", "hello.yaml", "--color=never")
    assert result.returncode == 0, f"a file not passed was linted\n{_describe(result)}"
    result = _pre_commit(repo, env, "run", HOOK_ID, "--files", "broken.yaml", "--color=never")
    _assert_broken_reported(result, "broken.yaml")


def test_try_repo(tmp_path: Path, env: dict[str, str], hook_repo: tuple[Path, str]) -> None:
    """`pre-commit try-repo`, the way to try the hook from a checkout (builds its own env)."""
    repo = _make_repo(tmp_path / "repo", env, {"hello.yaml": CLEAN, "broken.yaml": BROKEN})
    result = _pre_commit(
        repo, env, "try-repo", str(hook_repo[0]), HOOK_ID, "--all-files", "--color=never"
    )
    _assert_broken_reported(result, "broken.yaml")
    assert "hello.yaml:" not in result.stdout, f"finding in the clean file\n{_describe(result)}"


COMPOSE = """\
services:
  web:
    image: "nginx:1.25"
    ports: ["8080:80"]
"""

GITHUB_WORKFLOW = """\
name: ci
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo ${{ github.sha }}
"""


def test_manifest_runs_one_hook_process_at_a_time() -> None:
    from ruamel.yaml import YAML

    hooks = YAML(typ="safe").load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == HOOK_ID)
    assert hook["require_serial"] is True  # flowrun forks its own workers
    assert hook["types"] == ["yaml"]


def test_mixed_repository_needs_no_configuration(
    tmp_path: Path, env: dict[str, str], hook_repo: tuple[Path, str]
) -> None:
    """Compose files and a GitHub workflow next to flowrun workflows: skipped, not FR002 cascades."""
    files = {
        ".pre-commit-config.yaml": _config(hook_repo),
        "docker-compose.yml": COMPOSE,
        ".github/workflows/ci.yml": GITHUB_WORKFLOW,
        "deploy/values.yaml": "replicaCount: 2\nimage:\n  tag: latest\n",
        "workflows/hello.yaml": CLEAN,
    }
    repo = _make_repo(tmp_path / "repo", env, files)
    result = _pre_commit(repo, env, "run", HOOK_ID, "--all-files", "--color=never", "--verbose")
    assert result.returncode == 0, f"the hook failed a mixed repository\n{_describe(result)}"
    assert "Passed" in result.stdout and "not workflows" in result.stdout, _describe(result)
    assert "FR00" not in result.stdout, _describe(result)

    (repo / "workflows" / "broken.yml").write_text(BROKEN, encoding="utf-8")
    _commit_all(repo, env)
    result = _pre_commit(repo, env, "run", HOOK_ID, "--all-files", "--color=never")
    _assert_broken_reported(result, "workflows/broken.yml")
    for other in ("docker-compose.yml", "ci.yml", "values.yaml"):
        assert f"{other}:" not in result.stdout, f"finding in {other}\n{_describe(result)}"
