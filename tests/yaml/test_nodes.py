"""runner/yaml/nodes.py: the leaf of the loader (Node, the limits, YamlProblem, line_starts)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from runner.yaml.loader import parse
from runner.yaml.nodes import MAX_BYTES, MAX_TEXT, YamlProblem, line_starts


@pytest.mark.parametrize(("text", "starts"), [
    ("", [0]),
    ("a", [0]),
    ("a\nb", [0, 2]),
    ("a\r\nb\rc\n", [0, 3, 5, 7]),
    ("\n\n", [0, 1, 2]),
    ("a\x85b\u2028c", [0]),  # NEL and LS are no line breaks in YAML 1.2
])
def test_line_starts_counts_the_yaml_12_line_breaks(text: str, starts: list[int]) -> None:
    assert line_starts(text) == starts


def test_the_composer_and_the_loader_share_one_problem_type() -> None:
    with pytest.raises(YamlProblem) as info:
        parse("a: 1\na: 2\n")  # a duplicate key: found by the composer
    assert (info.value.line, info.value.column) == (2, 1)
    assert MAX_TEXT == 2 * MAX_BYTES


def test_nodes_is_a_leaf() -> None:
    """The composer and the loader import it; it imports no other module of flowrun."""
    code = "import sys, runner.yaml.nodes; print(sorted(m for m in sys.modules if m.startswith('runner')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['runner', 'runner.yaml', 'runner.yaml.nodes']"  # (a package __init__ is empty)


def test_nodes_keep_positions_and_find_children() -> None:
    root = parse("dagId: x\ntasks:\n  - taskId: a\n").root
    assert root is not None
    key, value = root.child("tasks")
    assert key is not None and value is not None
    assert (key.line, key.column, value.line, value.column) == (2, 1, 3, 3)
    assert value.child(0)[1] is value.items()[0]
    assert value.child(1) == (None, None)
