"""flowrun: a declarative YAML workflow runner with a linter.

The public Python API (SPEC section 7). Names are imported lazily so that `flowrun lint` does
not pay for the runner's imports (trio, httpx).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["CycleError", "Workflow", "WorkflowError", "lint_paths", "load_workflow", "run_workflow"]

if TYPE_CHECKING:
    from runner.errors import WorkflowError
    from runner.lint.linter import lint_paths
    from runner.model import CycleError, Workflow, load_workflow
    from runner.run.session import run_workflow

_LAZY = {
    "Workflow": "runner.model",
    "WorkflowError": "runner.errors",
    "CycleError": "runner.model",
    "load_workflow": "runner.model",
    "lint_paths": "runner.lint.linter",
    "run_workflow": "runner.run.session",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'runner' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
