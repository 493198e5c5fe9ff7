"""Hostile input never makes the linter crash: findings or a clear one-line error, never a
traceback, never a hang, never code execution (SPEC section 6, FACTS "YAML").

Each file is linted by the real command in its own process (a segfault of a C extension would
show as exit status 139), all processes started together to keep the suite fast. Then a
hypothesis test feeds random text and random small structures to `lint_text`.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import flowrun
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.lint.linter import lint_text
from runner.yaml.nodes import MAX_BYTES

REFUSAL_SECONDS = 5  # generous bound for refusing bombs and deep nesting (they take milliseconds)

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

TASK = "dagId: d\ntasks:\n  - taskId: a\n    operator: dummy\n"


@dataclass(frozen=True)
class Case:
    content: bytes
    code: str  # the code of the first finding
    position: tuple[int, int] | None = None  # of the first finding, when pinned down
    fragment: str = ""  # in the first finding's message


def _text(text: str) -> bytes:
    return text.encode("utf-8")


CASES: dict[str, Case] = {
    "broken": Case(_text("dagId: d\ntasks: [\n  - taskId: a\n"), "FR001", (3, 3)),
    "duplicate_keys": Case(_text(TASK + "dagId: e\n"), "FR001", (5, 1), "duplicate key 'dagId'"),
    "duplicate_task_keys": Case(_text(TASK + "    operator: bash\n"), "FR001", (5, 5), "duplicate key 'operator'"),
    "empty": Case(b"", "FR001", (1, 1), "empty"),
    "comment_only": Case(b"# nothing here\n# at all\n", "FR001", (1, 1), "no YAML document"),
    "top_level_list": Case(_text("- dagId: d\n"), "FR001", (1, 1), "found a list"),
    "top_level_scalar": Case(_text("just words\n"), "FR001", (1, 1), "found a single value"),
    "invalid_utf8": Case(b"dagId: d\ntasks: \xff\xfe\n", "FR001", (2, 8), "invalid UTF-8"),
    "latin1": Case("dagId: caf\xe9\n".encode("latin-1"), "FR001", (1, 11), "invalid UTF-8"),
    "nul_bytes": Case(b"dagId: d\x00\ntasks: []\n", "FR001", (1, 9), "NUL byte"),
    "tabs": Case(_text("dagId: d\ntasks:\n\t- taskId: a\n"), "FR001", (3, 1), "indent with spaces, not tabs"),
    "python_tag": Case(
        _text(TASK.replace("dummy", "!!python/object/apply:os.system ['touch PWNED']")),
        "FR001",
        (4, 15),
        "unsupported tag",
    ),
    "binary_tag": Case(_text("dagId: !!binary aGVsbG8=\ntasks: []\n"), "FR001", (1, 8), "unsupported tag '!!binary'"),
    "documents": Case(_text(TASK + "---\n" + TASK), "FR001", (5, 1), "one YAML document"),
    "billion_laughs": Case(_text(BILLION_LAUGHS), "FR001", None, "alias bomb"),
    "nested_brackets": Case(b"[" * 100_000, "FR001", (1, 101), "nesting deeper than"),
    "nested_mappings": Case(
        _text("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 300))), "FR001", (101, 201), "nesting deeper than"
    ),
    "oversized": Case(_text("dagId: d\ndescription: '" + "x" * (11 * 1024 * 1024) + "'\n"), "FR001", (1, 1), "10 MiB"),
    "tasks_scalar": Case(_text("dagId: d\ntasks: 5\n"), "FR002", (2, 8)),
    "tasks_wrong_items": Case(_text('dagId: d\ntasks: [1, "x", null]\n'), "FR002", (2, 9)),
    "dependencies_scalar": Case(_text(TASK + "    dependencies: 3\n"), "FR002", (5, 19)),
    "task_id_list": Case(_text("dagId: d\ntasks:\n  - taskId: [a]\n    operator: dummy\n"), "FR002", (3, 13)),
    "task_id_mapping_and_null": Case(_text("dagId: d\ntasks:\n  - taskId: {x: 1}\n  - taskId:\n    operator: 3\n"), "FR002"),
    "unquoted_cron": Case(
        _text("dagId: d\nschedule: * * * * *\ntasks:\n  - taskId: a\n    operator: dummy\n"),
        "FR001",
        (2, 12),
        'quote values that start with \'*\', such as cron expressions: "* * * * *"',
    ),
    "merge_of_scalar": Case(_text("dagId: d\n<<: 5\ntasks: []\n"), "FR001", (2, 1), "merge key"),
    "second_merge_key": Case(_text("dagId: d\nx: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n"), "FR002"),  # both merges apply
    "control_character": Case(_text("dagId: d\x07\n"), "FR001", (1, 9), "control characters"),
    "key_is_a_list": Case(_text("[a, b]: 1\n"), "FR001", (1, 1), "mapping keys must be plain strings"),
    "task_repeated_through_alias": Case(
        _text("dagId: d\ntasks:\n  - &t {taskId: a, operator: dummy, dependencies: [a]}\n  - *t\n"), "FR003"
    ),
}


@dataclass(frozen=True)
class Outcome:
    result: subprocess.CompletedProcess[str]
    seconds: float
    root: Path


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """`flowrun lint --select FR0,FR1 NAME.yaml` for every case, each in its own process."""
    root = tmp_path_factory.mktemp("hostile")
    for name, case in CASES.items():
        (root / f"{name}.yaml").write_bytes(case.content)

    def run(name: str) -> Outcome:
        start = time.monotonic()
        result = flowrun("lint", "--select", "FR0,FR1", f"{name}.yaml", cwd=root)
        return Outcome(result, time.monotonic() - start, root)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CASES, pool.map(run, CASES), strict=True))


FINDING_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>FR\d{3}) \[(error|warning|info)\] (?P<msg>.+)$")


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_gives_findings_not_a_crash(outcomes: dict[str, Outcome], name: str) -> None:
    case, outcome = CASES[name], outcomes[name]
    result = outcome.result
    assert result.returncode in (1, 2), f"exit {result.returncode}: {result.stderr[-500:]}"
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr[-500:]
    *findings, summary = result.stdout.splitlines()
    assert summary.startswith("Found ")
    assert findings, result.stdout
    matches = [FINDING_LINE.match(line) for line in findings]
    assert all(matches), findings
    first = matches[0]
    assert first is not None
    assert first["path"] == f"{name}.yaml"
    assert first["code"] == case.code, findings
    if case.position is not None:
        assert (int(first["line"]), int(first["col"])) == case.position, findings[0]
    assert case.fragment in first["msg"]
    if case.code == "FR001":
        assert len(findings) == 1  # a file that does not parse has exactly one finding
        assert result.returncode == 1


@pytest.mark.parametrize("name", ["billion_laughs", "nested_brackets", "nested_mappings", "oversized"])
def test_bombs_are_refused_quickly(outcomes: dict[str, Outcome], name: str) -> None:
    assert outcomes[name].result.returncode == 1
    assert outcomes[name].seconds < REFUSAL_SECONDS


def test_tags_are_never_constructed(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["python_tag"]
    assert outcome.result.returncode == 1
    assert not (outcome.root / "PWNED").exists()


def test_oversized_file_is_refused_by_its_size(outcomes: dict[str, Outcome]) -> None:
    size = len(CASES["oversized"].content)
    assert size > MAX_BYTES
    assert f"file is {size:,} bytes; the limit is {MAX_BYTES:,} (10 MiB)" in outcomes["oversized"].result.stdout


def test_json_output_of_hostile_files_is_valid(tmp_path: Path) -> None:
    for name in ("invalid_utf8", "nul_bytes", "tabs", "empty"):
        (tmp_path / f"{name}.yaml").write_bytes(CASES[name].content)
    result = flowrun("lint", "--format", "json", ".", cwd=tmp_path)
    found = json.loads(result.stdout)
    assert [(f["path"], f["code"]) for f in found] == [
        ("empty.yaml", "FR001"),
        ("invalid_utf8.yaml", "FR001"),
        ("nul_bytes.yaml", "FR001"),
        ("tabs.yaml", "FR001"),
    ]
    assert result.returncode == 1


def test_unreadable_path_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "missing-target.yaml")
    result = flowrun("lint", "dangling.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "flowrun: error: dangling.yaml: no such file or directory\n"


# -- property-based -----------------------------------------------------------------------------------

TOKENS = [
    "dagId:", "tasks:", "- ", "  ", "taskId:", "operator:", "dummy", "bash", "branch", "transfer",
    "dependencies:", "params:", "branches:", "sourceTask:", "triggerRule:", "all_done", "schedule:",
    "timeout:", "retryPolicy:", "environments:", "[", "]", "{", "}", ",", ": ", "&a ", "*a", "<<: ",
    "!!str ", "!!python/object ", "#", "# flowrun: ignore[FR1]", "'", '"', "\t", "\r", "?", "|", ">",
    "---", "...", "é", "\u2028", "\x85", "\ufeff", "%", "@", "`", "*", "a", "b", "1", "null", "~",
]

lines = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=4)), max_size=10).map("".join)
documents = st.lists(lines, max_size=15).map("\n".join)


def line_count(text: str) -> int:
    return len(re.split(r"\r\n|\r|\n", text))


def assert_positions_within(text: str) -> None:
    for finding in lint_text(text):
        assert finding.line >= 1 and finding.column >= 1, finding
        assert finding.line <= line_count(text), (finding, text)
        assert finding.code.startswith("FR") and finding.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_text_never_raises(text: str) -> None:
    assert_positions_within(text)


NAMES = st.sampled_from(["a", "b", "c", "d"])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False), st.text(max_size=8), NAMES)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)),
    max_leaves=12,
)
TASK_KEYS = ["taskId", "operator", "params", "dependencies", "triggerRule", "retryPolicy", "timeout", "resources", "zzz"]
tasks = st.dictionaries(
    st.sampled_from(TASK_KEYS),
    st.one_of(values, NAMES, st.lists(NAMES, max_size=4), st.sampled_from(["dummy", "branch", "transfer", "bash"])),
    max_size=6,
)
workflows = st.fixed_dictionaries(
    {"dagId": st.one_of(NAMES, values), "tasks": st.one_of(st.lists(tasks, max_size=6), values)},
    optional={"schedule": st.one_of(st.text(max_size=12), values), "params": values, "environments": values},
)


def dump(data: object, flow: bool) -> str:
    if flow:
        return json.dumps(data)  # JSON is YAML (flow style)
    from io import StringIO

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = StringIO()
    yaml.dump(data, out)
    return out.getvalue()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workflows, st.booleans())
def test_random_structures_never_raise(data: dict[str, object], flow: bool) -> None:
    assert_positions_within(dump(data, flow))
