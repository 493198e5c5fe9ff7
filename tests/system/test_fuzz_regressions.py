"""Regression tests for the bugs the fuzzing of tests/test_fuzz.py and benchmarks/fuzz.py found,
and for the hostile inputs written while bounding it (hardening issue). One test per bug, each
with the smallest input that showed it and what it did before the fix.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from conftest import dedent, flowrun
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz import assert_inside, check_bytes, check_fix, check_lint

from runner.lint.linter import lint_text
from runner.lint.rules.hardcoded_secret import find_secret
from runner.lint.shell import MAX_SHELL_CHARS, placeholders, shell_tokens
from runner.templates.analyze import analyze
from runner.templates.refs import tag_spans
from runner.yaml.loader import parse

FAST = 15.0  # seconds: a generous "does not hang" bound; each case takes well under one second


def timed(work: Callable[[], object]) -> float:
    start = time.monotonic()
    work()
    return time.monotonic() - start


def codes(text: str, select: str = "") -> list[tuple[int, int, str]]:
    return [(f.line, f.column, f.code) for f in lint_text(dedent(text)) if f.code.startswith(select)]


# -- runner/yaml/loader.py -----------------------------------------------------------------------------


def test_invalid_utf8_after_a_carriage_return_is_placed_on_the_next_line(tmp_path: Path) -> None:
    """`\\r` ends a line (YAML 1.2); the position of a bad byte counted only `\\n`: (1, 2) on an
    empty line 1, outside the file."""
    findings = check_bytes(b"\r\x80", str(tmp_path))
    assert [(f.line, f.column, f.code) for f in findings] == [(2, 1, "FR001")]
    findings = check_bytes(b"dagId: d\r\ntasks: x\rnext: \xff\n", str(tmp_path))
    assert [(f.line, f.column) for f in findings] == [(3, 7)]


def test_byte_order_mark_in_text_does_not_shift_positions() -> None:
    """lint_text of a text that starts with U+FEFF (an editor buffer): with U+0085 present the
    loader recomputed positions from the parser's indices, which skip the mark: column 14 of a
    12-character line."""
    text = '\ufeff1:  # flowrun: ignore[FR002]\r\n  - \x85\r\n  - !!bool "\r\n'
    findings = check_lint(text)
    assert [(f.line, f.column, f.code) for f in findings] == [(3, 13, "FR001")]
    assert parse("\ufeffdagId: d\n").data == {"dagId": "d"}


def test_plain_scalars_that_look_like_numbers_but_are_not() -> None:
    """The YAML 1.2 resolver of ruamel takes `+_`, `0x_`, `._` for an int or a float, and its
    constructor then raised ValueError: a traceback instead of findings."""
    for text in ("+_", "-_", "+__", "0x_", "0o_", "._"):
        assert parse(f"k: {text}\n").data == {"k": text}
    assert codes("dagId: +_\ntasks: [{taskId: 0x_, operator: ._}]\n", "FR002") == [(1, 8, "FR002"), (2, 33, "FR002")]


# -- rules ------------------------------------------------------------------------------------------

BRANCH = """
    dagId: d
    tasks:
      - {taskId: b, operator: branch, params: {condition: "'go'", branches: {go: x, stop: a}}}
      - {taskId: a, operator: dummy, dependencies: [b]}
      - {taskId: x, operator: dummy, dependencies: [b, a]}
    """


def test_a_branch_target_keeps_its_dependency_on_the_branch(tmp_path: Path) -> None:
    """b -> a -> x makes x's dependency on b transitive, but a branch skips only its direct
    downstream tasks: FR102 called it redundant, and `--fix` then produced FR103."""
    assert codes(BRANCH, "FR1") == []
    check_fix(dedent(BRANCH), str(tmp_path))


def test_a_branch_target_keeps_its_dependency_when_the_branch_id_is_duplicated(tmp_path: Path) -> None:
    """With two tasks named b, the graph takes the first (a dummy) while FR103 checks every
    branch task: FR102 still offered to remove x's dependency on b, and `--fix` produced FR103
    (found by the 40-minute campaign)."""
    text = """
        dagId: d
        tasks:
          - {taskId: b, operator: dummy}
          - {taskId: b, operator: branch, params: {condition: "'go'", branches: {go: x}}}
          - {taskId: a, operator: dummy, dependencies: [b]}
          - {taskId: x, operator: dummy, dependencies: [b, a]}
        """
    assert codes(text, "FR1") == []
    check_fix(dedent(text), str(tmp_path))


SCHEDULED = """
    dagId: d
    schedule: "@hourly"
    tasks:
      - {taskId: a, operator: bash, timeout: {execution: 40m}, params: {command: ./a.sh}}
      - {taskId: v, operator: bash, dependencies: [a], params: {command: ./v.sh}}
      - {taskId: c, operator: bash, timeout: {execution: 40m}, dependencies: [v, a], params: {command: ./c.sh}}
    """


def test_run_time_does_not_depend_on_a_redundant_dependency(tmp_path: Path) -> None:
    """The written edge a -> c made a path of timed tasks (80m > 1h: FR408) that `--fix` removes
    (a -> v -> c already orders them, and v has no timeout): the findings changed under --fix."""
    assert codes(SCHEDULED, "FR408") == []
    assert codes(SCHEDULED, "FR102") == [(6, 78, "FR102")]
    check_fix(dedent(SCHEDULED), str(tmp_path))
    explicit = dedent(SCHEDULED).replace("dependencies: [v, a]", "dependencies: [v]").replace(
        "params: {command: ./v.sh}", "timeout: {execution: 1m}, params: {command: ./v.sh}"
    )
    assert codes(explicit, "FR408") == [(2, 11, "FR408")]  # a path of timed tasks still counts


def test_tee_arguments_are_not_read_again_as_commands() -> None:
    """`tee -a a.log tee -a b.log` writes to a.log, tee and b.log; the word `tee` among the
    files was read as a second tee, which reported b.log twice (and `tee -a ` * 30000 made
    450 million findings)."""
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            timeout: {execution: 1m}
            params: {command: "cat x | tee -a a.log tee -a b.log"}
        """
    found = [f.message.split(" appends to ")[1].split(",")[0] for f in lint_text(dedent(text)) if f.code == "FR401"]
    assert found == ["a.log", "tee", "b.log"]
    command = "tee -a " * 30_000
    assert timed(lambda: check_lint(f"dagId: d\ntasks:\n  - {{taskId: t, operator: bash, params: {{command: '{command}'}}}}\n")) < FAST


