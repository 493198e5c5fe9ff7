"""The layout of `runner/` (README, "Layout"): no import cycle, no private name imported across
modules, and data flowing downward only, from the leaves to the command line.

Every import counts, including those inside functions and under `TYPE_CHECKING`: a lazy import
is still a dependency, only a cheaper one.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "runner"

# Lower layers never import higher ones; a layer may import itself and anything below it.
LAYERS = [
    ("leaves", {"errors", "durations", "findings", "graph", "escapes", "safe_io", "vocabulary",
                "alert_events", "dates"}),
    ("yaml", {"yaml"}),
    ("schema", {"schema"}),
    ("model", {"model"}),
    ("templates", {"templates"}),
    ("lint", {"lint"}),
    ("diagram", {"diagram"}),  # draws a workflow the linter found whole
    ("run", {"run"}),
    ("history", {"history"}),
    ("api", {"api"}),
    ("lsp", {"lsp"}),  # the language server: lints open documents, imports lint and the model
    ("cli", {"cli"}),
]
RANK = {part: rank for rank, (_, parts) in enumerate(LAYERS) for part in parts}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["runner", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for every import in the module."""
    out: list[tuple[str, str | None, int]] = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                out.append((child, None, node.lineno) if child in known else (base, alias.name, node.lineno))
    return [(target, taken, line) for target, taken, line in out if target.split(".")[0] == "runner"]


def owner(module: str, known: dict[str, Path]) -> str:
    while module not in known:
        module = module.rpartition(".")[0]
    return module


def graph() -> tuple[dict[str, set[str]], list[str]]:
    known = modules()
    edges: dict[str, set[str]] = {name: set() for name in known}
    private = []
    for name, path in known.items():
        for target, taken, line in imports(name, path, known):
            target = owner(target, known)
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if target != name:
                edges[name].add(target)
            inside = name.startswith(target.rpartition(".")[0] + ".")
            if target.rpartition(".")[2].startswith("_") and not target.endswith("__") and not inside:
                private.append(f"{where}: imports private module {target}")
            if taken and taken.startswith("_") and not taken.startswith("__") and target != name:
                private.append(f"{where}: imports private name {taken} from {target}")
    return edges, private


def layer(module: str) -> int | None:
    parts = module.split(".")
    return RANK.get(parts[1]) if len(parts) > 1 else None


def test_no_import_cycle() -> None:
    edges, _ = graph()
    # a package __init__ is a container: importing `runner.lint.rules` for its registry is an edge
    try:
        tuple(TopologicalSorter(edges).static_order())
    except CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None


def test_no_private_import_across_modules() -> None:
    _, private = graph()
    assert private == []


def test_every_module_has_a_layer() -> None:
    edges, _ = graph()
    unplaced = sorted(m for m in edges if m != "runner" and layer(m) is None)
    assert unplaced == [], "add the new top-level module or package to LAYERS (and the README's Layout)"


def test_data_flows_downward() -> None:
    edges, _ = graph()
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in edges.items() for target in targets
        if module != "runner" and target != "runner" and (layer(target) or 0) > (layer(module) or 0)
    )
    assert upward == []


def test_the_checks_see_a_cycle_and_a_private_import(tmp_path: Path) -> None:
    """The walk above is not vacuous: it finds a planted cycle and a planted private import."""
    fake = {"runner.a": tmp_path / "a.py", "runner.b": tmp_path / "b.py"}
    fake["runner.a"].write_text("from runner.b import _hidden\n")
    fake["runner.b"].write_text("def f():\n    import runner.a\n")
    found = {name: imports(name, path, fake) for name, path in fake.items()}
    assert found["runner.a"] == [("runner.b", "_hidden", 1)]
    assert found["runner.b"] == [("runner.a", None, 2)]
    edges = {name: {target for target, _, _ in targets} for name, targets in found.items()}
    try:
        tuple(TopologicalSorter(edges).static_order())
    except CycleError:
        pass
    else:
        raise AssertionError("the planted cycle was not found")
