"""Load a workflow file into plain data whose every node keeps its 1-based position.

The C parser of ruamel.yaml gives an iterative event stream with line and column marks; the
tree is composed here, not by ruamel's composer, because the C composer recurses (100k nested
levels kill the process) and no composer bounds alias expansion. Composing ourselves lets us
refuse, early and cheaply, what would hurt later: files over 10 MiB, nesting deeper than
`MAX_DEPTH`, more than `MAX_NODES` nodes once aliases are expanded (alias bombs), unsupported
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
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Bounds on what one file may cost. A 10k-task workflow has ~150k nodes.
MAX_BYTES = 10 * 1024 * 1024  # SPEC: larger files are refused before parsing
MAX_DEPTH = 100  # nesting levels; real workflows need fewer than 20
MAX_NODES = 500_000  # nodes after alias expansion: a "billion laughs" stops here

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_YAML_TAG + t for t in ("str", "int", "float", "bool", "null"))
_MAP_TAGS = frozenset({_YAML_TAG + "map", "!"})
_SEQ_TAGS = frozenset({_YAML_TAG + "seq", "!"})


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

    def _close(self, mark: Any) -> None:
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
    """A file's bytes; YamlProblem when it cannot be read or is over MAX_BYTES (not read then)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise YamlProblem(f"file is {size:,} bytes; the limit is {MAX_BYTES:,} (10 MiB)")
        return p.read_bytes()
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
    composer = _Composer(text)
    try:
        root = composer.compose()
    except ReaderError as exc:
        index = exc.position
        if composer.byte_offsets:  # the C reader counts bytes of the UTF-8 encoding
            index = len(text.encode("utf-8")[:index].decode("utf-8", "ignore"))
        line, column = _char_position(text, index)
        raise YamlProblem(f"unacceptable character in file: {exc.reason}", line, column) from None
    except MarkedYAMLError as exc:
        mark = composer._mark(exc.problem_mark or exc.context_mark)
        line, column = _clamp(text, mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlProblem(_syntax_message(exc, _char_at(text, line, column) == "\t"), line, column) from None
    except YAMLError as exc:  # pragma: no cover - every parser error we have seen is marked
        raise YamlProblem(f"invalid YAML: {exc}") from None
    if root is None or (root.kind == "scalar" and root.data is None and root.start == root.end):
        raise YamlProblem("the file holds no YAML document; a workflow needs at least dagId and tasks")
    if root.kind != "map":
        found = {"seq": "a list", "scalar": "a single value"}[root.kind]
        line, column = _clamp(text, root.line, root.column)
        raise YamlProblem(f"the top level must be a mapping (dagId:, tasks:, ...), found {found}", line, column)
    return Source(path, text, root, root.data)


def _syntax_message(exc: Any, at_tab: bool = False) -> str:
    problem = str(exc.problem or "invalid YAML").strip()
    context = str(exc.context or "").strip()
    message = f"{problem} ({context})" if context and context not in problem else problem
    if context == "while scanning an alias":
        message += "; quote values that start with '*', such as cron expressions: \"* * * * *\""
    elif at_tab or "tab character" in problem or "'\\t'" in problem:
        message += "; indent with spaces, not tabs"
    return "invalid YAML: " + message


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a 1-based line and column ('' when there is none)."""
    starts = _line_starts(text)
    if not 1 <= line <= len(starts):
        return ""
    return text[starts[line - 1] + column - 1 : starts[line - 1] + column]


def _clamp(text: str, line: int, column: int) -> tuple[int, int]:
    """Move a position past the final line break ("unexpected end of stream") to the last line's end."""
    body = text.rstrip("\r\n")
    starts = _line_starts(body)
    if line <= len(starts):
        return line, column
    return len(starts), len(body) - starts[-1] + 1


def _line_starts(text: str) -> list[int]:
    """Index of the first character of each line; lines end at '\n', '\r\n' or '\r' (YAML 1.2)."""
    return [0, *(m.end() for m in _BREAKS.finditer(text))]


def _char_position(text: str, index: int) -> tuple[int, int]:
    starts = _line_starts(text)
    line = bisect.bisect_right(starts, index)
    return line, index - starts[line - 1] + 1


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column of byte `offset`, lines ending at \n, \r\n or \r as in YAML 1.2 (a BOM is no column)."""
    prefix = raw[:offset].decode("utf-8-sig", "replace")
    return _char_position(prefix, len(prefix))


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag


class _Scalars:
    """Plain and explicitly tagged scalars to Python values, through ruamel's 1.2 resolver."""

    def __init__(self) -> None:
        from ruamel.yaml import YAML

        yaml = YAML(typ="safe", pure=True)
        self.resolver = yaml.resolver
        self.constructor = yaml.constructor
        self.cache: dict[str, Any] = {}

    def plain(self, text: str) -> Any:
        try:
            return self.cache[text]
        except KeyError:
            pass
        from ruamel.yaml.nodes import ScalarNode

        tag = str(self.resolver.resolve(ScalarNode, text, (True, False)))
        value: Any = text
        if tag in _SCALAR_TAGS and tag != _YAML_TAG + "str":
            try:
                value = self.constructor.yaml_constructors[tag](self.constructor, ScalarNode(tag, text))
            except ValueError:  # the resolver takes `+_`, `0x_` and `._` for numbers its constructors refuse
                value = text
        elif tag == _YAML_TAG + "merge":
            value = _MERGE
        if len(self.cache) < 10_000:
            self.cache[text] = value
        return value

    def tagged(self, tag: str, text: str) -> Any:
        from ruamel.yaml.nodes import ScalarNode

        if tag == _YAML_TAG + "str" or tag == "!":
            return text
        return self.constructor.yaml_constructors[tag](self.constructor, ScalarNode(tag, text))


_MERGE = object()
_UNUSUAL_BREAKS = re.compile("[\x85\u2028\u2029]")
_BREAKS = re.compile(r"\r\n?|\n")


@dataclass(frozen=True)
class _Mark:
    """A parser mark with 0-based line and column counted on YAML 1.2 line breaks only."""

    line: int
    column: int
    index: int

_scalars: _Scalars | None = None


class _Composer:
    """Builds the node tree from the event stream with explicit bounds; never recurses."""

    def __init__(self, text: str) -> None:
        global _scalars
        if _scalars is None:
            _scalars = _Scalars()
        self.scalars = _scalars
        self.text = text
        self.anchors: dict[str, Node] = {}
        self.expanded = 0
        self.byte_offsets = False  # whether ReaderError positions are byte offsets (C parser)
        # libyaml also breaks lines at U+0085, U+2028 and U+2029 (YAML 1.1); YAML 1.2 and editors
        # do not, so in such files positions are taken from the character index
        self.line_starts = _line_starts(text) if _UNUSUAL_BREAKS.search(text) else None

    def _mark(self, mark: Any) -> Any:
        if self.line_starts is None or mark is None:
            return mark
        line = bisect.bisect_right(self.line_starts, mark.index) - 1
        return _Mark(line, mark.index - self.line_starts[line], mark.index)

    def _next_event(self) -> Callable[[], Any]:
        """The parser's `get_event` (ruamel's C parser when ruamel.yaml.clib is there); called
        directly, not through `YAML.parse`, whose generator costs more than the C parser itself."""
        from ruamel.yaml import YAML

        try:
            yaml = YAML(typ="safe", pure=False)
            self.byte_offsets = not yaml.Parser.__module__.startswith("ruamel.yaml.parser")
        except Exception:  # pragma: no cover - without ruamel.yaml.clib
            yaml = YAML(typ="safe", pure=True)
            self.byte_offsets = False
        _, parser = yaml.get_constructor_parser(self.text)
        get_event: Callable[[], Any] = parser.get_event
        return get_event

    def compose(self) -> Node | None:
        from ruamel.yaml.events import (
            AliasEvent,
            DocumentStartEvent,
            MappingEndEvent,
            MappingStartEvent,
            ScalarEvent,
            SequenceEndEvent,
            SequenceStartEvent,
            StreamEndEvent,
        )

        root: Node | None = None
        documents = 0
        remap = self.line_starts is not None
        plain = self.scalars.plain
        # one frame per open container: [node, key node awaiting its value, merge sources]
        stack: list[list[Any]] = []
        frame: list[Any] | None = None  # stack[-1]
        next_event = self._next_event()
        while True:
            event = next_event()
            cls = type(event)
            if cls is StreamEndEvent or event is None:
                break
            node: Node
            if cls is ScalarEvent:
                wants_key = frame is not None and frame[1] is None and frame[0].kind == "map"
                if event.tag is not None or event.anchor is not None or remap:
                    node = self._key(event) if wants_key else self._scalar(event)
                else:  # the common case, inlined: this loop runs for every node of every file
                    self.expanded += 1
                    if self.expanded > MAX_NODES:
                        self._count(0, event.start_mark)
                    text = event.value
                    if wants_key:
                        data = _MERGE if text == "<<" and event.implicit[0] else text
                    else:
                        data = plain(text) if event.implicit[0] else text
                    node = Node("scalar", data, event.start_mark, False, event.end_mark)
                if wants_key:
                    frame[1] = node  # type: ignore[index]
                    continue
            elif cls is AliasEvent:
                node = self._alias(event)
                if frame is not None and frame[0].kind == "map" and frame[1] is None:
                    if node.kind != "scalar":
                        raise _problem("mapping keys must be plain strings, not lists or mappings", self._mark(event.start_mark))
                    frame[1] = _key_node(str(node.data), node)
                    continue
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                mark = self._mark(event.start_mark)
                if frame is not None and frame[0].kind == "map" and frame[1] is None:
                    raise _problem("mapping keys must be plain strings, not lists or mappings", mark)
                if len(stack) >= MAX_DEPTH:
                    raise _problem(f"nesting deeper than {MAX_DEPTH} levels", mark)
                kind = "map" if cls is MappingStartEvent else "seq"
                tag = str(event.tag) if event.tag is not None else None
                if tag is not None and tag not in (_MAP_TAGS if kind == "map" else _SEQ_TAGS):
                    raise _problem(f"unsupported tag '{_tag_name(tag)}'", mark)
                opened = Node(kind, {} if kind == "map" else [], mark, bool(event.flow_style))
                opened.size = -1
                self._count(1, mark)
                if event.anchor is not None:
                    self.anchors[event.anchor] = opened
                    opened.anchor = event.anchor
                frame = [opened, None, []]
                stack.append(frame)
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                node, _, merges = stack.pop()
                frame = stack[-1] if stack else None
                node._close(self._mark(event.end_mark))
                if merges:
                    self._merge(node, merges)
                pairs = node.pairs
                node.size = 1 + sum([v.size for _, v in pairs]) + (len(pairs) if node.kind == "map" else 0)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _problem("a workflow file holds one YAML document; found a second one ('---')", self._mark(event.start_mark))
                continue
            else:
                continue
            if frame is not None:
                self._attach(frame, node)
            else:
                root = node
        return root

    def _count(self, n: int, mark: Any) -> None:
        self.expanded += n
        if self.expanded > MAX_NODES:
            raise _problem(f"the document expands to more than {MAX_NODES:,} nodes (alias bomb or oversized file)", mark)

    def _key(self, event: Any) -> Node:
        self._count(1, self._mark(event.start_mark))
        if event.tag is not None and str(event.tag) not in _SCALAR_TAGS and str(event.tag) != "!":
            raise _problem(f"unsupported tag '{_tag_name(str(event.tag))}'", self._mark(event.start_mark))
        merge = event.value == "<<" and event.implicit[0] and event.tag is None
        node = Node("scalar", _MERGE if merge else event.value, self._mark(event.start_mark))
        node._close(self._mark(event.end_mark))
        if event.anchor is not None:
            self.anchors[event.anchor] = node
            node.anchor = event.anchor
        return node

    def _scalar(self, event: Any) -> Node:
        mark = self._mark(event.start_mark)
        self._count(1, mark)
        tag = str(event.tag) if event.tag is not None else None
        text = event.value
        if tag is None or tag == "!":
            value = self.scalars.plain(text) if event.implicit[0] and tag is None else text
        elif tag in _SCALAR_TAGS:
            try:
                value = self.scalars.tagged(tag, text)
            except Exception:
                raise _problem(f"'{text}' is not a valid {_tag_name(tag)} value", mark) from None
        else:
            raise _problem(f"unsupported tag '{_tag_name(tag)}'", mark)
        node = Node("scalar", value, mark)
        node._close(self._mark(event.end_mark))
        if event.anchor is not None:
            self.anchors[event.anchor] = node
            node.anchor = event.anchor
        return node

    def _alias(self, event: Any) -> Node:
        target = self.anchors.get(event.anchor)
        mark = self._mark(event.start_mark)
        if target is None:
            raise _problem(f"alias '*{event.anchor}' names no anchor defined before it", mark)
        if target.size < 0:
            raise _problem(f"alias '*{event.anchor}' refers to a node that contains it", mark)
        self._count(target.size, mark)
        return target

    def _attach(self, frame: list[Any], node: Node) -> None:
        parent: Node = frame[0]
        if parent.kind == "seq":
            parent.pairs.append((node, node))
            parent.data.append(node.data)
            return
        key: Node = frame[1]
        frame[1] = None
        if key.data is _MERGE:
            frame[2].append((key, node))
        elif key.data in parent.data:
            raise YamlProblem(f"duplicate key '{key.data}'", key.line, key.column)
        else:
            parent.pairs.append((key, node))
            parent.data[key.data] = node.data

    def _merge(self, node: Node, merges: list[tuple[Node, Node]]) -> None:
        for key, source in merges:
            sources = [source] if source.kind == "map" else [s for _, s in source.pairs] if source.kind == "seq" else []
            if not sources or any(s.kind != "map" for s in sources):
                raise YamlProblem("a merge key '<<' takes a mapping or a list of mappings", key.line, key.column)
            merged = []
            for src in sources:
                for k, v in src.pairs:
                    if k.data not in node.data:
                        merged.append((k, v))
                        node.data[k.data] = v.data
            node.pairs[:0] = merged[::-1]  # as inserting each at the front did, without its quadratic cost


def _problem(message: str, mark: Any) -> YamlProblem:
    return YamlProblem(message, mark.line + 1, mark.column + 1)


def _key_node(text: str, like: Node) -> Node:
    """A string key node at the position of `like` (an aliased scalar used as a key)."""
    node = Node.__new__(Node)
    for slot in Node.__slots__:
        setattr(node, slot, getattr(like, slot))
    node.data = text
    node.pairs = []
    return node