def test_carriage_return_inside_a_quoted_command_positions_on_its_line() -> None:
    """A raw `\\r` in a double-quoted scalar is a line break; finding positions inside the
    value counted only `\\n`: column 192 of a 108-character line."""
    text = 'dagId: d\ntasks:\n  - taskId: t\n    operator: bash\n    params:\n      command: "echo ' + "a" * 50 + '\r echo b >> shared.log"\n'
    findings = check_lint(text)
    assert [(f.line, f.column) for f in findings if f.code == "FR401"] == [(7, 12)]


# -- time bounds of the linter ------------------------------------------------------------------------


def test_deeply_nested_template_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    """Jinja's parser recurses: `{{ ((((...)))) }}` raised RecursionError out of the linter, and
    `flowrun lint` printed an internal error (exit 2)."""
    for template in ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "{% if x %}" * 2000 + "{% endif %}" * 2000, "{{ " + "[" * 5000 + "]" * 5000 + " }}"):
        assert analyze(template).error == ("the template nests too deeply to be parsed", 1)
    text = "dagId: d\ntasks:\n  - {taskId: t, operator: bash, params: {command: \"" + "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}\"}}\n"
    assert ("FR201" in {f.code for f in check_lint(text)})
    (tmp_path / "deep.yaml").write_text(text)
    result = flowrun("lint", "deep.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "nests too deeply" in result.stdout and result.stderr == ""


def test_unclosed_template_tags_are_scanned_in_linear_time() -> None:
    """`\\{\\{.*?\\}\\}` searched to the end of the text again for every `{{` without a `}}`: a
    command of `{{` * 200,000 took hours."""
    assert timed(lambda: placeholders("{{" * 1_000_000)) < FAST
    assert timed(lambda: list(tag_spans("{{ {%" * 500_000))) < FAST
    command = "{{" * 200_000
    assert timed(lambda: check_lint(f"dagId: d\ntasks:\n  - {{taskId: t, operator: bash, params: {{command: '{command}'}}}}\n")) < FAST


TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(["{", "}", "%", "{{", "}}", "{%", "%}", "a", " ", "\n"]), max_size=30).map("".join))
def test_tag_spans_are_the_regex_matches(text: str) -> None:
    """The linear scanner finds exactly what the (quadratic) regex it replaces found."""
    assert list(tag_spans(text)) == [m.span() for m in TAG.finditer(text)]
    assert list(tag_spans(text, (("{{", "}}"),))) == [m.span() for m in re.finditer(r"\{\{.*?\}\}", text, re.DOTALL)]


