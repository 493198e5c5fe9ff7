"""What the command writes: stdout and stderr that outlive a reader who went away, and the one
error handler that turns any exception into one line and an exit status (SPEC section 4)."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterable
from typing import Any, TextIO

import typer

from runner.errors import FlowrunError, WorkflowError


class Output:
    """sys.stdout or sys.stderr of the command. A reader that went away (`flowrun run wf.yaml |
    head -1`: EPIPE) or a terminal that was closed (EIO) ends the output, never the command: the
    run goes on and is recorded as it would have been, as make goes on. The descriptor is then
    pointed at /dev/null, so that what is still buffered and the interpreter's last flush go
    nowhere; any other write error (a full disk) is said once on stderr."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self.stream = stream
        self.name = name
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self.stream.write(text)
            except OSError as exc:
                self._lost(exc)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except OSError as exc:
                self._lost(exc)

    def isatty(self) -> bool:
        return not self.gone and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:  # fileno, encoding, buffer, ...
        return getattr(self.stream, name)

    def _lost(self, exc: OSError) -> None:
        self.gone = True
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        if exc.errno not in (errno.EPIPE, errno.EIO) and self.name == "stdout":
            print(f"flowrun: warning: cannot write to standard output ({exc.strerror or exc});"
                  " going on without it", file=sys.stderr)


def open_output(stream: TextIO | None, fd: int, name: str) -> Output:
    """The command's stdout or stderr. Started with it closed (`flowrun run wf.yaml >&-`), Python
    has none: the output goes to /dev/null, and the descriptor is taken by /dev/null too, so that
    no file the run opens later gets its number (a task's pipe or the state store written to as
    if it were the terminal)."""
    if stream is None:
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_WRONLY)  # the lowest free descriptor: `fd` itself
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
        stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    return Output(stream, name)


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside a (nested) exception group, or the exception itself. A trio nursery
    wraps whatever a task raises, a usage error or Ctrl-C included (strict exception groups);
    trio's own Cancelled are left out (they only say that the others ended the nursery)."""
    inner_exceptions = getattr(exc, "exceptions", None)  # a BaseExceptionGroup (Python 3.11+ or exceptiongroup)
    if isinstance(inner_exceptions, tuple) and inner_exceptions:
        found = [leaf for inner in inner_exceptions for leaf in _leaves(inner)]
        trio = sys.modules.get("trio")
        kept = [e for e in found if trio is None or not isinstance(e, trio.Cancelled)]
        return kept or found
    return [exc]


def exit_status(exc: BaseException, click_error: type[Exception]) -> int:
    """The one error handler: a one-line message on stderr and the exit status of `exc`."""
    from runner.escapes import printable

    leaves = _leaves(exc)
    for kinds in ((KeyboardInterrupt, typer.Abort), (SystemExit,), (FlowrunError,), (typer.Exit,), (click_error,)):
        chosen = next((e for e in leaves if isinstance(e, kinds)), None)
        if chosen is None:
            continue
        if isinstance(chosen, (KeyboardInterrupt, typer.Abort)):
            print("flowrun: interrupted", file=sys.stderr)
            return 130
        if isinstance(chosen, SystemExit):
            raise chosen
        if isinstance(chosen, WorkflowError):  # a file that is not YAML: the finding `flowrun lint` prints
            print(f"{printable(chosen.path)}:{chosen.line}:{chosen.column}: {chosen.code} [error] {printable(chosen.message)}")
            return chosen.exit_code
        if isinstance(chosen, FlowrunError):
            print(f"flowrun: error: {printable(str(chosen))}", file=sys.stderr)
            return chosen.exit_code
        if isinstance(chosen, typer.Exit):
            return int(chosen.exit_code)
        chosen.show()  # type: ignore[attr-defined]
        return 2
    first = leaves[0]  # the unexpected: still one line, never a traceback
    print(f"flowrun: internal error: {type(first).__name__}: {printable(str(first))}", file=sys.stderr)
    return 2
