"""`--fix`: remove list items (redundant dependencies) by editing the text in place.

Editing spans of the original text, located by the positions the loader keeps, leaves every
other byte as it was: comments, key order, quoting and indentation survive by construction.
A block item loses its whole line; a flow list `[a, b, c]` is rewritten from the source text
of the items it keeps. An item that is not safely removable (a list shared through an alias,
or written in an unusual layout) is left alone.
"""

from __future__ import annotations

import re
from collections import defaultdict

from runner.findings import Fix
from runner.source import Node, Source

_BLOCK_PREFIX = re.compile(r"[ \t]*-[ \t]+\Z")


def apply_fixes(text: str, source: Source, fixes: list[Fix]) -> tuple[str, int]:
    """The new text and the number of items removed."""
    by_list: dict[tuple[str | int, ...], set[int]] = defaultdict(set)
    for fix in fixes:
        if fix.path and isinstance(fix.path[-1], int):
            by_list[fix.path[:-1]].add(fix.path[-1])
    edits: list[tuple[int, int, str]] = []
    removed = 0
    for list_path, drop in by_list.items():
        node = source.node(list_path)
        owner = source.node(list_path[:2]) if len(list_path) >= 2 else None
        if node is None or node.kind != "seq" or not _inside(node, owner):
            continue
        items = node.items()
        if len(drop) >= len(items):
            continue  # never empty a list
        if node.flow:
            kept = [text[item.start:item.end] for i, item in enumerate(items) if i not in drop]
            edits.append((node.start, node.end, "[" + ", ".join(kept) + "]"))
            removed += len(drop)
            continue
        for i in sorted(drop):
            span = _block_item_span(text, items[i])
            if span is not None:
                edits.append((*span, ""))
                removed += 1
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text, removed


def _inside(node: Node, owner: Node | None) -> bool:
    """The list is written inside its task (not reached through an alias or a merge key)."""
    return owner is None or (owner.start <= node.start and node.end <= owner.end)


def _block_item_span(text: str, item: Node) -> tuple[int, int] | None:
    line_start = text.rfind("\n", 0, item.start) + 1
    if item.kind != "scalar" or not _BLOCK_PREFIX.match(text[line_start:item.start]):
        return None
    line_end = text.find("\n", item.end)
    return line_start, len(text) if line_end < 0 else line_end + 1
