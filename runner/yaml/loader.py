"""Load a workflow file into plain data whose every node keeps its 1-based position.

The C parser of ruamel.yaml gives an iterative event stream with line and column marks; the
tree is composed here, not by ruamel's composer, because the C composer recurses (100k nested
levels kill the process) and no composer bounds alias expansion; runner/yaml/composer.py builds it
from the events. Composing ourselves lets us
refuse, early and cheaply, what would hurt later: files over 10 MiB, nesting deeper than
`MAX_DEPTH`, more than `MAX_NODES` nodes or `MAX_TEXT` characters of scalar text once aliases are
expanded (alias bombs; the limits and the `Node` tree are runner/yaml/nodes.py), unsupported
tags (never constructed), duplicate keys, several documents.

Scalars are resolved with ruamel's YAML 1.2 resolver and constructors, except timestamps, which
stay strings (`startDate: 2026-01-01` is the text a JSON Schema `date` expects). Mapping keys are
always the key's text, so `on:` and `1:` are the keys `"on"` and `"1"`. Merge keys (`<<`) are
honoured; the merged values keep the positions of the nodes they came from.
"""

from __future__ import annotations

import bisect
import codecs
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner import safe_io
from runner.yaml.hints import hint
from runner.yaml.nodes import MAX_BYTES, Node, YamlProblem, line_starts


@dataclass
class Source:
    """A loaded file: its text, the composed tree and the plain data."""

    path: str
    text: str
    root: Node | None
    data: dict[str, Any]

    def node(self, path: tuple[str | int, ...], key: bool = False) -> Node | None:
        """The deepest node on `path` (the key node of its last step when `key`)."""
        node = self.root
        for i, step in enumerate(path):
            if node is None:
                return None
            key_node, value = node.child(step)
            if value is None:
                return node
            node = key_node if key and i == len(path) - 1 else value
        return node

    def position(self, path: tuple[str | int, ...], key: bool = False) -> tuple[int, int]:
        node = self.node(path, key)
        return (node.line, node.column) if node is not None else (1, 1)


def read_text(path: str | Path) -> str:
    """Read a file as strict UTF-8 text, refusing what YAML parsers handle badly."""
    return decode(read_bytes(path))


def read_bytes(path: str | Path) -> bytes:
    """A regular file's bytes; YamlProblem when it cannot be read, is not a regular file (a named
    pipe is never opened for a blocking read, `/dev/zero` never read) or is over MAX_BYTES (not read then)."""
    try:
        return safe_io.read_regular(path, MAX_BYTES, follow=True)[0]
    except safe_io.TooLarge as exc:
        raise YamlProblem(f"file is {exc.size:,} bytes; the limit is {MAX_BYTES:,} (10 MiB)") from None
    except OSError as exc:
        raise YamlProblem(f"cannot read file: {exc.strerror or exc}") from None


# byte order marks of the encodings YAML allows besides UTF-8 (UTF-32 first: its LE mark starts like UTF-16's)
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise YamlProblem(f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,} (10 MiB)")
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise YamlProblem(f"the file is {name} (it starts with a {name} byte order mark); save it as UTF-8")
    head = raw[:256]
    if len(head) >= 4 and max(head[0::2].count(0), head[1::2].count(0)) * 4 >= len(head) * 3 // 2:
        raise YamlProblem("NUL bytes between the characters: the file looks like UTF-16; save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(raw, exc.start)
        raise YamlProblem(f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line, column) from None
    nul = text.find("\x00")
    if nul >= 0:
        line, column = _char_position(text, nul)
        raise YamlProblem("NUL byte in file; is this a binary file?", line, column)
    return text


def load(path: str | Path) -> Source:
    return parse(read_text(path), str(path))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector off while a tree of many small objects is built: its full
    collections cost time in proportion to the heap, which made linting super-linear in the
    number of tasks (10,000 tasks: 1.5 s, 0.8 s without). The trees hold no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse(text: str, path: str = "<string>") -> Source:
    """Compose `text` into a Source; raise YamlProblem for anything that is not a workflow document."""
    with gc_paused():
        return _parse(text, path)


def _parse(text: str, path: str) -> Source:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    if text.startswith("\ufeff"):
        text = text[1:]  # a byte order mark is no content; the parser skips it, so positions must too
    if not text.strip():
        raise YamlProblem("the file is empty; a workflow needs at least dagId and tasks")
    from runner.yaml.composer import Composer

    composer = Composer(text)
    try:
        root = composer.compose()
    except YamlProblem as problem:
        if problem.message.startswith(("mapping keys must be plain strings", "unsupported tag")):
            problem.message += hint(text, problem.line, problem.column, problem.message, "")
        raise
    except ReaderError as exc:
        index = exc.position
        if composer.byte_offsets:  # the C reader counts bytes of the UTF-8 encoding
            index = len(text.encode("utf-8")[:index].decode("utf-8", "ignore"))
        line, column = _char_position(text, index)
        raise YamlProblem(f"unacceptable character in file: {exc.reason}", line, column) from None
    except MarkedYAMLError as exc:
        mark = composer.mark(exc.problem_mark or exc.context_mark)
        line, column = _clamp(text, mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlProblem(_syntax_message(exc, text, line, column), line, column) from None
    except YAMLError as exc:  # pragma: no cover - every parser error we have seen is marked
        raise YamlProblem(f"invalid YAML: {exc}") from None
    if root is None or (root.kind == "scalar" and root.data is None and root.start == root.end):
        raise YamlProblem("the file holds no YAML document; a workflow needs at least dagId and tasks")
    if root.kind != "map":
        found = {"seq": "a list", "scalar": "a single value"}[root.kind]
        line, column = _clamp(text, root.line, root.column)
        raise YamlProblem(f"the top level must be a mapping (dagId:, tasks:, ...), found {found}", line, column)
    return Source(path, text, root, root.data)


def _syntax_message(exc: Any, text: str, line: int, column: int) -> str:
    """The parser's problem, and what to write instead when the line shows a known trap."""
    problem = str(exc.problem or "invalid YAML").strip()
    context = str(exc.context or "").strip()
    message = f"{problem} ({context})" if context and context not in problem else problem
    advice = hint(text, line, column, problem, context)
    if not advice and ("tab character" in problem or "'\\t'" in problem):
        advice = "; indent with spaces, not tabs"
    return "invalid YAML: " + message + advice


def _clamp(text: str, line: int, column: int) -> tuple[int, int]:
    """Move a position past the final line break ("unexpected end of stream") to the last line's end."""
    body = text.rstrip("\r\n")
    starts = line_starts(body)
    if line <= len(starts):
        return line, column
    return len(starts), len(body) - starts[-1] + 1


def _char_position(text: str, index: int) -> tuple[int, int]:
    starts = line_starts(text)
    line = bisect.bisect_right(starts, index)
    return line, index - starts[line - 1] + 1


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column of byte `offset`, lines ending at \n, \r\n or \r as in YAML 1.2 (a BOM is no column)."""
    prefix = raw[:offset].decode("utf-8-sig", "replace")
    return _char_position(prefix, len(prefix))

