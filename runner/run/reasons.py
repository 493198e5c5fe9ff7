"""Why a try failed, in the words of the task: the last line it wrote to stderr.

`the command exited with status 127` says less than `bash: line 1: nosuchcmd: command not
found`; a Python traceback's last line names the exception. The engine feeds the try's stderr
here after masking, so the line is masked before it is cut, and a cut never reveals a secret.
"""

from __future__ import annotations

import re


class StderrTail:
    """The end of a try's masked stderr, for the reason of a failure: `command not found` or a
    traceback's last line says more than "exited with status 1" (as a CI log's last lines do)."""

    KEEP = 4096  # characters of stderr kept
    LIMIT = 200  # characters of the line shown (cut after masking: a cut never reveals a secret)
    # colours and cursor moves (CSI), window titles and links (OSC) of a tool's error output
    ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")

    def __init__(self) -> None:
        self.text = ""

    def feed(self, masked: str) -> None:
        if len(masked) >= self.KEEP:  # (a task writing a lot: no copy of what is dropped anyway)
            self.text = masked[-self.KEEP:]
        elif masked:
            self.text = (self.text + masked)[-self.KEEP:]

    def last_line(self) -> str:
        for line in reversed(self.ANSI.sub("", self.text).splitlines()):
            line = line.strip()
            if line:
                return line if len(line) <= self.LIMIT else line[: self.LIMIT - 1] + "…"
        return ""
