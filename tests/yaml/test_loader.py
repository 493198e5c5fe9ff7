"""runner/yaml/loader.py: the YAML loader that keeps 1-based positions and refuses what would hurt."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.model import WorkflowError, load_workflow
from runner.yaml.loader import decode, load, parse, read_text
from runner.yaml.nodes import MAX_BYTES, MAX_DEPTH, MAX_NODES, YamlProblem


def problem(text: str) -> tuple[int, int, str]:
    with pytest.raises(YamlProblem) as info:
        parse(text)
    return info.value.line, info.value.column, info.value.message


# -- values -----------------------------------------------------------------------------------------


def test_scalars_follow_yaml_1_2() -> None:
    data = parse("on: yes\nno: off\nmode: 0755\nv: 1.10\nn: ~\nb: true\nhex: 0x1f\ns: '1'\n").data
    assert data == {"on": "yes", "no": "off", "mode": 755, "v": 1.1, "n": None, "b": True, "hex": 31, "s": "1"}


def test_timestamps_stay_strings() -> None:
    data = parse("startDate: 2026-01-01\nat: 2026-01-01T10:00:00Z\n").data
    assert data == {"startDate": "2026-01-01", "at": "2026-01-01T10:00:00Z"}


def test_keys_are_their_text() -> None:
    assert parse("1: a\ntrue: b\nnull: c\n").data == {"1": "a", "true": "b", "null": "c"}


def test_explicit_scalar_tags() -> None:
    assert parse("a: !!str 5\nb: !!int '7'\nc: !!float 1\nd: ! 12\n").data == {"a": "5", "b": 7, "c": 1.0, "d": "12"}


def test_block_scalars_and_crlf_and_bom() -> None:
    assert parse("a: |\n  x\n  y\nb: >\n  folded\n").data == {"a": "x\ny\n", "b": "folded\n"}
    assert parse("a:\r\n  b: 1\r\n").data == {"a": {"b": 1}}
    assert decode(b"\xef\xbb\xbfa: 1\n") == "a: 1\n"


def test_one_explicit_document_is_fine() -> None:
    assert parse("%YAML 1.2\n---\na: 1\n...\n").data == {"a": 1}


# -- positions --------------------------------------------------------------------------------------


def test_positions_are_one_based_and_point_at_keys_and_values() -> None:
    source = parse("dagId: d\ntasks:\n  - taskId: a\n    deps: [x, 'y']\n    more:\n      - z\n")
    assert source.position(("dagId",)) == (1, 8)
    assert source.position(("dagId",), key=True) == (1, 1)
    assert source.position(("tasks", 0)) == (3, 5)
    assert source.position(("tasks", 0, "deps", 1)) == (4, 15)
    assert source.position(("tasks", 0, "more", 0)) == (6, 9)
    assert source.position(("tasks", 0, "more"), key=True) == (5, 5)


def test_position_of_a_missing_path_is_its_deepest_existing_node() -> None:
    source = parse("a:\n  b: 1\n")
    assert source.position(("a", "nope")) == (2, 3)
    assert source.position(("zzz",)) == (1, 1)


def test_node_spans_cover_the_source_text_including_quotes() -> None:
    text = "d: ééé  # ü\nl: [a, \"b c\"]\n"
    source = parse(text)
    node = source.node(("l", 1))
    assert node is not None
    assert text[node.start:node.end] == '"b c"'
    assert (node.line, node.column) == (2, 8)


def test_merge_keys_keep_the_positions_of_merged_nodes_and_explicit_keys_win() -> None:
    source = parse("base: &b {operator: dummy, x: 1}\nt:\n  <<: *b\n  x: 2\n")
    assert source.data["t"] == {"operator": "dummy", "x": 2}
    assert source.position(("t", "operator")) == (1, 21)
    assert source.position(("t", "x")) == (4, 6)


def test_merge_of_a_list_of_mappings() -> None:
    source = parse("a: &a {p: 1}\nb: &b {q: 2}\nc:\n  <<: [*a, *b]\n  r: 3\n")
    assert source.data["c"] == {"p": 1, "q": 2, "r": 3}


def test_aliases_share_data() -> None:
    data = parse("a: &x [1, 2]\nb: *x\n").data
    assert data["a"] == data["b"] == [1, 2]


def test_positions_count_newlines_only_even_after_unicode_line_separators() -> None:
    # libyaml (YAML 1.1) also breaks lines at U+2028; editors and findings must not.
    source = parse('a: "x\u2028y"\nb: 1\n')
    assert source.data["a"] == "x\u2028y"
    assert source.position(("b",)) == (2, 4)


# -- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("", 1, 1, "empty"),
        ("   \n\n", 1, 1, "empty"),
        ("# just a comment\n", 1, 1, "no YAML document"),
        ("---", 1, 1, "no YAML document"),
        ("--- # nothing\n...\n", 1, 1, "no YAML document"),
        ("- a\n- b\n", 1, 1, "found a list"),
        ("hello\n", 1, 1, "found a single value"),
        ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a'"),
        ("a: 1\n---\nb: 2\n", 2, 1, "one YAML document"),
        ("a: !!python/object/apply:os.system ['true']\n", 1, 4, "unsupported tag '!!python/object/apply:os.system'"),
        ("a: !!binary aGVsbG8=\n", 1, 4, "unsupported tag '!!binary'"),
        ("a: !!set {x}\n", 1, 4, "unsupported tag '!!set'"),
        ("a: !custom [x]\n", 1, 4, "unsupported tag '!custom'"),
        ("a: !!int x\n", 1, 4, "not a valid !!int"),
        ("a: *nope\n", 1, 4, "names no anchor"),
        ("a: &x [*x]\n", 1, 8, "contains it"),
        ("? [a]\n: 1\n", 1, 3, "mapping keys must be plain strings"),
        ("<<: [1]\n", 1, 1, "merge key"),
        ("a: b\n  c: d\n", 2, 4, "mapping values are not allowed"),
        ("a: 'open\n", 1, 9, "while scanning a quoted scalar"),
    ],
)
def test_refusals_have_positions(text: str, line: int, column: int, fragment: str) -> None:
    got = problem(text)
    assert got[:2] == (line, column), got
    assert fragment in got[2]


def test_unquoted_cron_gets_a_quoting_hint() -> None:
    line, column, message = problem("dagId: d\nschedule: * * * * *\n")
    assert (line, column) == (2, 12)
    assert 'quote' in message and '"* * * * *"' in message


def test_tab_indentation_gets_a_hint() -> None:
    line, column, message = problem("dagId: x\ntasks:\n\t- taskId: a\n")
    assert (line, column) == (3, 1)
    assert message.endswith("indent with spaces, not tabs")


def test_control_character_position_counts_characters_not_bytes() -> None:
    # the C reader reports a byte offset: 'ééé' is 6 bytes but 3 columns
    assert problem("a: ééé\nb: x\x07\n")[:2] == (2, 5)
    assert problem("a: é\x07\n")[:2] == (1, 5)


def test_invalid_utf8_is_refused_with_its_position() -> None:
    with pytest.raises(YamlProblem) as info:
        decode("a: ü\nb: é\xff".encode("latin-1"))
    assert (info.value.line, info.value.column) == (1, 4)
    assert "invalid UTF-8 (byte 0xfc)" in info.value.message


def test_nul_byte_is_refused_with_its_position() -> None:
    with pytest.raises(YamlProblem) as info:
        decode(b"a: 1\nbb: x\x00y\n")
    assert (info.value.line, info.value.column, info.value.message) == (2, 6, "NUL byte in file; is this a binary file?")


def test_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"a: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(YamlProblem):
        parse(text)
    assert not marker.exists()


# -- bounds -----------------------------------------------------------------------------------------


def test_nesting_up_to_the_limit_is_accepted() -> None:
    depth = MAX_DEPTH - 1  # lists inside the top-level mapping
    node = parse("a: " + "[" * depth + "]" * depth + "\n").data["a"]
    levels = 1
    while node:
        node, levels = node[0], levels + 1
    assert levels == depth


@pytest.mark.parametrize(
    "text",
    ["[" * (MAX_DEPTH + 1), "a:\n" + "".join("  " * i + "b:\n" for i in range(1, MAX_DEPTH + 5))],
    ids=["flow", "block"],
)
def test_nesting_beyond_the_limit_is_refused(text: str) -> None:
    assert f"nesting deeper than {MAX_DEPTH} levels" in problem(text)[2]


def test_alias_expansion_is_bounded() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    line, _, message = problem("\n".join(lines) + "\n")
    assert f"more than {MAX_NODES:,} nodes" in message
    assert line <= len(lines)


def test_aliases_below_the_bound_are_fine() -> None:
    assert len(parse("a: &a [1, 2, 3]\nb: [*a, *a, *a]\n").data["b"]) == 3


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: costs nothing, and would be all NUL bytes if read
    with pytest.raises(YamlProblem) as info:
        read_text(big)
    assert "the limit is 10,485,760 (10 MiB)" in info.value.message
    with pytest.raises(YamlProblem):
        decode(b" " * (MAX_BYTES + 1))


def test_load_reads_files_and_reports_unreadable_ones(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("dagId: d\n", encoding="utf-8")
    assert load(path).data == {"dagId": "d"}
    assert load(path).path == str(path)
    with pytest.raises(YamlProblem, match="cannot read file"):
        load(tmp_path / "missing.yaml")


def test_load_workflow_raises_one_line_with_the_position(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text("dagId: d\ndagId: e\n", encoding="utf-8")
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    assert str(info.value) == f"{path}:2:1: duplicate key 'dagId'"
    assert (info.value.line, info.value.column) == (2, 1)
