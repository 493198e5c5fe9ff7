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
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    pass

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


def has_tags(expression: str) -> bool:
    """Whether a condition is wrapped in `{{ }}` or holds template tags (it should not)."""
    return "{{" in expression or "{%" in expression or "}}" in expression


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """Evaluate a Jinja expression (a branch condition, an alert condition)."""
    from jinja2.exceptions import TemplateError, TemplateSyntaxError

    expression = expression_source(expression)
    try:
        return _within_time(lambda: _compiled_expression(expression)(**context))
    except TemplateSyntaxError as exc:
        raise TemplateProblem(WRAPPED_HINT if has_tags(expression) else _reason(exc)) from None
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
