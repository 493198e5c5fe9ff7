"""The sandboxed Jinja environment of SPEC section 2 and its bounded filters (used through
runner/templates/render.py, which imports this module only when a template is really parsed or
rendered: Jinja costs ~25 ms to import, and most runs and cached lints need none of it).

An `ImmutableSandboxedEnvironment` with `StrictUndefined`: unknown names fail loudly, attribute
walks (`''.__class__.__mro__`) and mutation of the context are refused. No sandbox bounds CPU or
memory, so `**` and `*` are intercepted: huge powers and repetitions are refused before they are
computed (see FACTS.md). So are the other ways to build a huge value from small ones: `+` and
`~` (a macro calling itself with `s ~ s` doubles a string), `join`, `replace`, `indent`,
`slice`, `batch`, `tojson(indent)`, and the `str` methods `join`, `replace` and `translate`:
each result is at most MAX_RENDERED characters (or items).
"""

from __future__ import annotations

import json
import re
import shlex
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# Bounds on what one template expression may compute.
MAX_REPEAT = 1_000_000  # characters or items made by `'a' * n` / `[x] * n`
MAX_POWER_BITS = 10_000  # bits of an integer result of `**` or `*`
MAX_RENDERED = 10 * 1024 * 1024  # characters one template may produce
MAX_JSON_INDENT = 16  # `tojson(indent)`: a wide indent repeats on every line
PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
# widths and precisions in printf-style (`%-99s`, `%.5f`) and str.format (`{:>99}`) formats
_PRINTF_NUMBERS = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d*)(?:\.(\*|\d+))?")
_FORMAT_FIELDS = re.compile(r"\{[^{}]*:([^{}]*)\}")

# Names a template may use (SPEC section 2).

__all__ = ["SecurityError", "TemplateError", "TemplateSyntaxError", "UndefinedError"]


def shell_quote(value: Any) -> str:
    return shlex.quote(_text(value))


def to_json(value: Any, indent: int | None = None) -> str:
    width = len(indent) if isinstance(indent, str) else indent
    if isinstance(width, int) and width > MAX_JSON_INDENT:
        raise SecurityError(f"an indent of {indent!r} is refused (limit {MAX_JSON_INDENT})")
    return json.dumps(value, indent=indent, ensure_ascii=False, default=str)


