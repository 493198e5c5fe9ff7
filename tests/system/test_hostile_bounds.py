"""Hostile YAML within bounds: what tests/test_hostile.py does not cover (hardening issue, part 2).

The loader (runner/yaml/loader.py) enforces, before any rule runs:

* MAX_BYTES = 10 MiB: a larger file is refused by its size (`stat`) before it is read;
* MAX_DEPTH = 100 nesting levels, checked on the parser's event stream (nothing recurses);
* MAX_NODES = 500,000 nodes once aliases are expanded (alias bombs, oversized documents);
* strict UTF-8 (a UTF-16 or UTF-32 byte order mark, or UTF-16 without one, is named as such);
* only the tags of plain data (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`,
  `!!seq`, `!`); every other tag is refused, never constructed.

Time and peak memory are measured in a fresh process (`resource.getrusage(RUSAGE_SELF)` in the
child, the interpreter and its imports included, about 60 MB). Figures on the development
machine (2 cores, Python 3.11, ruamel.yaml.clib):

| input                                             | result                         | time    | peak RSS |
|---------------------------------------------------|--------------------------------|---------|----------|
| 50 MiB scalar (over the cap)                      | FR001 "file is 52,428,8xx bytes" | 0.00 s  | 22 MB    |
| 9 MiB plain scalar in `description` (under)       | loads, no finding              | 0.3 s   | 66 MB    |
| 9 MiB one-word bash command (under)               | loads, FR406 only              | 2.1 s   | 67 MB    |
| 9 MiB of `echo {{ ds }}` in one command (under)   | loads (Jinja parses it all)    | 45 s    | 631 MB   |
| 100,000 tasks (3.9 MB)                            | FR001 node cap, at line 200,001 | 4.1 s   | 246 MB   |
| 100,000-deep `[[[...]]]`, `{a: {a: ...}}`, `- - -` | FR001 "nesting deeper than 100" | < 0.1 s | < 70 MB  |

The assertions use generous bounds (they say "bounded", not "fast"); the 9 MiB template case
runs only with FLOWRUN_SLOW_TESTS=1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import flowrun

from runner.lint.config import LintConfig
from runner.lint.linter import lint_file, lint_text
from runner.yaml.nodes import MAX_BYTES, MAX_DEPTH, MAX_NODES

SECONDS = 60  # generous: "does not hang"
RSS_MB = 1500  # generous: "does not blow up" (the machine has 23 GB)

MEASURE = """
import json, sys, time


def peak_mb():
    # VmHWM, the peak RSS of this process image: ru_maxrss would include the forking parent's
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


