"""YAML that YAML 1.2 accepts is accepted (issue 13, D.11).

libyaml (ruamel.yaml.clib, the fast path) follows YAML 1.1 for `:` inside flow collections, so
`params: {url: https://example.com/health}` was FR001 "found unexpected ':'". A document the C
parser refuses is now parsed again by ruamel's own YAML 1.2 parser, with the same bounds; the
differential test checks that both parsers give the same tree, positions included, for every
document both accept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Position, dedent
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import budget, emit, mutated_bytes, workflows, yaml_documents

from runner.yaml.composer import Composer
from runner.yaml.loader import parse
from runner.yaml.nodes import MAX_DEPTH, MAX_NODES, MAX_TEXT, Node, YamlProblem

ROOT = Path(__file__).resolve().parents[2]


def test_a_url_in_a_flow_mapping_is_accepted_with_exact_positions(lint: Callable[..., list[Position]]) -> None:
    text = dedent("""
        dagId: d
        tasks:
          - taskId: ping
            operator: http
            timeout: {execution: 1m}
            retryPolicy: {maxRetries: 2, retryDelay: 10s}
            params: {url: https://example.com/health, method: GET}
          - {taskId: b, operator: bash, dependencies: [ping], params: {command: echo http://x:8080/y, cwd: /tmp}}
    """)
    source = parse(text)
    assert source.data["tasks"][0]["params"]["url"] == "https://example.com/health"
    assert source.data["tasks"][1]["params"]["command"] == "echo http://x:8080/y"
    assert source.position(("tasks", 0, "params", "url")) == (7, 19)
    assert source.position(("tasks", 0, "params", "method"), key=True) == (7, 47)
    assert source.position(("tasks", 1, "params", "cwd")) == (8, 100)
    assert lint(text) == [(8, 14, "FR406")]  # at taskId: nothing else to say


@pytest.mark.parametrize(("text", "expected"), [
    ("x: [http://a.b/c, d]\n", {"x": ["http://a.b/c", "d"]}),
    ("x: {a: b:c}\n", {"x": {"a": "b:c"}}),
    ("x: {t: 12:30}\n", {"x": {"t": "12:30"}}),
    ("x: [a:b]\n", {"x": ["a:b"]}),
])
def test_colons_inside_flow_scalars_are_read_as_yaml_1_2(text: str, expected: dict[str, Any]) -> None:
    assert parse(text).data == expected


@pytest.mark.parametrize("text", ["a:\nb: 1\n", "a:   # c\nb: 1\n", "x: {a: , b: 1}\n", "? a\n: \n", "x:\n  - a:\n  - b:\n",
                                  "x: {k1: \x85, k2: 1}\n"])  # (found by the `parsers` fuzz target)
def test_an_empty_value_has_the_same_position_from_both_parsers(text: str) -> None:
    assert _outcome(text, "c") == _outcome(text, "pure")


def test_a_document_both_parsers_refuse_reports_the_fast_parser_error() -> None:
    with pytest.raises(YamlProblem) as raised:
        parse("dagId: d\ntasks: [\n  {a: b: c}\n")
    assert (raised.value.line, raised.value.column) == (3, 8)
    assert "did not find expected ',' or '}'" in raised.value.message


@pytest.mark.parametrize(("text", "fragment"), [
    # refused by the C parser on line 1, so composed by the pure parser: its bounds still hold
    ("x: {u: http://a}\ny: " + "[" * 100_000 + "\n", f"nesting deeper than {MAX_DEPTH} levels"),
    ("x: {u: http://a}\na: &a [" + ",".join(["x"] * 1000) + "]\nb: [" + ",".join(["*a"] * 1000) + "]\n",
     f"more than {MAX_NODES:,} nodes"),
    ("x: {u: http://a}\na: &a '" + "x" * (1 << 20) + "'\nb: [" + ",".join(["*a"] * 30) + "]\n",
     f"more than {MAX_TEXT:,} characters"),
    ("x: {u: http://a}\ny: !!python/object/apply:os.system [ls]\n", "unsupported tag"),
    ("x: {u: http://a}\nx: 2\n", "duplicate key 'x'"),
])
def test_the_bounds_hold_on_the_pure_parser_path(text: str, fragment: str) -> None:
    with pytest.raises(YamlProblem) as raised:
        parse(text)
    assert fragment in raised.value.message


# -- the differential test ----------------------------------------------------------------------


def _outcome(text: str, parser: str) -> Any:
    """The tree one parser gives (kinds, values, anchors, start and end positions), the
    YamlProblem of a document it parses but the composer refuses, or None when it refuses it."""
    from ruamel.yaml.error import YAMLError

    composer = Composer(text.removeprefix("\ufeff"))  # as `parse` does
    try:
        root = composer.compose(parser)
    except YamlProblem as problem:
        return ("problem", problem.message, problem.line, problem.column)
    except YAMLError:
        return None
    return ("tree", _shape(root))


def _shape(root: Node | None) -> list[tuple[Any, ...]]:
    """Every node (aliased ones at each use). The end of a block collection is left out: libyaml
    ends it where the next token starts (the next line at the end of the file), ruamel's parser
    after its last value; nothing reads it but `--fix`, which only compares it with the ends of
    the nodes inside."""
    out: list[tuple[Any, ...]] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        end = (node.end_line, node.end_column) if node.kind == "scalar" or node.flow else None
        start = (node.line, node.column)
        out.append((node.kind, repr(node.data) if node.kind == "scalar" else None, node.anchor, start, end, node.flow))
        for key, value in reversed(node.pairs):
            stack.append(value)
            if node.kind == "map":
                stack.append(key)
    return out


def check_parsers_agree(text: str) -> None:
    c, pure = _outcome(text, "c"), _outcome(text, "pure")
    if c is not None and pure is not None:
        assert c == pure, text


@budget(300)
@given(yaml_documents())
def test_both_parsers_agree_on_random_yaml(text: str) -> None:
    check_parsers_agree(text)


@budget(150)
@given(mutated_bytes())
def test_both_parsers_agree_on_mutated_workflows(raw: bytes) -> None:
    check_parsers_agree(raw.decode("utf-8", "replace").replace("\x00", ""))


@budget(60)
@given(workflows(max_tasks=10, mutations=2), st.integers(0, 2**16))
def test_both_parsers_agree_on_generated_workflows(case: tuple[dict[str, Any], dict[str, Any]], seed: int) -> None:
    import random

    data, options = case
    check_parsers_agree(emit(data, random.Random(seed), **options))


@pytest.mark.parametrize("path", sorted((ROOT / "workflows").glob("*.yaml")), ids=lambda p: p.name)
def test_both_parsers_agree_on_the_example_workflows(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _outcome(text, "c") is not None
    check_parsers_agree(text)