def py_literal(value: Any) -> str:
    """A Python literal for plain data (strings, numbers, booleans, None, lists, dicts)."""
    if (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
        return f"float({str(value)!r})"
    return repr(value)


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return to_json(value)
    return "" if value is None else str(value)


def _finalize(value: Any) -> Any:
    return to_json(value) if isinstance(value, (dict, list)) else value


def _check_width(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_REPEAT:
        raise SecurityError(f"a width of {value:,} is refused (limit {MAX_REPEAT:,})")


def _check_format(fmt: str) -> None:
    """Refuse printf-style or str.format widths/precisions that would pad to a huge string."""
    numbers = [n for pair in _PRINTF_NUMBERS.findall(fmt) for n in pair if n and n != "*"]
    for spec in _FORMAT_FIELDS.findall(fmt):
        numbers += re.findall(r"\d+", spec)
    for number in numbers:
        _check_width(int(number))


def _check_size(size: int, what: str) -> None:
    if size > MAX_RENDERED:
        raise SecurityError(f"{what} would make {size:,} characters or items (limit {MAX_RENDERED:,})")


def _join_size(items: list[Any], separator: Any) -> int:
    return sum(len(str(item)) for item in items) + len(str(separator)) * max(len(items) - 1, 0)


def _replace_size(text: str, old: str, new: str, count: Any = -1) -> int:
    if len(new) <= len(old):
        return len(text)
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


@pass_eval_context
def _join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    from jinja2.filters import do_join

    items = list(value)
    _check_size(_join_size(items, d) if attribute is None else len(str(d)) * max(len(items) - 1, 0), "join")
    return str(do_join(eval_ctx, items, d, attribute))


@pass_eval_context
def _replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> str:
    from jinja2.filters import do_replace

    _check_size(_replace_size(str(s), str(old), str(new), -1 if count is None else count), "replace")
    return do_replace(eval_ctx, s, old, new, count)


def _indent(s: Any, width: Any = 4, first: bool = False, blank: bool = False) -> str:
    from jinja2.filters import do_indent

    pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    _check_size(len(str(s)) + (str(s).count("\n") + 1) * pad, "indent")
    return do_indent(s, width, first, blank)


def _slice(value: Any, slices: int, fill_with: Any = None) -> Any:
    from jinja2.filters import do_slice

    _check_width(slices)
    return do_slice(value, slices, fill_with)


def _batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    from jinja2.filters import do_batch

    _check_width(linecount)
    return do_batch(value, linecount, fill_with)


def _center(value: Any, width: int = 80) -> str:
    _check_width(width)
    return str(value).center(width)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    from jinja2.filters import do_format

    _check_format(str(value))
    return do_format(value, *args, **kwargs)


def _is_none(value: Any) -> bool:
    """`x is none`, also for an alert event's absent field (runner/alert_events.py)."""
    from runner.alert_events import Absent

    return value is None or isinstance(value, Absent)


class _CodeGenerator(CodeGenerator):
    """Compiles `a ~ b` to `environment.bounded_concat(...)` instead of an unchecked str.join."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"**", "*", "%", "+"})
    code_generator_class = _CodeGenerator

    def bounded_concat(self, values: tuple[Any, ...]) -> str:
        parts = [str(value) for value in values]
        _check_size(sum(map(len, parts)), "~")
        return "".join(parts)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            if name in PADDING_METHODS:
                for value in (*args, *kwargs.values()):
                    _check_width(value)
            elif name == "join" and len(args) == 1 and not kwargs:
                args = (list(args[0]),)  # an iterator is read once: join the list made here
                _check_size(_join_size(args[0], owner), "join")
            elif name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
                _check_size(_replace_size(owner, args[0], args[1], args[2] if len(args) > 2 else kwargs.get("count", -1)), "replace")
            elif name == "translate" and args and isinstance(args[0], dict):
                longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
                _check_size(len(owner) * longest, "translate")
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__
        _check_format(fmt)
        if not re.search(r"\{[^{}]*:[^{}]*\{", fmt):
            return wrapped

        def nested(*args: Any, **kwargs: Any) -> str:  # `'{0:{1}}'.format(x, width)`
            for arg in (*args, *kwargs.values()):
                _check_width(arg)
            return str(wrapped(*args, **kwargs))

        return nested

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            _check_format(left)
            if any("*" in pair for pair in _PRINTF_NUMBERS.findall(left)):  # `'%*s' % (width, x)`
                for value in right if isinstance(right, tuple) else (right,):
                    _check_width(value)
        if (
            operator == "**" and isinstance(left, int) and isinstance(right, int)
            and right > 0 and abs(left) > 1 and right * abs(left).bit_length() > MAX_POWER_BITS
        ):
            raise SecurityError(f"{left} ** {right} is too large to compute")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            _check_size(len(left) + len(right), "+")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int) and len(seq) * count > MAX_REPEAT:
                    raise SecurityError(f"repetition to {len(seq) * count:,} items is refused (limit {MAX_REPEAT:,})")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_POWER_BITS:
                raise SecurityError("integer product too large to compute")
        return super().call_binop(context, operator, left, right)


@cache
def environment() -> Sandbox:
    env = Sandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, finalize=_finalize)
    env.filters["shell_quote"] = shell_quote
    env.filters["tojson"] = to_json
    env.filters["pyliteral"] = py_literal
    env.filters["center"] = _center
    env.filters["format"] = _format
    env.filters["join"] = _join
    env.filters["replace"] = _replace
    env.filters["indent"] = _indent
    env.filters["slice"] = _slice
    env.filters["batch"] = _batch
    env.tests["none"] = _is_none
    del env.globals["lipsum"]  # `lipsum(n=10**6)` computes for a minute; not a name of SPEC section 2
    env.policies["json.dumps_function"] = json.dumps
    return env
