"""The composer: the node tree of a workflow file built from the YAML parser's event stream
(ruamel's C parser when ruamel.yaml.clib is there), with bounds checked on the events before
anything recurses: depth (MAX_DEPTH), nodes and characters of scalar text after alias
expansion (MAX_NODES, MAX_TEXT), tags, duplicate
keys, merge keys. Scalars are resolved by ruamel's YAML 1.2 resolver and constructors.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.yaml.nodes import MAX_DEPTH, MAX_NODES, MAX_TEXT, Node, YamlProblem, line_starts

_YAML_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_YAML_TAG + t for t in ("str", "int", "float", "bool", "null"))
_MAP_TAGS = frozenset({_YAML_TAG + "map", "!"})
_SEQ_TAGS = frozenset({_YAML_TAG + "seq", "!"})


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
_UNUSUAL = re.compile("[\x85\u2028\u2029\ufeff]")


@dataclass(frozen=True)
class _Mark:
    """A parser mark with 0-based line and column counted on YAML 1.2 line breaks only."""

    line: int
    column: int
    index: int

_scalars: _Scalars | None = None


class Composer:
    """Builds the node tree from the event stream with explicit bounds; never recurses."""

    def __init__(self, text: str) -> None:
        global _scalars
        if _scalars is None:
            _scalars = _Scalars()
        self.scalars = _scalars
        self.text = text
        self._reset()
        # libyaml also breaks lines at U+0085, U+2028 and U+2029 (YAML 1.1); YAML 1.2 and editors
        # do not, and ruamel's own parser counts no column for a U+FEFF inside the text, so in such
        # files positions are taken from the character index
        self.line_starts = line_starts(text) if _UNUSUAL.search(text) else None

    def _reset(self) -> None:
        """The state of one parse (a document refused by the C parser is parsed again)."""
        self.anchors: dict[str, Node] = {}
        self.expanded = 0
        self.chars = 0  # characters of scalar text so far, aliases expanded
        self.anchored_chars: dict[int, int] = {}  # id(anchored node) -> characters of text below it
        self.byte_offsets = False  # whether ReaderError positions are byte offsets (C parser)

    def mark(self, mark: Any) -> Any:
        if self.line_starts is None or mark is None:
            return mark
        line = bisect.bisect_right(self.line_starts, mark.index) - 1
        return _Mark(line, mark.index - self.line_starts[line], mark.index)

    def compose(self, parser: str = "auto") -> Node | None:
        """The tree of the document. ruamel's C parser (ruamel.yaml.clib) when it is there, called
        directly, not through `YAML.parse`, whose generator costs more than the C parser, nor
        through a `YAML` loader, whose set-up (a class made and plug-ins searched on disk for every
        document) costs a tenth of a file. libyaml follows YAML 1.1 where 1.2 differs (`{url:
        https://example.com}` is an error there), so a document it refuses is parsed again by
        ruamel's own parser (iterative too, with the same bounds checked here); when that one
        refuses it as well, the C parser's error is reported. `parser` ("c", "pure") forces one."""
        from ruamel.yaml import main
        from ruamel.yaml.error import MarkedYAMLError

        c_parser = getattr(main, "CParser", None) if parser != "pure" else None  # None without ruamel.yaml.clib
        if c_parser is None:
            return self._compose(_pure_parser(self.text), pure=True)
        self.byte_offsets = True  # the C reader's errors count bytes
        try:
            return self._compose(c_parser(self.text).get_event)
        except MarkedYAMLError as refused:
            if parser == "c":
                raise
            self._reset()
            try:
                return self._compose(_pure_parser(self.text), pure=True)
            except MarkedYAMLError:
                self.byte_offsets = True
                raise refused from None

    def _compose(self, next_event: Callable[[], Any], pure: bool = False) -> Node | None:
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
        while True:
            event = next_event()
            cls = type(event)
            if cls is StreamEndEvent or event is None:
                break
            node: Node
            if cls is ScalarEvent:
                wants_key = frame is not None and frame[1] is None and frame[0].kind == "map"
                if pure and not wants_key and frame is not None and frame[0].kind == "map" and not event.value:
                    self._place_empty_value(event, frame[1], frame[0].flow)
                if event.tag is not None or event.anchor is not None or remap:
                    node = self._key(event) if wants_key else self._scalar(event)
                else:  # the common case, inlined: this loop runs for every node of every file
                    self.expanded += 1
                    text = event.value
                    self.chars += len(text)
                    if self.expanded > MAX_NODES or self.chars > MAX_TEXT:
                        self._count(0, event.start_mark)
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
                        raise _problem("mapping keys must be plain strings, not lists or mappings", self.mark(event.start_mark))
                    frame[1] = _key_node(str(node.data), node)
                    continue
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                mark = self.mark(event.start_mark)
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
                    self.anchored_chars[id(opened)] = -self.chars  # the text below it: added at its end
                frame = [opened, None, []]
                stack.append(frame)
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                node, _, merges = stack.pop()
                frame = stack[-1] if stack else None
                node.close(self.mark(event.end_mark))
                if merges:
                    self._merge(node, merges)
                if node.anchor is not None:
                    self.anchored_chars[id(node)] += self.chars
                pairs = node.pairs
                node.size = 1 + sum([v.size for _, v in pairs]) + (len(pairs) if node.kind == "map" else 0)
            elif cls is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _problem("a workflow file holds one YAML document; found a second one ('---')", self.mark(event.start_mark))
                continue
            else:
                continue
            if frame is not None:
                self._attach(frame, node)
            else:
                root = node
        return root

    def _place_empty_value(self, event: Any, key: Node, flow: bool) -> None:
        """Put an empty mapping value (`key:` and nothing) where libyaml puts it, not at the next
        token as ruamel's parser does: in block style right after the colon, in flow style at
        the next token after it. Positions do not depend on the parser that read the file."""
        at = event.start_mark.index
        if at != event.end_mark.index or event.anchor is not None or event.tag is not None:
            return
        colon = self.text.find(":", key.end, at + 1)
        if colon < 0 or self.text[key.end:colon].strip():
            return  # (a key that is an alias has the anchor's position)
        at = colon + 1
        if flow:
            while at < len(self.text) and self.text[at] in " \t\r\n\x85\u2028\u2029":  # (libyaml's breaks)
                at += 1
        if self.line_starts is None:
            self.line_starts = line_starts(self.text)
        line = bisect.bisect_right(self.line_starts, at) - 1
        event.start_mark = event.end_mark = _Mark(line, at - self.line_starts[line], at)

    def _count(self, n: int, mark: Any, chars: int = 0) -> None:
        self.expanded += n
        self.chars += chars
        if self.expanded > MAX_NODES:
            raise _problem(f"the document expands to more than {MAX_NODES:,} nodes (alias bomb or oversized file)", mark)
        if self.chars > MAX_TEXT:
            raise _problem(f"the document expands to more than {MAX_TEXT:,} characters of text through aliases (alias bomb); "
                           "write a long value once, not behind many aliases", mark)

    def _key(self, event: Any) -> Node:
        self._count(1, self.mark(event.start_mark), len(event.value))
        if event.tag is not None and str(event.tag) not in _SCALAR_TAGS and str(event.tag) != "!":
            raise _problem(f"unsupported tag '{_tag_name(str(event.tag))}'", self.mark(event.start_mark))
        merge = event.value == "<<" and event.implicit[0] and event.tag is None
        node = Node("scalar", _MERGE if merge else event.value, self.mark(event.start_mark))
        return self._closed(node, event)

    def _scalar(self, event: Any) -> Node:
        mark = self.mark(event.start_mark)
        self._count(1, mark, len(event.value))
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
        return self._closed(node, event)

    def _closed(self, node: Node, event: Any) -> Node:
        """A scalar node ended at its event's end mark, and known by its anchor if it has one."""
        node.close(self.mark(event.end_mark))
        if event.anchor is not None:
            self.anchors[event.anchor] = node
            node.anchor = event.anchor
            self.anchored_chars[id(node)] = len(event.value)
        return node

    def _alias(self, event: Any) -> Node:
        target = self.anchors.get(event.anchor)
        mark = self.mark(event.start_mark)
        if target is None:
            raise _problem(f"alias '*{event.anchor}' names no anchor defined before it", mark)
        if target.size < 0:
            raise _problem(f"alias '*{event.anchor}' refers to a node that contains it", mark)
        self._count(target.size, mark, self.anchored_chars[id(target)])
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


def _pure_parser(text: str) -> Callable[[], Any]:
    """The `get_event` of ruamel's own parser, set up as `YAML.parse` does it (without the
    document information a `%YAML` directive is an IndexError inside the scanner)."""
    from ruamel.yaml import main
    from ruamel.yaml.docinfo import DocInfo, version

    yaml = main.YAML(typ="safe", pure=True)
    yaml.doc_infos.append(DocInfo(requested_version=version(yaml.version)))
    yaml.tags = {}
    get_event: Callable[[], Any] = yaml.get_constructor_parser(text)[1].get_event
    return get_event


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
