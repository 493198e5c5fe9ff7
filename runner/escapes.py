"""Text for a terminal: control characters written as escapes (issue 12 item 3).

Whatever flowrun prints that it did not write itself (an http response's error text, a task's
stderr line, a rendered alert, a value quoted from a workflow file, a file name) goes through
`printable` first, so a server or a task cannot set the window title, clear the screen, move the
cursor to overwrite a line with a fake "all tasks succeeded", write the clipboard (OSC 52) or
reorder what is shown (bidirectional overrides). Escapes are Python's: `\\x1b`, `\\n`, `\\u202e`.
A lone surrogate (an undecodable file name byte) is escaped too, so printing never fails on it.
Backslashes are left as they are. Imports nothing heavy: the linter and the CLI use it.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(code: int) -> str:
    if chr(code) in _NAMED:
        return _NAMED[chr(code)]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# C0, DEL and C1 controls; format characters that change how text reads (bidirectional marks,
# embeddings, overrides and isolates, zero-width characters, the BOM, interlinear annotations,
# tag characters); line and paragraph separators; surrogates
_RANGES = (
    (0x00, 0x1F), (0x7F, 0x9F), (0x061C, 0x061C), (0x180E, 0x180E), (0x200B, 0x200F), (0x2028, 0x202E),
    (0x2060, 0x206F), (0xD800, 0xDFFF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0xE0000, 0xE007F),
)
_TABLE = {code: _escape(code) for low, high in _RANGES for code in range(low, high + 1)}


def printable(text: str | None) -> str:
    """`text` on one line, every control character written as an escape."""
    if not text:
        return ""
    if text.isascii() and text.isprintable():  # the common case, at C speed
        return text
    return text.translate(_TABLE)


def printable_lines(text: str | None) -> str:
    """As `printable`, but newlines kept (text shown over several lines, e.g. a command)."""
    return "\n".join(printable(line) for line in (text or "").split("\n"))
