"""`--fix`: remove list items (redundant dependencies) by editing the text in place.

Editing spans of the original text, located by the positions the loader keeps, leaves every
other byte as it was: comments, key order, quoting and indentation survive by construction.
A block item loses its whole line; an item of a flow list `[a, b, c]` loses itself and the
separator after it (before it, for the last item), so comments and tags of the list stay. A
list that is not safely editable (one that aliases may share because it or a node holding it
has an anchor, one reached through an alias or a merge key, or one written in an unusual
layout) is left alone, and its findings are not offered as fixable.

The fixed text replaces the file through `write_fixed`: a new file under an unpredictable name
beside it (`O_EXCL | O_NOFOLLOW`), given the old file's mode, renamed over it. Nothing is written
when the workflow path is a symlink or the file changed since it was read.
"""

from __future__ import annotations

import os
import re
import stat
from collections import defaultdict
from pathlib import Path

from runner import safe_io
from runner.findings import Fix
from runner.yaml.loader import Source
from runner.yaml.nodes import Node

_BLOCK_PREFIX = re.compile(r"[ \t]*-[ \t]+\Z")
_LINE_REST = re.compile(r"[ \t]*(#[^\r\n]*)?\r?(\n|\Z)")  # after a block item: a comment at most
_FLOW_REST = re.compile(r"[ \t]*,?[ \t]*(#[^\r\n]*)?\r?(\n|\Z)")  # after a flow item alone on its line

Span = tuple[int, int]


def apply_fixes(text: str, source: Source, fixes: list[Fix]) -> tuple[str, int]:
    """The new text and the number of items removed."""
    edits, removed = removal_spans(text, source, fixes)
    return _delete(text, edits), removed


def removal_spans(text: str, source: Source, fixes: list[Fix]) -> tuple[list[Span], int]:
    """The (disjoint) character spans of `text` that `apply_fixes` deletes, and the number of items
    they remove: what `--fix` does, for an editor to apply as text edits."""
    by_list: dict[tuple[str | int, ...], set[int]] = defaultdict(set)
    for fix in fixes:
        if fix.path and isinstance(fix.path[-1], int):
            by_list[fix.path[:-1]].add(fix.path[-1])
    edits: list[Span] = []
    removed = 0
    for list_path, drop in by_list.items():
        spans = _removals(text, source, list_path, drop)
        if spans is not None:
            edits.extend(spans)
            removed += len(drop)
    return sorted(edits), removed


def _delete(text: str, spans: list[Span]) -> str:
    """The text without the (disjoint) spans, in one pass: cutting one span at a time copied
    the whole text per span, quadratic in the findings of a big file."""
    kept = []
    pos = 0
    for start, end in sorted(spans):
        kept.append(text[pos:start])
        pos = max(pos, end)
    kept.append(text[pos:])
    return "".join(kept)


def fixable(source: Source, fix: Fix) -> bool:
    """Whether `apply_fixes` can apply this fix to the text it was found in."""
    if not fix.path or not isinstance(fix.path[-1], int):
        return False
    return _removals(source.text, source, fix.path[:-1], {fix.path[-1]}) is not None


def _removals(text: str, source: Source, list_path: tuple[str | int, ...], drop: set[int]) -> list[Span] | None:
    """The spans of text to delete to remove items `drop` of the list, or None if it must not be edited."""
    on_path = _nodes_on(source, list_path)
    if on_path is None:
        return None
    node = on_path[-1]
    owner = on_path[2] if len(list_path) >= 2 else None
    if node.kind != "seq" or not _inside(node, owner):
        return None
    if any(n.anchor for n in on_path):
        return None  # the list, or a mapping holding it, may be shared through aliases
    items = node.items()
    if not drop or len(drop) >= len(items) or not drop <= set(range(len(items))):
        return None  # never empty a list
    if any(items[i].kind != "scalar" or items[i].anchor is not None for i in drop):
        return None
    spans = _flow_spans(text, items, drop) if node.flow else _block_spans(text, items, drop)
    return spans if spans is not None and len(spans) > 0 else None


def _nodes_on(source: Source, path: tuple[str | int, ...]) -> list[Node] | None:
    """The nodes from the root down to the end of path, or None if the path is not there."""
    node = source.root
    if node is None:
        return None
    nodes = [node]
    for step in path:
        _, child = node.child(step)
        if child is None:
            return None
        node = child
        nodes.append(node)
    return nodes


def _inside(node: Node, owner: Node | None) -> bool:
    """The list is written inside its task (not reached through an alias or a merge key)."""
    return owner is None or (owner.start <= node.start and node.end <= owner.end)


def _block_spans(text: str, items: list[Node], drop: set[int]) -> list[Span] | None:
    spans = []
    for i in sorted(drop):
        item = items[i]
        line_start = text.rfind("\n", 0, item.start) + 1
        rest = _LINE_REST.match(text, item.end)
        if not _BLOCK_PREFIX.match(text[line_start:item.start]) or rest is None:
            return None
        spans.append((line_start, rest.end()))
    return spans


def _flow_spans(text: str, items: list[Node], drop: set[int]) -> list[Span] | None:
    spans = []
    runs: list[list[int]] = []
    for i in sorted(drop):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        first, last = items[run[0]], items[run[-1]]
        if run[-1] + 1 < len(items):
            # the items, their commas and what follows up to the next kept item
            spans.append((first.start, items[run[-1] + 1].start))
            continue
        previous = items[run[0] - 1]  # kept: a list is never emptied
        line_start = text.rfind("\n", 0, first.start) + 1
        rest = _FLOW_REST.match(text, last.end)
        if line_start > previous.end and not text[line_start:first.start].strip() and rest is not None:
            spans.append((line_start, rest.end()))  # the last items stand on lines of their own
        else:
            spans.append((previous.end, last.end))  # `, c` of `[a, b, c]`
    return spans


def write_fixed(path: str, text: str, before: os.stat_result) -> str | None:
    """Replace the file at once with the fixed text, keeping its mode; or say why not.

    `before` is the status of the file as it was read (`os.fstat` of the descriptor read).

    Refused when `path` is now a symlink (`--fix` never writes through one, nor beside it to the
    file it names) or no longer the file that was read (changed, replaced) while it was linted."""
    target = Path(path)
    try:
        directory = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        return f"cannot open its directory: {exc.strerror or exc}"
    try:
        now = os.stat(target.name, dir_fd=directory, follow_symlinks=False)
        if stat.S_ISLNK(now.st_mode):
            return f"it is a symlink; run --fix on the file it names ('{os.path.realpath(path)}') if you mean to change that one"
        if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) != (before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns):
            return "the file changed while it was linted; run flowrun lint --fix again"
        safe_io.replace_file(directory, target.name, text.encode("utf-8"), now.st_mode, (now.st_uid, now.st_gid))
    except OSError as exc:
        return f"cannot write it: {exc.strerror or exc}"
    finally:
        os.close(directory)
    return None
