"""What the template and command rules share: which task holds a node shared by aliases first;
positions of a piece of text inside a YAML scalar. Task fields with `defaults` applied are
`Workflow.effective`; the workflow's strings, each node once, `Workflow.distinct_strings`; its
templates, each parsed once, runner/templates/refs.py; the shell tokenizer is runner/lint/shell.py. Not a
rule: the registry does not list it."""

from __future__ import annotations

import re
import weakref
from typing import Any

from runner.findings import get_path
from runner.model import PathT, Task, Workflow
from runner.templates.refs import tag_spans

# workflow -> steps -> id of a node -> index of the first task holding it; an entry goes with its workflow
_holders: weakref.WeakKeyDictionary[Workflow, dict[tuple[str, ...], dict[int, int]]] = weakref.WeakKeyDictionary()


def first_holder(workflow: Workflow, task: Task, *steps: str) -> bool:
    """Whether `task` is the first task whose value at `steps` (e.g. "params", "command") is this
    node of the file: a later task reaching the same node through an alias is not, so a rule
    that judges the value alone reports it once, at the anchor, not once per alias."""
    source = workflow.source
    value = get_path(task.data, steps)
    node = source.node((*task.path, *steps)) if source is not None else None
    if node is None or node.data is not value:
        return True
    holders = _holders.setdefault(workflow, {})
    first = holders.setdefault(steps, {}).setdefault(id(node), task.index)
    return first == task.index


# -- positions -------------------------------------------------------------------------------------


def line_start(value: str, lineno: int) -> int:
    """Offset of the first character of template line `lineno` (1-based)."""
    start = 0
    for _ in range(lineno - 1):
        nl = value.find("\n", start)
        if nl < 0:
            break
        start = nl + 1
    return start


def name_offset(value: str, needle: str, start: int = 0, end: int | None = None) -> int:
    """Offset of `needle` as a whole (dotted) name inside a `{{ }}` or `{% %}` tag, or -1.

    `x` is not found in `execution_dt` or `params.x`, nor in the text around the tags."""
    if not needle:
        return -1
    word = re.compile(r"(?<![\w.])" + re.escape(needle) + r"(?![\w])")
    end = len(value) if end is None else end
    for tag_start, tag_end in tag_spans(value):
        if tag_end <= start:
            continue
        if tag_start >= end:
            break
        match = word.search(value, max(tag_start, start), min(tag_end, end))
        if match:
            return match.start()
    return -1


def offset_of(value: str, needle: str, lineno: int = 1) -> int:
    """Offset of `needle` in `value`, searched from the start of template line `lineno`.

    A whole name inside a template tag is preferred; then any occurrence; then the line's start."""
    start = line_start(value, lineno)
    found = name_offset(value, needle, start)
    if found < 0:
        found = value.find(needle, start) if needle else -1
    if found < 0 and start:
        return start
    return max(found, 0)


def value_position(workflow: Workflow, path: PathT, offset: int) -> tuple[int, int]:
    """Line and column of character `offset` of the string value at `path`."""
    source = workflow.source
    node = source.node(path) if source is not None else None
    if source is None or node is None or node.kind != "scalar" or not isinstance(node.data, str):
        return workflow.position(path)
    value: str = node.data
    line_in_value = value.count("\n", 0, offset)
    col_in_line = offset - (value.rfind("\n", 0, offset) + 1)
    # the scalar as written, its line breaks made "\n": a "\r" alone ends a line too (YAML 1.2)
    raw = re.sub(r"\r\n?", "\n", source.text[node.start:node.end])
    if raw[:1] == "|":
        raw_lines = raw.split("\n")
        # the header line holds the indicator; content line k is raw line k + 1, and the value's
        # line is the end of it (what precedes it is the block's indentation)
        index = min(line_in_value + 1, len(raw_lines) - 1)
        content = raw_lines[index].rstrip("\r")
        value_lines = value.split("\n")
        value_line = value_lines[line_in_value] if line_in_value < len(value_lines) else ""
        indent = len(content) - len(value_line) if value_line and content.endswith(value_line) else len(content) - len(content.lstrip(" "))
        return node.line + index, indent + col_in_line + 1
    at = _raw_offset(raw, value, offset)
    if at is not None:  # folded and flow scalars: the same occurrence of the same word
        newline = raw.rfind("\n", 0, at)
        if newline < 0:
            return node.line, node.column + at
        return node.line + raw.count("\n", 0, at), at - newline
    if line_in_value == 0:
        quoted = raw[:1] in ("'", '"')
        fragment = value[offset:offset + 20]
        found = raw.find(fragment) if fragment else -1
        if found >= 0 and "\n" not in raw[:found]:
            return node.line, node.column + found
        return node.line, node.column + col_in_line + (1 if quoted else 0)
    return node.line, node.column  # not found in the source text: the scalar itself


WORD = re.compile(r"[^\s'\"\\]+")


def _raw_offset(raw: str, value: str, offset: int) -> int | None:
    """Where the word at `offset` of a scalar's value is in its source text, or None.

    A word (no blank, quote or backslash) is written as it is in every style, and folding only
    changes blanks and line breaks, so the n-th occurrence of the word in the value is the n-th
    in the source (after a block scalar's header line)."""
    word = WORD.search(value, offset)  # at `offset`, or the next word after blanks and quotes
    if word is None:
        return None
    needle = word.group(0)
    nth = _count(value, needle, word.start())
    start = raw.find("\n") + 1 if raw[:1] == ">" else (1 if raw[:1] in ("'", '"') else 0)
    at = start - 1
    for _ in range(nth + 1):
        at = raw.find(needle, at + 1)
        if at < 0:
            return None
    gap = value[offset:word.start()]  # blanks or quotes before the word, when written the same
    return at - len(gap) if gap and raw[max(at - len(gap), 0):at] == gap else at


def _count(text: str, needle: str, end: int) -> int:
    """Occurrences of `needle` (overlapping ones too) that start before `end`."""
    n, at = 0, text.find(needle)
    while 0 <= at < end:
        n += 1
        at = text.find(needle, at + 1)
    return n


def finding_at(workflow: Workflow, code: str, message: str, path: PathT, offset: int = 0) -> Any:
    finding = workflow.finding(code, message, path)
    line, column = value_position(workflow, path, offset)
    from dataclasses import replace

    return replace(finding, line=line, column=column, end_line=None, end_column=None)  # inside the scalar
