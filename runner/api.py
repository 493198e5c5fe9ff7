"""The Python API of SPEC section 7, assembled from the layers below it.

The model (runner/model.py) knows nothing of the linter; `Workflow` here is the model's workflow
with the linter attached (`validate`, `findings`, `errors`): the one place where lint meets the
model. `run_workflow` is the runner's (runner/run/session.py), imported only when it is asked for, so
that linting through this API does not load trio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner import model
from runner.findings import Finding

if TYPE_CHECKING:
    from runner.run.session import run_workflow

__all__ = ["Validation", "Workflow", "load_workflow", "run_workflow"]


@dataclass(frozen=True)
class Validation:
    valid: bool
    errors: list[Finding]


class Workflow(model.Workflow):
    """A workflow file or dict: the graph and editing methods of the model, and its findings."""

    def findings(self) -> list[Finding]:
        """Every finding of every rule, sorted."""
        from runner.lint.linter import check_workflow  # the rules load when a workflow is checked

        return check_workflow(self)

    def errors(self) -> list[Finding]:
        """The error-level findings (only the rules that report errors run)."""
        from runner.lint.linter import check_workflow

        return check_workflow(self, severity="error")

    def validate(self) -> Validation:
        errors = self.errors()
        return Validation(not errors, errors)


def load_workflow(path: str | Path) -> Workflow:
    """Load a workflow file; raises WorkflowError (with file:line:col) if it is not valid YAML."""
    loaded = model.load_workflow(path)
    return Workflow(loaded.data, loaded.source, loaded.path)


def __getattr__(name: str) -> Any:
    if name == "run_workflow":
        from runner.run import session as runs

        return runs.run_workflow
    raise AttributeError(f"module 'runner.api' has no attribute {name!r}")
