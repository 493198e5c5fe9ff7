"""Which files `flowrun lint PATH...` reads, in a tree that may be hostile.

A file is read only if it is a regular file inside the linted root of the argument that found
it, all symlinks resolved. The root of a directory argument is that directory; the root of a
file argument is the directory that holds it. An argument written below the working directory
must also resolve inside it. So a symlink committed in a repository may point at another file of
the linted tree (it is linted under its own name unless that file is linted too, and `--fix`
leaves it alone), never at a file
outside it (`~/.ssh/...`, `/proc/self/environ`, `/dev/zero`): that one is skipped with a note.
Symlinked directories are not descended into (no loops, no file seen twice, nothing reached
outside); named pipes, sockets and devices are skipped without being opened. Directories and
files whose name starts with a dot below an argument are not searched, as before.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from runner.errors import NoSuchPath, UsageError
from runner.lint.config import LintConfig
from runner.safe_io import kind

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Discovery:
    files: list[tuple[str, str]] = field(default_factory=list)  # (path shown, path to open)
    notes: list[str] = field(default_factory=list)  # one line per file or argument skipped


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def discover(paths: list[str], config: LintConfig) -> Discovery:
    """Files to lint: given files, and `*.yaml`/`*.yml` below given directories, sorted per argument."""
    found = Discovery()
    cwd = os.getcwd()
    cwd_real = os.path.realpath(cwd)
    for raw in paths:
        path = Path(raw)
        try:
            status = os.lstat(path)
        except OSError:
            raise NoSuchPath(raw) from None
        absolute = os.path.abspath(path)
        real = os.path.realpath(path)
        if _inside(absolute, cwd) and not _inside(real, cwd_real):
            found.notes.append(_outside(raw, real, "the working directory", link=os.path.islink(path)))
            continue
        link = stat.S_ISLNK(status.st_mode)
        if link:
            holder = os.path.realpath(os.path.dirname(absolute))
            if not _inside(real, holder):
                found.notes.append(_outside(raw, real, f"'{os.path.dirname(raw) or '.'}'"))
                continue
            try:
                status = os.stat(path)
            except OSError:
                raise NoSuchPath(raw) from None  # a symlink to nothing
        if stat.S_ISDIR(status.st_mode):
            _walk(path, real, config, found)
        elif stat.S_ISREG(status.st_mode):
            if not config.excludes(path):
                found.files.append((str(path), real if link else str(path)))
        else:
            raise UsageError(f"{raw}: {kind(status.st_mode)}, not a file or a directory")
    found.files = _once(found.files)
    return found


def _once(files: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each file once: a file named twice, or a symlink to a file linted under its own name, is linted once."""
    files = list(dict(files).items())
    links = {real for shown, real in files if real != shown}
    if not links:
        return files
    own = {os.path.realpath(shown) for shown, real in files if real == shown}
    return [(shown, real) for shown, real in files if real == shown or real not in own]


def _outside(shown: str, real: str, root: str, link: bool = True) -> str:
    how = "a symlink to" if link else "it leads to"
    return f"skipped '{shown}': {how} '{real}', outside {root}; name the target itself to lint it"


def _walk(top: Path, root: str, config: LintConfig, found: Discovery) -> None:
    """Below `top` (whose real path is `root`): regular `*.yaml` files, and symlinks to regular files inside root."""
    files: list[tuple[Path, str]] = []
    stack = [top]
    while stack:  # no recursion: any depth of directories
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            found.notes.append(f"skipped '{directory}': {exc.strerror or exc}")
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = directory / entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(path)
                elif entry.name.endswith(YAML_SUFFIXES):
                    problem = _problem(entry, path, root, top)
                    if problem is None:
                        files.append((path, os.path.realpath(path) if entry.is_symlink() else str(path)))
                    else:
                        found.notes.append(problem)
            except OSError as exc:  # gone or unreadable since it was listed
                found.notes.append(f"skipped '{path}': {exc.strerror or exc}")
    files.sort()
    found.files.extend((str(path), real) for path, real in files if not config.excludes(path))


def _problem(entry: os.DirEntry[str], path: Path, root: str, top: Path) -> str | None:
    """Why a `*.yaml` entry found below `top` is not linted, or None."""
    if entry.is_file(follow_symlinks=False):
        return None
    if not entry.is_symlink():
        return f"skipped '{path}': {kind(entry.stat(follow_symlinks=False).st_mode)}, not a regular file"
    real = os.path.realpath(path)
    if not _inside(real, root):
        return _outside(str(path), real, f"'{top}'")
    if not os.path.isfile(real):
        return f"skipped '{path}': a symlink to {_what(real)}"
    return None


def _what(real: str) -> str:
    try:
        return kind(os.stat(real).st_mode)
    except OSError:
        return f"'{real}', which does not exist"
