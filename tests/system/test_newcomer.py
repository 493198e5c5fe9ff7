"""The newcomer corpus: realistic mistaken workflows (tests/system/newcomer/*.yaml), one mistake each.

Each case opens with comments: what the newcomer did, `# expect: CODE LINE:COLUMN` (where the
one finding must point), and for a few `# after: X ...` (the message is expected to improve when
engineer X's branch is merged; until then only the golden output and the absence of `None` are
checked for it). Beside each case, `<case>.out` is the exact `flowrun lint` output.

The test asserts, for every case: exactly one finding, of any severity (one mistake gives one
finding: no info-level extras either), at the marked line and column, with the marked code; no
`None` in it; and a message that says what to write instead. Rewrite the goldens after a
deliberate message change with:

    FLOWRUN_UPDATE_GOLDEN=1 pytest tests/test_newcomer.py
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import flowrun

CORPUS = Path(__file__).parent / "newcomer"
CASES = sorted(p.stem for p in CORPUS.glob("*.yaml"))
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<column>\d+): (?P<code>FR\d{3}) \[(?P<severity>\w+)\] (?P<message>.*)$")
EXPECT = re.compile(r"^# expect: (FR\d{3}) (\d+):(\d+)$", re.M)
# a message says what to write: "write ...", "did you mean ...?", "add ...", "rename ...", "quote ..."
SAYS_WHAT_TO_WRITE = re.compile(r"\bwrite\b|did you mean|\badd '|\brename\b|\bquote\b|\buse an\b|\bremove '")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """`flowrun lint` output of each case, from one run of the real command over a copy of the
    corpus (no configuration file above it, no cache written into the repository)."""
    copy = tmp_path_factory.mktemp("corpus") / "newcomer"
    shutil.copytree(CORPUS, copy, ignore=shutil.ignore_patterns("*.out"))
    result = flowrun("lint", ".", "--fail-on", "info", "--no-cache", cwd=copy)
    assert result.returncode == 1, result.stderr
    per_case: dict[str, list[str]] = {name: [] for name in CASES}
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        if match:
            per_case[Path(match["path"]).stem].append(line)
    return {name: "".join(f"{line}\n" for line in lines) for name, lines in per_case.items()}


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", CASES)
def test_case_matches_its_golden_output(name: str, outputs: dict[str, str]) -> None:
    golden = CORPUS / f"{name}.out"
    if os.environ.get("FLOWRUN_UPDATE_GOLDEN") == "1":
        golden.write_text(outputs[name], encoding="utf-8")
    assert outputs[name] == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASES)
def test_one_mistake_gives_one_finding_that_says_what_to_write(name: str, outputs: dict[str, str]) -> None:
    text = (CORPUS / f"{name}.yaml").read_text(encoding="utf-8")
    expect = EXPECT.search(text)
    assert expect is not None, f"{name}.yaml has no '# expect: CODE LINE:COLUMN' header"
    lines = outputs[name].splitlines()
    assert "None" not in outputs[name]
    if "# after: " in text:
        return  # its message is someone else's work in progress; golden and no-None are checked
    assert len(lines) == 1, f"{name}: expected one finding, got {lines}"
    found = LINE.match(lines[0])
    assert found is not None
    assert (found["code"], int(found["line"]), int(found["column"])) == (expect[1], int(expect[2]), int(expect[3]))
    assert SAYS_WHAT_TO_WRITE.search(found["message"]), f"{name}: the message does not say what to write: {found['message']}"
