"""The errors the command line turns into one line and an exit status."""

from __future__ import annotations

import re


class FlowrunError(Exception):
    """An error with a one-line message for the user and an exit status."""

    exit_code = 2


class UsageError(FlowrunError):
    """A wrong option, path, rule code, run id or parameter (exit 2)."""

    exit_code = 2


class NoSuchPath(UsageError):
    """A path given on the command line that names nothing (exit 2: SPEC section 4 calls a
    missing path a usage error). `expected` is what the command takes there."""

    def __init__(self, path: str, expected: str = "file or directory") -> None:
        super().__init__(f"{path}: no such {expected}")
        self.path = path


class WorkflowError(FlowrunError):
    """A file that cannot be loaded as a workflow: one line with its position (exit 2, as a
    broken workflow that `run` cannot run). The command line prints it as the FR001 finding
    `flowrun lint` would report."""

    exit_code = 2
    code = "FR001"

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.message = path, line, column, message


_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")


def first_leaf(exc: BaseException) -> BaseException:
    """The first exception inside a (nested) exception group (a trio nursery wraps what its tasks
    raise), or `exc` itself."""
    inner = getattr(exc, "exceptions", None)
    while isinstance(inner, tuple) and inner:
        exc = inner[0]
        inner = getattr(exc, "exceptions", None)
    return exc


def plain(exc: BaseException) -> str:
    """An exception of a library (httpx, smtplib, the OS) as words for the user: its message
    without the class name or an `[Errno N]` prefix (`Connection refused`, not
    `ConnectError: [Errno 111] Connection refused`)."""
    exc = first_leaf(exc)
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    text = " ".join(_ERRNO.sub("", text.strip()).split())
    return text or "it failed without saying why"


def only(error: BaseException, kind: type[BaseException] | tuple[type[BaseException], ...]) -> bool:
    """`error` is a `kind`, alone or in (nested) exception groups of nothing else (a trio nursery
    wraps what its tasks raise: strict exception groups)."""
    inner = getattr(error, "exceptions", None)
    if isinstance(inner, tuple) and inner:
        return all(only(e, kind) for e in inner)
    return isinstance(error, kind)


def is_interrupt(error: BaseException) -> bool:
    """Ctrl-C, alone or in exception groups of nothing else."""
    return only(error, KeyboardInterrupt)
