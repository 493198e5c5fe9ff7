"""The templates of SPEC section 2: rendering through the one sandboxed environment
(runner/templates/sandbox.py) and static analysis of what a template reads.

Jinja is imported only when a string really is a template. A render or an evaluation stops
after RENDER_SECONDS of CPU work even when it produces no output (`{% for %}` loops nested three
deep): a trace function checks the clock while the template's code runs. The bounds on what a
template can build are the sandbox's (runner/templates/sandbox.py).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from jinja2 import nodes

RENDER_SECONDS = 10.0  # wall-clock budget of one template or expression

CONTEXT_NAMES = frozenset(
    {
        "dag_id", "task_id", "run_id", "execution_id", "try_number", "execution_date", "logical_date",
        "ds", "ds_nodash", "ts", "params", "var", "ti",
    }
)
RUN_UNIQUE_NAMES = frozenset({"ds", "ds_nodash", "ts", "execution_date", "logical_date", "run_id", "execution_id"})


class TemplateProblem(Exception):
    """A template that cannot be rendered: one line naming the reason."""


def is_template(value: str) -> bool:
    return "{{" in value or "{%" in value or "{#" in value


def contains_template(value: Any) -> bool:
    """Whether any string inside a params structure (dicts, lists, frozen or not) is a template."""
    if isinstance(value, str):
        return is_template(value)
    if isinstance(value, Mapping):
        return any(contains_template(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_template(v) for v in value)
    return False


@cache
def _compiled(source: str) -> Any:
    from runner.templates.sandbox import environment

    return environment().from_string(source)


@cache
def _compiled_expression(source: str) -> Any:
    from runner.templates.sandbox import environment

    return environment().compile_expression(source, undefined_to_none=False)


def render(source: str, context: dict[str, Any]) -> str:
    """Render one template string; raise TemplateProblem with a one-line reason."""
    if not is_template(source):
        return source
    from jinja2.exceptions import TemplateError

    try:
        return _within_time(lambda: _bounded(_compiled(source).generate(context)))
    except TemplateError as exc:
        raise TemplateProblem(_reason(exc)) from None
    except (ArithmeticError, MemoryError, RecursionError, TypeError, ValueError) as exc:
        raise TemplateProblem(f"{type(exc).__name__}: {exc}") from None


def _bounded(chunks: Iterator[str]) -> str:
    """Join a template's output, refusing more than MAX_RENDERED characters."""
    from jinja2.exceptions import SecurityError

    from runner.templates.sandbox import MAX_RENDERED

    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_RENDERED:
            raise SecurityError(f"the template renders more than {MAX_RENDERED:,} characters")
        parts.append(chunk)
    return "".join(parts)


_T = TypeVar("_T")


class _Deadline:
    """A trace function that raises once RENDER_SECONDS have passed (the clock is read every
    256 events); a loop that outputs nothing still runs lines of Python, so it is stopped too.
    One long C call (a single huge `sort`) is not interrupted: the size bounds keep those short."""

    def __init__(self) -> None:
        from jinja2.exceptions import SecurityError

        self.error = SecurityError
        self.deadline = time.monotonic() + RENDER_SECONDS
        self.events = 0

    def __call__(self, frame: Any, event: str, arg: Any) -> _Deadline:
        self.events += 1
        if not self.events & 0xFF and time.monotonic() > self.deadline:
            raise self.error(f"the template took more than {RENDER_SECONDS:g}s to render")
        return self


def _within_time(work: Callable[[], _T]) -> _T:
    previous = sys.gettrace()
    sys.settrace(_Deadline())
    try:
        return work()
    finally:
        sys.settrace(previous)


WRAPPED_HINT = "a condition is an expression; write it without {{ }}"


def expression_source(expression: str) -> str:
    """A condition written whole inside one `{{ ... }}` is read as the expression inside, as
    GitHub Actions reads `if: ${{ ... }}`; any other `{{`, `{%` in a condition is an error."""
    text = expression.strip()
    if text.startswith("{{") and text.endswith("}}"):
        inner = text[2:-2]
        if "{{" not in inner and "}}" not in inner:
            return inner.strip("-").strip()  # `{{- x -}}` too
    return expression


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """Evaluate a Jinja expression (a branch condition, an alert condition)."""
    from jinja2.exceptions import TemplateError, TemplateSyntaxError

    expression = expression_source(expression)
    try:
        return _within_time(lambda: _compiled_expression(expression)(**context))
    except TemplateSyntaxError as exc:
        raise TemplateProblem(WRAPPED_HINT if _has_tags(expression) else _reason(exc)) from None
    except TemplateError as exc:
        raise TemplateProblem(_reason(exc)) from None
    except (ArithmeticError, MemoryError, RecursionError, TypeError, ValueError) as exc:
        raise TemplateProblem(f"{type(exc).__name__}: {exc}") from None


def render_value(value: Any, context: dict[str, Any]) -> Any:
    """Render every string inside a params structure."""
    if isinstance(value, str):
        return render(value, context)
    if isinstance(value, dict):
        return {k: render_value(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, context) for v in value]
    return value


def _reason(exc: Exception) -> str:
    from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError

    if isinstance(exc, TemplateSyntaxError):
        return f"template syntax error: {exc.message}"
    if isinstance(exc, SecurityError):
        return f"refused by the template sandbox: {exc}"
    if isinstance(exc, UndefinedError):
        return f"undefined in template: {exc.message}"
    return f"template error: {exc}"


# -- static analysis ------------------------------------------------------------------------------


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
    if result.error is not None and _has_tags(expression):
        return Analysis(error=(WRAPPED_HINT, 1))
    return result


def _has_tags(expression: str) -> bool:
    return "{{" in expression or "{%" in expression or "}}" in expression


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
