"""flowrun: a declarative YAML workflow runner with a linter.

The public Python API (SPEC section 7), assembled in runner/api.py (the model's `Workflow` with
the linter attached). Names are imported lazily so that `flowrun lint` does not pay for the
runner's imports (trio, httpx).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["CycleError", "Workflow", "WorkflowError", "lint_paths", "load_workflow", "run_workflow"]

if TYPE_CHECKING:
    from runner.api import Workflow, load_workflow, run_workflow
    from runner.errors import WorkflowError
    from runner.lint.linter import lint_paths
    from runner.model import CycleError

_LAZY = {
    "Workflow": "runner.api",
    "load_workflow": "runner.api",
    "run_workflow": "runner.api",
    "WorkflowError": "runner.errors",
    "CycleError": "runner.model",
    "lint_paths": "runner.lint.linter",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'runner' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
