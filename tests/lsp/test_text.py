"""Positions between the linter (1-based, code points, text after a BOM) and the editor."""

from __future__ import annotations

import pytest

from runner.lsp.text import Lines


def test_lines_split_on_yaml_breaks_only() -> None:
    lines = Lines("a: 1\r\nb: '\u2028\x0c\x85'\rc: 3\nd: 4")
    assert [lines.line(i) for i in range(4)] == ["a: 1", "b: '\u2028\x0c\x85'", "c: 3", "d: 4"]
    assert lines.position(4, 1) == (3, 0)  # a U+2028 inside a value moved no later line


@pytest.mark.parametrize(("encoding", "character"), [("utf-16", 6), ("utf-8", 8), ("utf-32", 5)])
def test_a_column_after_an_emoji(encoding: str, character: int) -> None:
    lines = Lines("x: '\U0001f600' y\n", encoding)
    assert lines.position(1, 6) == (0, character)  # the space after the closing quote
    assert lines.column(0, character) == 6


def test_a_position_inside_a_surrogate_pair_is_before_the_character() -> None:
    lines = Lines("'\U0001f600'", "utf-16")
    assert lines.column(0, 2) == 2  # in the middle of the emoji: at it


def test_the_bom_is_a_character_of_the_editor_not_of_the_linter() -> None:
    lines = Lines("\ufeffdagId: x\ntasks: []\n")
    assert lines.linted.startswith("dagId")
    assert lines.position(1, 1) == (0, 1)
    assert lines.position(2, 1) == (1, 0)
    assert lines.column(0, 1) == 1
    assert lines.offset_position(0) == (0, 1)
    assert lines.offset_position(len("dagId: x\n")) == (1, 0)


def test_offsets_after_a_crlf() -> None:
    lines = Lines("a\r\nb\rc")
    assert [lines.offset_position(i) for i in (0, 3, 5)] == [(0, 0), (1, 0), (2, 0)]
    assert lines.end_of_line(0) == (0, 1)


def test_an_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="utf-7"):
        Lines("", "utf-7")
