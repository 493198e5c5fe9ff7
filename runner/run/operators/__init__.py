"""Operators, one module each behind the `Operator` protocol; the registry is written out by hand."""

from __future__ import annotations

from runner.run.operators import bash, branch, dummy, email, http, python, transfer
from runner.run.operators.base import Operator, TaskFailure, TryContext

OPERATORS: dict[str, Operator] = {
    "dummy": dummy.Dummy(),
    "bash": bash.Bash(),
    "python": python.Python(),
    "http": http.Http(),
    "email": email.Email(),
    "branch": branch.Branch(),
    "transfer": transfer.Transfer(),
}

__all__ = ["OPERATORS", "Operator", "TaskFailure", "TryContext"]