from runner.lint.config import LintConfig
from runner.lint.linter import lint_file
start = time.perf_counter()
findings, _ = lint_file(sys.argv[1], LintConfig())
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "rss_mb": peak_mb(),
    "findings": [[f.line, f.column, f.code, f.message] for f in findings],
}))
"""


def measure(path: Path) -> dict[str, Any]:
    """Lint `path` in a fresh interpreter; its time, its peak RSS and its findings."""
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result: dict[str, Any] = json.loads(proc.stdout)
    print(f"{path.name}: {result['seconds']:.2f} s, {result['rss_mb']:.0f} MB, {[f[2] for f in result['findings']][:5]}")
    return result


def _task(i: int) -> str:
    return f"  - taskId: t{i}\n    operator: dummy\n"


BIG: dict[str, Any] = {
    # name: (content builder, expected first code, message fragment)
    "scalar_50mib": (lambda: "dagId: d\ndescription: '" + "x" * (50 * 1024 * 1024) + "'\ntasks: []\n", "FR001", "the limit is 10,485,760 (10 MiB)"),
    "scalar_9mib_description": (
        lambda: "dagId: d\ndescription: '" + "x" * (9 * 1024 * 1024) + "'\ntasks:\n" + _task(0), None, ""),
    "scalar_9mib_command": (
        lambda: "dagId: d\ntasks:\n  - taskId: a\n    operator: bash\n    params:\n      command: '" + "x" * (9 * 1024 * 1024) + "'\n",
        "FR406", ""),
    "tasks_100k": (lambda: "dagId: d\ntasks:\n" + "".join(_task(i) for i in range(100_000)), "FR001",
                   f"expands to more than {MAX_NODES:,} nodes"),
    "nested_flow_sequences": (lambda: "[" * 100_000 + "]" * 100_000 + "\n", "FR001", f"nesting deeper than {MAX_DEPTH} levels"),
    "nested_flow_mappings": (lambda: "{a: " * 100_000 + "1" + "}" * 100_000 + "\n", "FR001", f"nesting deeper than {MAX_DEPTH} levels"),
    "nested_block_sequences": (lambda: "- " * 100_000 + "x\n", "FR001", f"nesting deeper than {MAX_DEPTH} levels"),
    "nested_in_a_task": (lambda: "dagId: d\ntasks:\n  - taskId: a\n    operator: dummy\n    metadata: " + "[" * 100_000 + "\n",
                         "FR001", f"nesting deeper than {MAX_DEPTH} levels"),
    # 1,000 aliases of a list of 1,000 scalars: small on disk, a million nodes once expanded
    "aliases_times_1000": (lambda: "a: &a [" + ",".join(["x"] * 1000) + "]\nb: [" + ",".join(["*a"] * 1000) + "]\n", "FR001",
                           "alias bomb"),
    # the same under the cap (400 x 1,000): accepted, and every rule walks the expanded data quickly
    "aliases_under_the_cap": (
        lambda: "dagId: d\nmetadata_: &a [" + ",".join(["x"] * 1000) + "]\nextra: [" + ",".join(["*a"] * 400) + "]\ntasks:\n" + _task(0),
        "FR002", "unknown key"),
    # a merge key taking a 100,000-key mapping: merged in linear time
    "merge_of_100k_keys": (lambda: "dagId: d\na: &a {" + ", ".join(f"k{i}: {i}" for i in range(100_000)) + "}\nb:\n  <<: *a\n", "FR002", ""),
}


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("bounds")
    for name, (build, _, _) in BIG.items():
        (root / f"{name}.yaml").write_text(build(), encoding="utf-8")
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(BIG, pool.map(lambda name: measure(root / f"{name}.yaml"), BIG), strict=True))


@pytest.mark.parametrize("name", list(BIG))
def test_big_inputs_are_refused_or_linted_in_bounded_time_and_memory(measured: dict[str, dict[str, Any]], name: str) -> None:
    _, code, fragment = BIG[name]
    result = measured[name]
    assert result["seconds"] < SECONDS, result["seconds"]
    assert result["rss_mb"] < RSS_MB, result["rss_mb"]
    findings = result["findings"]
    if code is None:
        assert findings == []
        return
    assert findings and findings[0][2] == code, findings[:3]
    assert fragment in findings[0][3]
    if code == "FR001":
        assert len(findings) == 1


def test_oversized_file_is_refused_without_reading_it(measured: dict[str, dict[str, Any]]) -> None:
    result = measured["scalar_50mib"]
    assert result["findings"][0][:2] == [1, 1]
    assert result["rss_mb"] < 100  # 50 MiB were never read into memory
    assert result["seconds"] < 1


def test_files_at_the_size_limit(tmp_path: Path) -> None:
    """MAX_BYTES exactly is read; one byte more is refused."""
    head = "dagId: d\ntasks: [{taskId: a, operator: dummy}]\ndescription: '"
    at_limit = head + "x" * (MAX_BYTES - len(head) - 2) + "'\n"
    assert len(at_limit.encode()) == MAX_BYTES
    (tmp_path / "at.yaml").write_text(at_limit)
    (tmp_path / "over.yaml").write_text(at_limit + " ")
    assert lint_file(str(tmp_path / "at.yaml"), LintConfig())[0] == []
    over = lint_file(str(tmp_path / "over.yaml"), LintConfig())[0]
    assert [(f.code, f.message) for f in over] == [("FR001", f"file is {MAX_BYTES + 1:,} bytes; the limit is {MAX_BYTES:,} (10 MiB)")]


def test_a_mebibyte_of_templates_is_bounded(tmp_path: Path) -> None:
    """75k expressions in one command (4.5 s here; 9 MiB of them take 45 s, linear, not quadratic)."""
    path = tmp_path / "templates.yaml"
    command = "echo {{ ds }} " * (1024 * 1024 // 14)
    path.write_text(f"dagId: d\ntasks:\n  - taskId: a\n    operator: bash\n    timeout: {{execution: 1m}}\n    params:\n      command: \"{command}\"\n")
    result = measure(path)
    assert result["findings"] == []
    assert result["seconds"] < 60 and result["rss_mb"] < 1000


# -- encodings ---------------------------------------------------------------------------------------

DOC = "dagId: caf\u00e9\ntasks:\n  - {taskId: a, operator: dummy}\n"
ENCODINGS: dict[str, tuple[bytes, tuple[int, int], str]] = {
    "utf16_le_bom": (DOC.encode("utf-16"), (1, 1), "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"),
    "utf16_be_bom": (b"\xfe\xff" + DOC.encode("utf-16-be"), (1, 1), "the file is UTF-16"),
    "utf16_le": (DOC.encode("utf-16-le"), (1, 1), "NUL bytes between the characters: the file looks like UTF-16; save it as UTF-8"),
    "utf16_be": (DOC.encode("utf-16-be"), (1, 1), "the file looks like UTF-16"),
    "utf32_bom": (DOC.encode("utf-32"), (1, 1), "the file is UTF-32"),
    "latin1": (DOC.encode("latin-1"), (1, 11), "invalid UTF-8 (byte 0xe9); save the file as UTF-8"),
    "cp1252_euro": ("dagId: \u20ac\n".encode("cp1252"), (1, 8), "invalid UTF-8 (byte 0x80)"),
    "utf8_bom": (b"\xef\xbb\xbf" + DOC.replace("caf\u00e9", "cafe").encode("utf-8"), (0, 0), ""),  # the mark is skipped
}


@pytest.mark.parametrize("name", list(ENCODINGS))
def test_encodings(tmp_path: Path, name: str) -> None:
    raw, position, message = ENCODINGS[name]
    (tmp_path / "e.yaml").write_bytes(raw)
    findings = lint_file(str(tmp_path / "e.yaml"), LintConfig())[0]
    if not message:
        assert [f.code for f in findings] == []
        return
    assert [(f.code, f.line, f.column) for f in findings] == [("FR001", *position)]
    assert message in findings[0].message


# -- tags --------------------------------------------------------------------------------------------

TAGGED = "dagId: d\ntasks:\n  - taskId: a\n    operator: dummy\n    metadata:\n      x: VALUE\n"
TAGS: dict[str, tuple[str, str | None]] = {
    # tag and value -> the message fragment of FR001, or None when the value is plain data
    "binary": ("!!binary aGVsbG8=", "unsupported tag '!!binary'"),
    "set": ("!!set {a, b}", "unsupported tag '!!set'"),
    "omap": ("!!omap [{a: 1}, {b: 2}]", "unsupported tag '!!omap'"),
    "pairs": ("!!pairs [{a: 1}, {a: 2}]", "unsupported tag '!!pairs'"),
    "timestamp": ("!!timestamp 2026-01-01T00:00:00Z", "unsupported tag '!!timestamp'"),
    "python_object_apply": ("!!python/object/apply:os.system ['touch PWNED']", "unsupported tag '!!python/object/apply:os.system'"),
    "python_object_new": ("!!python/object/new:subprocess.Popen [['touch', 'PWNED']]", "unsupported tag '!!python/object/new:subprocess.Popen'"),
    "python_name": ("!!python/name:os.system ''", "unsupported tag '!!python/name:os.system'"),
    "python_module": ("!!python/module:os ''", "unsupported tag '!!python/module:os'"),
    "python_tuple": ("!!python/tuple [1, 2]", "unsupported tag '!!python/tuple'"),
    "custom": ("!foo bar", "unsupported tag '!foo'"),
    "custom_mapping": ("!foo {a: 1}", "unsupported tag '!foo'"),
    "verbatim_foreign": ("!<tag:example.com,2000:app/foo> bar", "unsupported tag 'tag:example.com,2000:app/foo'"),
    "verbatim_python": ("!<tag:yaml.org,2002:python/object/apply:os.system> ['touch PWNED']", "unsupported tag '!!python/object/apply:os.system'"),
    "tag_directive": ("!e!foo bar", None),  # needs a %TAG directive: a syntax error, see below
    "int_not_an_int": ("!!int twelve", "'twelve' is not a valid !!int value"),
    "map_on_a_list": ("!!map [1]", "unsupported tag '!!map'"),
    "verbatim_str": ("!<tag:yaml.org,2002:str> 42", None),
    "str": ("!!str 42", None),
    "non_specific": ("! 42", None),
    "int": ("!!int '7'", None),
}


@pytest.mark.parametrize("name", list(TAGS))
def test_every_tag_is_refused_or_plain_data(tmp_path: Path, name: str) -> None:
    value, fragment = TAGS[name]
    text = TAGGED.replace("VALUE", value)
    findings = lint_text(text)
    if name == "tag_directive":
        assert [f.code for f in findings] == ["FR001"] and "undefined tag handle" in findings[0].message
    elif fragment is None:
        assert "FR001" not in {f.code for f in findings}, findings
    else:
        assert [(f.code, f.line, f.column) for f in findings] == [("FR001", 6, 10)], findings
        assert fragment in findings[0].message
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


def test_tags_on_keys_and_at_the_top(tmp_path: Path) -> None:
    assert "unsupported tag '!!python/name:os.system'" in lint_text("!!python/name:os.system dagId: d\n")[0].message
    assert "unsupported tag '!!set'" in lint_text("--- !!set\n? a\n")[0].message
    assert lint_text("!!map {dagId: d, tasks: [{taskId: a, operator: dummy}]}\n") == []


def test_the_real_command_on_every_hostile_encoding_and_tag(tmp_path: Path) -> None:
    """One `flowrun lint --format json` over all of the above: exit 1, one FR001 per broken file,
    no traceback, nothing executed."""
    expected = {}
    for name, (raw, _, message) in ENCODINGS.items():
        (tmp_path / f"enc_{name}.yaml").write_bytes(raw)
        expected[f"enc_{name}.yaml"] = bool(message)
    for name, (value, fragment) in TAGS.items():
        (tmp_path / f"tag_{name}.yaml").write_text(TAGGED.replace("VALUE", value))
        expected[f"tag_{name}.yaml"] = fragment is not None or name == "tag_directive"
    result = flowrun("lint", "--format", "json", "--select", "FR001", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    broken = {f["path"] for f in json.loads(result.stdout)}
    assert broken == {name for name, is_broken in expected.items() if is_broken}
    assert not (tmp_path / "PWNED").exists()