def test_long_commands_are_not_tokenized() -> None:
    """shlex takes time quadratic in a token's length: a 2 MiB one-word command took about a
    minute, the 9 MiB of test_hostile_bounds.py hours. Commands over MAX_SHELL_CHARS are
    skipped by the shell rules (FR401, FR403, FR405)."""
    assert shell_tokens("x" * (MAX_SHELL_CHARS + 1)) == ()
    assert shell_tokens("echo a >> b") == ("echo", "a", ">>", "b")
    command = "x" * (2 * 1024 * 1024)
    text = f"dagId: d\ntasks:\n  - {{taskId: t, operator: bash, timeout: {{execution: 1m}}, params: {{command: {command} >> log}}}}\n"
    assert timed(lambda: check_lint(text)) < FAST
    long_append = "echo a >> log; " * (MAX_SHELL_CHARS // 15 + 1)
    assert not [f for f in lint_text(f"dagId: d\ntasks:\n  - {{taskId: t, operator: bash, params: {{command: '{long_append}'}}}}\n")
                if f.code == "FR401"]


def test_secret_patterns_run_in_linear_time() -> None:
    """Two patterns of FR301 backtracked quadratically: `'a.' * 10**6` (password in a URL) and
    `'PASSWORD' * 10**5` (NAME=value) took minutes; their repetitions are bounded now."""
    assert timed(lambda: find_secret("a." * 1_000_000, "command")) < FAST
    assert timed(lambda: find_secret("PASSWORD" * 500_000, "command")) < FAST
    assert find_secret("curl https://user:hunter2@example.com/", "command") is not None
    assert find_secret("export DB_PASSWORD=hunter2hunter2", "command") is not None


def test_many_appends_lint_in_bounded_time() -> None:
    """`echo >> ` * 30,000 took 108 s (a finding each, and each position searched from the
    start); a command that long is now skipped by the shell rules."""
    command = "echo >> " * 30_000
    findings: list[object] = []
    elapsed = timed(lambda: findings.extend(check_lint(f"dagId: d\ntasks:\n  - {{taskId: t, operator: bash, params: {{command: '{command}'}}}}\n")))
    assert elapsed < FAST
    assert_inside(lint_text("dagId: d\ntasks: []\n"), "dagId: d\ntasks: []\n")


# -- infinite and NaN numbers (the NaN/Infinity shapes of benchmarks/fuzz.py) ----------------------


def test_an_infinite_timeout_is_no_duration() -> None:
    # FR408 formatted the worst-case run time with int(inf): OverflowError, lint crashed
    head = "dagId: d\nschedule: '@daily'\ntimezone: UTC\nstartDate: '2026-01-01'\ntasks:\n  - taskId: a\n    operator: bash\n"
    for execution in (".inf", "1e999", ".nan", "9" * 400 + "s"):
        findings = lint_text(head + f"    timeout: {{execution: {execution}}}\n    params: {{command: echo}}\n")
        assert "FR408" not in {f.code for f in findings}, execution
        assert "FR002" in {f.code for f in findings} or execution.endswith("s"), execution


def test_an_integer_beyond_a_float_is_no_duration() -> None:
    # found by the `numbers` target of benchmarks/fuzz.py: `maxRetryDelay: 999...9` (400 digits)
    # divided by 1000.0 raised OverflowError ("int too large to convert to float")
    text = dedent(f"""
        dagId: d
        tasks:
          - taskId: a
            operator: dummy
            retryPolicy: {{maxRetries: 2, retryDelay: 10s, maxRetryDelay: {"9" * 400}}}
    """)
    assert lint_text(text) == []  # a valid integer of milliseconds; no rule crashes on it


def test_a_huge_retry_count_does_not_hang_the_schedule_rule() -> None:
    # found by the `numbers` target of benchmarks/fuzz.py: FR408 summed the delay of every retry,
    # one step each, so `maxRetries: 1000000000` (valid) hung lint and 400 nines never ended
    head = dedent("""
        dagId: d
        schedule: '@daily'
        timezone: UTC
        startDate: '2026-01-01'
        tasks:
          - taskId: a
            operator: bash
            params: {command: echo}
            timeout: {execution: 1m}
    """)
    policies = ["{maxRetries: %s, retryDelay: 10s}",
                "{maxRetries: %s, retryDelay: 10s, exponentialBackoff: true, backoffMultiplier: 2, maxRetryDelay: 1h}",
                "{maxRetries: %s, retryDelay: 10s, exponentialBackoff: true, backoffMultiplier: 2}",
                "{maxRetries: %s, retryDelay: 10s, exponentialBackoff: true, backoffMultiplier: 0.5}"]
    for policy in policies:
        for retries in ("1000000000", "9" * 400):
            text = head + "    retryPolicy: " + policy % retries + "\n"
            start = time.monotonic()
            found = [f.message for f in lint_text(text) if f.code == "FR408"]
            assert time.monotonic() - start < FAST
            assert len(found) == 1, (policy, retries)
    assert "worst-case run time unbounded" in found[0]
