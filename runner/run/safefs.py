"""Where `run`, `schedule` and `runs report` write: never through a symbolic link, never in a
directory another user can change, with private modes. The policy of flowrun's own state; the
open/read/replace primitives for files of a tree that may be hostile are `runner/safe_io.py`.

The state directory (the one holding the state store) is created 0700. An existing one must not
be a symbolic link, must belong to the user flowrun runs as and must not be writable by group
or others; no directory above it may be writable by others without the sticky bit (as `/tmp`
has). Inside it nobody else can plant anything, so what flowrun creates there is safe: the state
file (0600; SQLite gives its `-wal`, `-shm` and `-journal` the same mode), and `logs/` with one
0700 directory per dag, run and task, walked with `openat` and O_NOFOLLOW so that a symbolic
link planted in a repository's `.flowrun/` is refused, not followed. A log file is created with
O_EXCL|O_NOFOLLOW; a stale entry of that name (a log of a run whose store was deleted, a planted
link) is removed first, never written through. A report goes to a temporary file created with
O_EXCL in the destination's directory and is renamed over the destination (`safe_io.replace_file`): a hard link or
symbolic link planted there is replaced, never written through (a symbolic link given as `-o`
is refused, so that nobody's link disappears by surprise).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from runner import safe_io
from runner.errors import FlowrunError

DIR_MODE = 0o700  # the state directory, logs/ and everything below it
FILE_MODE = 0o600  # the state store and the logs
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafePath(FlowrunError):
    """A path flowrun refuses to write (exit 2)."""

    exit_code = 2


def safe_name(value: str, what: str) -> str:
    """`value` (a dag, run or task id) as one path component, or UnsafePath."""
    if value in ("", ".", "..") or "/" in value or "\0" in value:
        raise UnsafePath(f"{what} '{value}' cannot be used in a file name (it is empty, '.', '..' or holds '/')")
    return value


HINTS = {  # what to do instead, by what is written
    "state store": "remove it, or give --state a path without one",
    "task logs": "remove it",
    "report": "give -o the path it points to, or remove it",
}


def _symlink(path: Path | str, what: str) -> UnsafePath:
    return UnsafePath(f"'{path}' is a symbolic link; flowrun does not follow one for its {what}:"
                      f" {HINTS.get(what, 'remove it')}")


def _check(st: os.stat_result, path: Path | str, what: str, directory: bool) -> None:
    """The owner and type of something flowrun writes in or to."""
    if stat.S_ISLNK(st.st_mode):
        raise _symlink(path, what)
    if directory and not stat.S_ISDIR(st.st_mode):
        raise UnsafePath(f"'{path}' is not a directory; flowrun keeps its {what} there")
    if not directory and not stat.S_ISREG(st.st_mode):
        raise UnsafePath(f"'{path}' is not a regular file; flowrun keeps its {what} there")
    if st.st_uid != os.geteuid():
        raise UnsafePath(f"'{path}' belongs to uid {st.st_uid}, not to uid {os.geteuid()} that runs flowrun:"
                         f" keep the {what} in a directory of your own")


def _ancestors(directory: Path, what: str) -> None:
    """No directory above `directory` is writable by others without the sticky bit (anyone could
    rename the directory away and put a symbolic link in its place)."""
    for parent in Path(os.path.realpath(directory)).parents:
        with contextlib.suppress(OSError):
            mode = os.stat(parent).st_mode
            if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
                raise UnsafePath(f"'{parent}' can be written by any user; keep the {what} in a directory below"
                                 " one only you (or root) can change")


def private_dir(path: Path, what: str) -> None:
    """The state directory: created 0700 (with missing parents), or an existing one checked."""
    path = Path(path or ".")
    _ancestors(path, what)
    try:
        os.makedirs(path, mode=DIR_MODE)
    except FileExistsError:
        pass
    else:
        os.chmod(path, DIR_MODE, follow_symlinks=False)  # (the umask may have taken bits away)
    st = os.lstat(path)
    _check(st, path, what, directory=True)
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        mode = stat.S_IMODE(st.st_mode)
        if st.st_mode & stat.S_ISVTX:  # a shared directory such as /tmp: never suggest changing it
            raise UnsafePath(f"'{path}' is shared: other users can write it (mode {mode:o}); keep the {what} in"
                             f" a directory of your own, e.g. --state {path / 'flowrun' / 'state.db'}")
        raise UnsafePath(f"'{path}' can be written by other users (mode {mode:o}):"
                         f" run 'chmod go-w {path}', or keep the {what} in a private directory")


def private_file(path: Path, what: str, create: bool) -> None:
    """A file flowrun keeps in its private directory (the state store and its companions): not a
    symbolic link, ours, and 0600 (tightened when an older flowrun left it readable). With
    `create`, made empty (0600) when missing."""
    if create:
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE))
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    _check(st, path, what, directory=False)
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, FILE_MODE, follow_symlinks=False)


STORE = "state store"
COMPANIONS = ("-wal", "-shm", "-journal")  # SQLite's files beside the store: created with its mode


def private_store(path: Path) -> None:
    """The store's directory (0700) and file (0600) created or checked, and no companion file a
    symbolic link (SQLite would follow it): UnsafePath, exit 2, before SQLite opens anything."""
    private_dir(path.parent, STORE)
    private_file(path, STORE, create=True)
    for suffix in COMPANIONS:
        private_file(path.with_name(path.name + suffix), STORE, create=False)


def no_symlinked_dirs(root: Path, parts: tuple[str, ...], what: str) -> None:
    """The directories `root`, `root/parts[0]`, ... that exist are ours and no symbolic links
    (checked before a run starts, so that a planted link stops it with one line)."""
    paths = [root]
    for name in parts:
        paths.append(paths[-1] / safe_name(name, "id"))
    for path in paths:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        _check(st, path, what, directory=True)


def _subdir(parent: int, name: str, shown: Path, what: str) -> int:
    """Open (creating it 0700) the directory `name` in the directory `parent`, not following a link."""
    try:
        try:
            fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, DIR_MODE, dir_fd=parent)
            fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
    except OSError as exc:  # say why when it is a link or a file, else the system's reason
        try:
            st = os.lstat(name, dir_fd=parent)
        except OSError:
            raise exc from None
        _check(st, shown, what, directory=True)
        raise
    try:
        st = os.fstat(fd)
        _check(st, shown, what, directory=True)
        if stat.S_IMODE(st.st_mode) != DIR_MODE:
            os.fchmod(fd, DIR_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_private(root: Path, parts: tuple[str, ...], what: str) -> int:
    """A new file `root/parts...` for writing (0600), its directories created 0700 on the way;
    none of them, nor `root`, followed if it is a symbolic link. An entry already at the file's
    name is removed first (a stale log, a planted link), never written through."""
    for name in parts:
        safe_name(name, "id")
    top = os.open(root.parent, _DIR_FLAGS & ~os.O_NOFOLLOW)  # (the state directory, checked when the store opened)
    try:
        fd = _subdir(top, root.name, root, what)
    finally:
        os.close(top)
    shown = root
    try:
        for name in parts[:-1]:
            shown = shown / name
            parent, fd = fd, _subdir(fd, name, shown, what)
            os.close(parent)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            return os.open(parts[-1], flags, FILE_MODE, dir_fd=fd)
        except FileExistsError:
            os.unlink(parts[-1], dir_fd=fd)
            return os.open(parts[-1], flags, FILE_MODE, dir_fd=fd)
    finally:
        os.close(fd)


def write_replacing(target: Path, data: bytes, what: str) -> None:
    """Write `target` whole, as `safe_io.replace_file` does (a new file beside it, renamed over
    it: a hard link there is replaced, not written into), with the mode a new file gets (0666
    minus the umask: a report is meant to be shared). A symbolic link at `target` is refused."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISLNK(os.lstat(target).st_mode):
            raise _symlink(target, what)
    umask = os.umask(0o022)
    os.umask(umask)
    directory = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        safe_io.replace_file(directory, target.name, data, 0o666 & ~umask)
    finally:
        os.close(directory)
