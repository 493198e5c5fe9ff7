"""The positioned tree a workflow file is composed into, and the bounds on what one file may cost.

A leaf of the loader: the composer (runner/yaml/composer.py) builds `Node`s from the parser's events
and raises `YamlProblem`; the loader (runner/yaml/loader.py) reads, decodes and composes a file. Both
import from here, never from each other's internals.
"""

from __future__ import annotations

import re
from typing import Any

# Bounds on what one file may cost. A 10k-task workflow has ~150k nodes.
MAX_BYTES = 10 * 1024 * 1024  # SPEC: larger files are refused before parsing
MAX_DEPTH = 100  # nesting levels; real workflows need fewer than 20
MAX_NODES = 500_000  # nodes after alias expansion: a "billion laughs" stops here
# characters of scalar text (keys and values) after alias expansion: a walk over the strings
# of the data (the rules, schema validation, rendering) reads each alias's copy again, so a
# 1 MiB scalar behind 10,000 aliases would be 10 GiB of text to scan; this bounds it by twice
# what a file may hold
MAX_TEXT = 2 * MAX_BYTES


class YamlProblem(Exception):
    """The file cannot be read as a workflow document; becomes an FR001 finding."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class Node:
    """A composed YAML node. `data` is the plain Python value (shared by aliases)."""

    __slots__ = ("anchor", "column", "data", "end", "end_column", "end_line", "flow", "kind", "line", "pairs", "size", "start")

    def __init__(self, kind: str, data: Any, mark: Any, flow: bool = False, end: Any = None) -> None:
        self.kind = kind  # "map", "seq" or "scalar"
        self.data = data
        self.line: int = mark.line + 1
        self.column: int = mark.column + 1
        self.start: int = mark.index
        end = mark if end is None else end
        self.end: int = end.index
        self.end_line: int = end.line + 1
        self.end_column: int = end.column + 1
        self.flow = flow
        self.pairs: list[tuple[Node, Node]] = []  # map: (key, value); seq: (item, item)
        self.size = 1  # nodes below and including this one, aliases expanded; -1 while open
        self.anchor: str | None = None  # `&name`: the node may be shared through aliases

    def close(self, mark: Any) -> None:
        self.end = mark.index
        self.end_line = mark.line + 1
        self.end_column = mark.column + 1

    def items(self) -> list[Node]:
        return [value for _, value in self.pairs]

    def child(self, key: str | int) -> tuple[Node | None, Node | None]:
        """The (key node, value node) for a mapping key or a sequence index."""
        if self.kind == "seq":
            if isinstance(key, int) and 0 <= key < len(self.pairs):
                return self.pairs[key]
            return None, None
        if self.kind == "map":
            for k, v in reversed(self.pairs):  # explicit keys win over merged ones
                if k.data == key:
                    return k, v
        return None, None


def line_starts(text: str) -> list[int]:
    """Index of the first character of each line; lines end at '\n', '\r\n' or '\r' (YAML 1.2)."""
    return [0, *(m.end() for m in _BREAKS.finditer(text))]


_BREAKS = re.compile(r"\r\n?|\n")
