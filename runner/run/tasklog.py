"""The log file of one try: created on the first byte, bounded, and never the cause of a crash.

Created 0600 below the logs directory, each directory 0700, none of them followed if it is a
symbolic link (runner/run/safefs.py): a `.flowrun/logs/...` link planted in a repository fails the
try with one line instead of sending the log elsewhere.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from runner.run.masking import Masker
from runner.run.reasons import StderrTail
from runner.run.safefs import UnsafePath, create_private

LOG_LIMIT = 100 * 1024 * 1024  # bytes of a try's log; the rest of its output is dropped, with a note


class TryLog:
    """A try's log file, created on the first write: a silent task costs no file system work.

    Bounded: past `LOG_LIMIT` bytes a note is written and the rest of the task's output is
    dropped (it is still read, masked and collected for the output). A log that cannot be
    written (disk full, read-only) never stops the task or the run: the first OSError is kept in
    `problem` and the try fails with it.
    """

    def __init__(self, path: Path, root: Path, limit: int | None = None) -> None:
        """`path` lies below `root` (the logs directory); both are flowrun's own."""
        self.path = path
        self.root = root
        self.limit = LOG_LIMIT if limit is None else limit
        self.fh: Any = None
        self.size = 0  # bytes written
        self.dropped = 0  # bytes of task output not written (over the limit)
        self.problem: str | None = None

    def write(self, text: str, always: bool = False) -> None:
        """Append `text`; `always` (flowrun's own notes) bypasses the limit."""
        if not text or self.problem is not None:
            return
        data = text.encode("utf-8", "replace")
        if not always and self.size + len(data) > self.limit:
            room = max(self.limit - self.size, 0)
            if self.dropped == 0:
                keep = data[:room].decode("utf-8", "ignore").encode("utf-8")  # whole characters
                self.dropped = len(data) - len(keep)
                self._write(keep + (
                    f"\n[flowrun: this log is limited to {self.limit // (1024 * 1024)} MiB;"
                    " the rest of the output of this try is not kept]\n").encode())
            else:
                self.dropped += len(data)
            return
        self._write(data)

    def _write(self, data: bytes) -> None:
        try:
            if self.fh is None:
                fd = create_private(self.root, self.path.relative_to(self.root).parts, "task logs")
                self.fh = open(fd, "wb")  # noqa: SIM115 - closed by close()
            self.fh.write(data)
            self.size += len(data)
        except UnsafePath as exc:
            self.problem = f"cannot write its log {self.path}: {exc}"
            self.close()
        except OSError as exc:
            self.problem = f"cannot write its log {self.path}: {exc.strerror or exc}"
            self.close()

    def end_of_output(self) -> None:
        """The task's output is over: say how much of it was dropped."""
        if self.dropped:
            self.write(f"[flowrun: {self.dropped} more bytes of output were not kept]\n", always=True)
            self.dropped = 0

    def close(self) -> None:
        if self.fh is not None:
            fh, self.fh = self.fh, None
            try:
                fh.close()
            except OSError as exc:
                if self.problem is None:
                    self.problem = f"cannot write its log {self.path}: {exc.strerror or exc}"
                with contextlib.suppress(OSError):
                    fh.close()

    def __enter__(self) -> TryLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MaskedLog:
    """A try's stdout and stderr on their way to its log: each through a masking stream of its
    own (a secret split across two writes to stderr must not be broken up by stdout text arriving
    in between; both go to the same log), and the end of the masked stderr kept as the reason of
    a failure (`tail`)."""

    def __init__(self, log: TryLog, masker: Masker) -> None:
        self.log = log
        self.out, self.err = masker.stream(), masker.stream()
        self.tail = StderrTail()

    def stdout(self, text: str) -> None:
        shown = self.out.feed(text)
        if shown:
            self.log.write(shown)

    def stderr(self, text: str) -> None:
        shown = self.err.feed(text)
        if shown:
            self.log.write(shown)
            self.tail.feed(shown)

    def flush(self) -> None:
        """What the masking streams held back, then the end of the output."""
        rest = self.err.flush()
        self.log.write(rest)
        self.tail.feed(rest)
        self.log.write(self.out.flush())
        self.log.end_of_output()
