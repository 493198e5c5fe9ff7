"""What a template reads, without rendering it: the names, `ti.xcom_pull` targets, filters per
output and misused lookups, parsed once per distinct text (the linter's view of templates;
rendering is runner/templates/render.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from runner.templates.render import CONTEXT_NAMES, WRAPPED_HINT, expression_source, has_tags

if TYPE_CHECKING:
    from jinja2 import nodes


@dataclass
class Expression:
    """One `{{ ... }}` output: the names it reads and the filters applied to it, outermost last."""

    names: set[str]
    filters: list[str]
    lineno: int


@dataclass
class Analysis:
    names: set[str] = field(default_factory=set)  # dotted: "ds", "params.x", "var.secret.y"
    xcom_targets: list[tuple[str | None, int]] = field(default_factory=list)  # (task id or None, line)
    expressions: list[Expression] = field(default_factory=list)
    error: tuple[str, int] | None = None  # syntax error message and its line in the template
    # reads of var.value / var.secret that are not one literal name: (the dotted text, why)
    misuses: list[tuple[str, str]] = field(default_factory=list)


@cache
def analyze(source: str) -> Analysis:
    """What a template reads: names, `ti.xcom_pull` targets, and filters per output."""
    try:
        return _analyze(source)
    except RecursionError:  # Jinja's parser recurses: `{{ ((((...)))) }}`, nested `{% if %}`
        return Analysis(error=("the template nests too deeply to be parsed", 1))


def _analyze(source: str) -> Analysis:
    from jinja2 import nodes
    from jinja2.exceptions import TemplateSyntaxError

    from runner.templates.sandbox import environment

    result = Analysis()
    try:
        tree = environment().parse(source)
    except TemplateSyntaxError as exc:
        from runner.vocabulary import syntax_hint

        hint = syntax_hint(source)
        result.error = ((exc.message or "syntax error") + (f"; {hint}" if hint else ""), exc.lineno or 1)
        return result
    env = environment()
    for check in tree.find_all((nodes.Filter, nodes.Test)):
        # parsing lets unknown filters and tests through; compiling (when the try starts) does not
        known, kind = (env.filters, "filter") if isinstance(check, nodes.Filter) else (env.tests, "test")
        if check.name not in known:
            result.error = (f"no {kind} named '{check.name}'", check.lineno)
            return result
    for node in tree.find_all(nodes.Output):
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            filters = []
            inner: Any = child
            while isinstance(inner, nodes.Filter):
                filters.append(inner.name)
                inner = inner.node
            result.expressions.append(Expression(set(_names(child)), filters[::-1], child.lineno))
    computed = list(_computed_lookups(tree))
    result.misuses = [(label, f"'{label}[...]' is a computed name: write a literal name, {label}.NAME or {label}['NAME']")
                      for label, _ in computed]
    result.misuses += list(_lookup_calls(tree))
    result.names = set(_names(tree, frozenset(id(inner) for _, inner in computed)))
    for call in tree.find_all(nodes.Call):
        if _dotted(call.node) == "ti.xcom_pull":
            result.xcom_targets.extend(_xcom_targets(call))
    return result


def analyze_expression(expression: str) -> Analysis:
    """`analyze` of a condition (see `expression_source`)."""
    expression = expression_source(expression)
    result = analyze("{{ " + expression + " }}")
    if result.error is not None and has_tags(expression):
        return Analysis(error=(WRAPPED_HINT, 1))
    return result


def _dotted(node: nodes.Node) -> str | None:
    from jinja2 import nodes

    parts = []
    while isinstance(node, (nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
        else:
            arg = node.arg
            if not isinstance(arg, nodes.Const) or not isinstance(arg.value, str):
                return None
            parts.append(arg.value)
        node = node.node
    if isinstance(node, nodes.Name):
        parts.append(node.name)
        return ".".join(reversed(parts))
    return None


LOOKUPS = ("var.value", "var.secret")


def _computed_lookups(tree: nodes.Node) -> Iterator[tuple[str, nodes.Node]]:
    """`var.secret[expr]` with anything but a literal string: (`var.secret`, its node)."""
    from jinja2 import nodes

    for node in tree.find_all(nodes.Getitem):
        label = _dotted(node.node)
        if label in LOOKUPS and not (isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str)):
            yield label, node.node


def _lookup_calls(tree: nodes.Node) -> Iterator[tuple[str, str]]:
    """`var.secret.get('TOK')`, `var.value.all_values()`: a method call on a lookup."""
    from jinja2 import nodes

    for call in tree.find_all(nodes.Call):
        dotted = _dotted(call.node)
        if dotted is not None and dotted.count(".") == 2 and dotted.rsplit(".", 1)[0] in LOOKUPS:
            label, name = dotted.rsplit(".", 1)
            yield dotted, (f"'{dotted}(...)' is not available: {label} has no methods ('{dotted}' would read "
                           f"a {label.split('.')[1]} named '{name}'); write {label}.NAME")


def _names(tree: nodes.Node, skip: frozenset[int] = frozenset()) -> Iterator[str]:
    """Dotted names read from the context; locals bound by `set`/`for` are excluded, and so are
    the nodes in `skip` (the `var.secret` of a computed `var.secret[expr]`, reported apart)."""
    from jinja2 import nodes

    everything = [tree, *tree.find_all(nodes.Node)]
    bound: set[str] = {n.name for n in everything if isinstance(n, nodes.Name) and n.ctx in ("store", "param")}
    bound |= {n.name for n in everything if isinstance(n, nodes.Macro)}  # `{% macro m() %}` defines `m`
    seen_ids: set[int] = set()
    for node in everything:
        if not isinstance(node, (nodes.Getattr, nodes.Getitem)):
            continue
        dotted = _dotted(node)
        if dotted is None or id(node) in seen_ids:
            continue
        if id(node) in skip:
            seen_ids.add(id(node.node))
            continue
        # only the longest chain: mark inner nodes as seen
        inner: Any = getattr(node, "node", None)
        while isinstance(inner, (nodes.Getattr, nodes.Getitem)):
            seen_ids.add(id(inner))
            inner = inner.node
        seen_ids.add(id(inner))  # the root Name of the chain
        root = dotted.split(".")[0]
        if root not in bound:
            yield _trim(dotted)
    for node in everything:
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in bound and id(node) not in seen_ids:
            yield node.name


def spelled(source: str, dotted: str) -> str:
    """`dotted` as the template writes it: `var.secret.TOK` may be `var.secret['TOK']` there."""
    import re

    if dotted in source:
        return dotted
    first, *rest = dotted.split(".")
    pattern = re.escape(first) + "".join(
        rf"""(?:\s*\.\s*{re.escape(part)}\b|\s*\[\s*['"]{re.escape(part)}['"]\s*\])""" for part in rest
    )
    match = re.search(pattern, source)
    return match.group(0) if match else dotted


def _trim(dotted: str) -> str:
    """`params.x.y` -> `params.x`; `var.secret.k.z` -> `var.secret.k`; `ti.xcom_pull` kept; a name
    flowrun does not provide keeps four parts (`inputs.parameters.x`)."""
    parts = dotted.split(".")
    keep = 3 if parts[0] == "var" else 2 if parts[0] in CONTEXT_NAMES else 4  # (foreign names: see vocabulary.py)
    return ".".join(parts[:keep])


def _xcom_targets(call: nodes.Call) -> Iterator[tuple[str | None, int]]:
    from jinja2 import nodes

    args = [kw.value for kw in call.kwargs if kw.key == "task_ids"] or call.args[:1]
    if not args:
        yield None, call.lineno
        return
    try:
        value = args[0].as_const()
    except nodes.Impossible:
        yield None, call.lineno
        return
    values = value if isinstance(value, (list, tuple)) else [value]
    for item in values:
        yield (item if isinstance(item, str) else None), call.lineno
