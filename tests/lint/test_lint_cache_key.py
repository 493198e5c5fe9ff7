"""A lint cache committed to a repository cannot make a broken file look clean: entry names are
keyed with a secret of the user who lints (`~/.cache/flowrun/cache.key` or FLOWRUN_CACHE_KEY)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from conftest import cli_env, flowrun

BROKEN = "dagId: d\ntasks:\n  - taskId: a\n    operator: dummy\n    dependencies: [nope]\n"


def lint(root: Path, home: Path, **env: str) -> tuple[int, str]:
    run = flowrun("lint", "wf.yaml", cwd=root, env=cli_env(HOME=str(home), XDG_CACHE_HOME="", **env))
    return run.returncode, run.stdout + run.stderr


def test_entries_forged_in_a_repository_are_never_found(tmp_path: Path) -> None:
    repo, attacker, victim = tmp_path / "repo", tmp_path / "attacker", tmp_path / "victim"
    for d in (repo, attacker, victim):
        d.mkdir()
    (repo / "wf.yaml").write_text(BROKEN)
    # the attacker lints the broken file with a key of their own, then empties every entry
    code, out = lint(repo, attacker, FLOWRUN_CACHE_KEY="known-to-the-attacker")
    assert code == 1 and "FR004" in out
    entries = list((repo / ".flowrun_cache").rglob("*.json"))
    assert entries
    for entry in entries:
        entry.write_text("[]")
    code, out = lint(repo, attacker, FLOWRUN_CACHE_KEY="known-to-the-attacker")
    assert code == 0  # the forgery works for whoever knows the key...
    code, out = lint(repo, victim)  # ...and not for anyone else
    assert code == 1 and "FR004" in out
    key = victim / ".cache" / "flowrun" / "cache.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32


def test_a_key_that_is_a_symlink_disables_the_cache(tmp_path: Path) -> None:
    repo, home = tmp_path / "repo", tmp_path / "home"
    (home / ".cache" / "flowrun").mkdir(parents=True)
    repo.mkdir()
    sentinel = tmp_path / "sentinel"
    sentinel.write_bytes(b"x" * 64)
    os.chmod(sentinel, 0o600)
    os.symlink(sentinel, home / ".cache" / "flowrun" / "cache.key")
    (repo / "wf.yaml").write_text(BROKEN)
    code, out = lint(repo, home)
    assert code == 1 and "FR004" in out
    assert not (repo / ".flowrun_cache").exists()  # no key of our own: no cache
    assert sentinel.read_bytes() == b"x" * 64
