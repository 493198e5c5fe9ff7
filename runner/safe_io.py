"""Reading and writing files of a tree that may be hostile (a pull request from a fork).

Git can commit a symlink anywhere: at a workflow's path, at the temporary path `--fix` writes,
at the lint cache or one of its directories. Every open here therefore refuses to follow a
symlink at the last component (`O_NOFOLLOW`) and never blocks (`O_NONBLOCK`: opening a named
pipe for reading would wait for a writer forever); what is opened must then be a regular file
(or a directory) by `fstat` of the open descriptor, so a swap after a check changes nothing.
New files are created with `O_CREAT | O_EXCL | O_NOFOLLOW` under an unpredictable name beside
their target and renamed over it: a rename replaces a symlink found at the target, it never
writes through it, and the file another name (a hard link) points to keeps its content.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat

# open flags: never follow a symlink at the last component, never wait for a pipe's writer
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
DIR_FLAGS = READ_FLAGS | os.O_DIRECTORY
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symlink"))


class Refused(OSError):
    """What a path names is not what may be read or written there (a symlink, a pipe, too large)."""


class TooLarge(Refused):
    def __init__(self, size: int) -> None:
        super().__init__(errno.EFBIG, f"{size:,} bytes")
        self.size = size


def kind(mode: int) -> str:
    """What a file is, in words: 'a named pipe', 'a symlink', ..."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular(path: str | os.PathLike[str], dir_fd: int | None = None, follow: bool = False) -> tuple[int, os.stat_result]:
    """A descriptor of the regular file at `path` (never blocking; never through a symlink unless
    `follow`) and its status."""
    try:
        fd = os.open(path, READ_FLAGS & ~os.O_NOFOLLOW if follow else READ_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Refused(errno.ELOOP, "it is a symlink") from None
        raise
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        raise Refused(errno.EINVAL, f"it is {kind(status.st_mode)}, not a regular file")
    return fd, status


def read_regular(path: str | os.PathLike[str], limit: int, dir_fd: int | None = None,
                 follow: bool = False) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file of at most `limit` bytes (TooLarge before reading a larger one)."""
    fd, status = open_regular(path, dir_fd, follow)
    try:
        if status.st_size > limit:
            raise TooLarge(status.st_size)
        chunks = []
        size = 0
        while size <= limit:  # read to the end, however the file grew since fstat, but no further than the limit
            chunk = os.read(fd, max(limit + 1 - size, 1))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise TooLarge(size)
        return b"".join(chunks), status
    finally:
        os.close(fd)


def open_dir(path: str | os.PathLike[str], dir_fd: int | None = None, create: bool = False) -> int:
    """A descriptor of the directory at `path`, created (mode 0o775 before the umask) if asked.

    Refused if it is a symlink or anything but a directory, if it belongs to another user than
    this one or root, or if every user may write it (anyone could then plant entries in it)."""
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o775, dir_fd=dir_fd)
    try:
        fd = os.open(path, DIR_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            try:
                mode = os.stat(path, dir_fd=dir_fd, follow_symlinks=False).st_mode
            except OSError:
                raise exc from None
            raise Refused(exc.errno, f"it is {kind(mode)}, not a directory") from None
        raise
    status = os.fstat(fd)
    problem = None
    if status.st_uid not in (os.geteuid(), 0):
        problem = f"it belongs to another user (uid {status.st_uid})"
    elif status.st_mode & stat.S_IWOTH:
        problem = "every user may write it"
    if problem is not None:
        os.close(fd)
        raise Refused(errno.EPERM, problem)
    return fd


def temp_token() -> str:
    """The unpredictable part of a temporary file's name."""
    return os.urandom(6).hex()


def replace_file(dir_fd: int, name: str, data: bytes, mode: int, owner: tuple[int, int] | None = None) -> None:
    """Write `data` to `name` in the directory `dir_fd` at once: a new file, then a rename over `name`.

    The new file gets `mode` (permission bits only: no set-user-id) and, when given and allowed,
    `owner` (uid, gid); a crash leaves the old file or the new one, never half of one."""
    for _ in range(100):
        tmp = f".{name[:200]}.{temp_token()}.flowrun-tmp"
        try:
            fd = os.open(tmp, CREATE_FLAGS, 0o600, dir_fd=dir_fd)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 48 random bits
        raise FileExistsError(errno.EEXIST, "no free temporary name")
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if owner is not None and owner != (os.geteuid(), os.getegid()):
                with contextlib.suppress(PermissionError):  # an ordinary user cannot give a file away
                    os.fchown(fd, *owner)
            os.fchmod(fd, stat.S_IMODE(mode) & 0o777)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
