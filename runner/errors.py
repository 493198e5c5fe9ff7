"""The errors the command line turns into one line and an exit status."""

from __future__ import annotations


class FlowrunError(Exception):
    """An error with a one-line message for the user and an exit status."""

    exit_code = 2


class UsageError(FlowrunError):
    """A wrong option, path, rule code, run id or parameter (exit 2)."""

    exit_code = 2
