"""Lines and positions of an editor's document, split once per lint.

The linter counts 1-based lines and columns in code points of the text without its BOM; the
editor counts 0-based lines and columns in the negotiated encoding's units (UTF-16 by default).
Lines end at `\r\n`, `\r` or `\n` only, as in YAML: `str.splitlines` would also split at `\f`,
`\x85` or U+2028 and shift every line after one.
"""

from __future__ import annotations

import bisect
import re

_BREAKS = re.compile(r"\r\n|\r|\n")
BOM = "\ufeff"


class Lines:
    """The document `text` (as the editor holds it) split into lines, once."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.bom = 1 if text.startswith(BOM) else 0  # the linter reads the text after it
        if encoding not in ("utf-8", "utf-16", "utf-32"):
            raise ValueError(f"unknown position encoding '{encoding}'")
        self.encoding = encoding
        self.starts = [0, *(m.end() for m in _BREAKS.finditer(text))]
        self.ends = [m.start() for m in _BREAKS.finditer(text)] + [len(text)]

    @property
    def linted(self) -> str:
        """The text the linter reads."""
        return self.text[self.bom:]

    def line(self, index: int) -> str:
        """Line `index` (0-based) without its line break; "" past the end."""
        if not 0 <= index < len(self.starts):
            return ""
        return self.text[self.starts[index]:self.ends[index]]

    def _units(self, text: str) -> int:
        if self.encoding == "utf-8":
            return len(text.encode("utf-8", "surrogatepass"))
        if self.encoding == "utf-16":
            return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
        return len(text)

    def _chars(self, line: str, units: int) -> int:
        """The code points of `line` that fill `units` units (a position inside a character: before it)."""
        if self.encoding == "utf-32":
            return min(units, len(line))
        count = 0
        for i, ch in enumerate(line):
            width = (len(ch.encode("utf-8", "surrogatepass")) if self.encoding == "utf-8"
                     else 2 if ord(ch) > 0xFFFF else 1)
            if count + width > units:
                return i
            count += width
        return len(line)

    # -- the linter's positions -> the editor's -----------------------------------------------

    def position(self, line: int, column: int) -> tuple[int, int]:
        """The editor's (line, character) of the linter's 1-based (line, column)."""
        index = min(max(line - 1, 0), len(self.starts) - 1)
        chars = max(column - 1, 0) + (self.bom if index == 0 else 0)
        text = self.line(index)
        return index, self._units(text[:chars])

    def offset_position(self, offset: int) -> tuple[int, int]:
        """The editor's (line, character) of a character offset into the linted text."""
        offset = min(max(offset + self.bom, 0), len(self.text))
        index = bisect.bisect_right(self.starts, offset) - 1
        return index, self._units(self.text[self.starts[index]:offset])

    # -- the editor's positions -> the linter's -----------------------------------------------

    def column(self, line: int, character: int) -> int:
        """The 1-based code point column on line `line` (0-based) of the editor's character;
        on the first line, counted after the BOM as the linter does."""
        chars = self._chars(self.line(line), character)
        return chars + 1 - (self.bom if line == 0 else 0)

    def end_of_line(self, line: int) -> tuple[int, int]:
        """The editor's position of the end of line `line` (0-based)."""
        return line, self._units(self.line(line))
