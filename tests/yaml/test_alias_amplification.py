"""Aliases must not multiply lint time (issue 12): each node of the file is analysed once, and
the characters of scalar text after alias expansion are bounded (MAX_TEXT), as the nodes are
(MAX_NODES). A 1 MiB scalar behind 10,000 aliases took ~455 s to lint; it is now refused as an
alias bomb while the file is composed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import Position, dedent

from runner.lint.linter import lint_text
from runner.model import Workflow
from runner.templates.refs import template_refs
from runner.yaml.loader import parse
from runner.yaml.nodes import MAX_TEXT, YamlProblem

MIB = 1024 * 1024


def _aliased_scalar(aliases: int, size: int = MIB, text: str = "a") -> str:
    big = (text * (size // len(text) + 1))[:size]
    head = f"dagId: d\ntasks:\n  - taskId: a\n    operator: bash\n    params:\n      command: &big \"{big}\"\n"
    return head + "x-copies: [" + ", ".join(["*big"] * aliases) + "]\n"


def test_ten_thousand_aliases_of_a_1_mib_scalar_lint_in_under_a_second(tmp_path: Path) -> None:
    # the one timing assertion of the suite, as the issue asks: it is a denial-of-service bound
    path = tmp_path / "bomb.yaml"
    path.write_text(_aliased_scalar(10_000), encoding="utf-8")
    assert 1_000_000 < path.stat().st_size < 1_200_000
    child = (
        "import json, sys, time\n"
        "from runner.lint.linter import lint_paths, lint_text\n"
        "lint_text('dagId: d\\ntasks: []\\n')\n"  # imports and warm-up are not the file's cost
        "start = time.perf_counter()\n"
        "result = lint_paths([sys.argv[1]])\n"
        "print(json.dumps([time.perf_counter() - start, [[f.line, f.column, f.code, f.message] for f in result.findings]]))\n"
    )
    done = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True, text=True, timeout=120, check=True)
    seconds, findings = json.loads(done.stdout)
    assert seconds < 1.0, seconds
    assert len(findings) == 1
    line, column, code, message = findings[0]
    assert code == "FR001" and "alias bomb" in message and f"{MAX_TEXT:,} characters" in message
    # at the alias that crosses the bound: the 19th (the anchor, 19 copies and the keys: over 20 MiB)
    assert (line, column) == (7, len("x-copies: [") + 1 + 6 * (MAX_TEXT // MIB - 2))


def test_the_text_bound_counts_aliased_mappings_and_merge_keys() -> None:
    value = "x" * MIB
    mapping = f"dagId: d\nx-big: &m {{a: \"{value}\"}}\ntasks: []\nx-copies:\n" + "".join("  - *m\n" for i in range(25))
    try:
        parse(mapping)
    except YamlProblem as problem:
        assert "alias bomb" in problem.message and problem.line > 4
    else:
        raise AssertionError("25 aliases of a mapping holding 1 MiB were accepted")
    merged = f"dagId: d\nx-big: &m {{a: \"{value}\"}}\ntasks: []\nx-copies:\n" + "".join("  - {<<: *m}\n" for i in range(25))
    try:
        parse(merged)
    except YamlProblem as problem:
        assert "alias bomb" in problem.message
    else:
        raise AssertionError("25 merges of a mapping holding 1 MiB were accepted")


def test_aliases_under_the_text_bound_are_accepted() -> None:
    findings = lint_text(_aliased_scalar(15))
    assert "FR001" not in {f.code for f in findings}, findings[:1]


def test_a_finding_inside_an_aliased_scalar_is_reported_once_at_the_anchor(lint: Callable[..., list[Position]]) -> None:
    text = dedent("""
        dagId: d
        tasks:
          - taskId: a
            operator: bash
            timeout: {execution: 10m}
            params:
              command: &c "export PASSWORD=hunter2hunter2 {{ nope }}"
              env: {A: *c, B: *c}
    """)
    assert lint(text) == [(7, 27, "FR301"), (7, 54, "FR202")]


def test_a_finding_inside_an_aliased_mapping_is_reported_once_at_the_anchor(lint: Callable[..., list[Position]]) -> None:
    text = dedent("""
        dagId: d
        tasks:
          - taskId: a
            operator: bash
            timeout: {execution: 10m}
            params:
              command: echo
              env: &e {TOKEN_X: "export PASSWORD=hunter2hunter2 {{ nope }}"}
          - taskId: b
            operator: bash
            timeout: {execution: 10m}
            params: {command: echo, env: *e}
          - taskId: c
            operator: bash
            timeout: {execution: 10m}
            params: {command: echo, env: *e}
    """)
    assert lint(text) == [(8, 33, "FR301"), (8, 60, "FR202")]


def test_each_aliased_template_is_analysed_once() -> None:
    first = '  - {taskId: t0, operator: bash, params: {command: &c "echo {{ ds }}"}}\n'
    text = "dagId: d\ntasks:\n" + first + "".join(f"  - {{taskId: t{i}, operator: bash, params: {{command: *c}}}}\n" for i in range(1, 50))
    refs = template_refs(Workflow.from_source(parse(text)))
    assert [(ref.task.task_id, ref.path) for ref in refs] == [("t0", ("tasks", 0, "params", "command"))]


def test_an_aliased_value_is_still_searched_under_a_credential_key(lint: Callable[..., list[Position]]) -> None:
    # the key matters to the secret search: `password: *x` is a credential even if `note: &x` is not
    text = dedent("""
        dagId: d
        description: &x hunter2hunter2
        tasks:
          - taskId: a
            operator: bash
            timeout: {execution: 10m}
            params:
              command: echo
              env: {DB_PASSWORD: *x, OTHER: *x}
    """)
    assert lint(text) == [(2, 17, "FR301")]


def test_schema_validation_walks_an_aliased_mapping_once_per_place_in_the_schema() -> None:
    # 300 tasks sharing an env of 300 invalid values: 90,000 FR002 findings and ~30 s before
    values = ", ".join(f"K{i}: [1]" for i in range(300))
    first = f"  - {{taskId: t0, operator: bash, params: {{command: echo, env: &e {{{values}}}}}}}\n"
    text = "dagId: d\ntasks:\n" + first + "".join(
        f"  - {{taskId: t{i}, operator: bash, params: {{command: echo, env: *e}}}}\n" for i in range(1, 300))
    schema = [f for f in lint_text(text) if f.code == "FR002"]
    assert len(schema) == 300
    assert {(f.line, f.message.split(" must ")[0]) for f in schema} == {(3, f"params.env.K{i} of task 't0'") for i in range(300)}


def test_an_aliased_mapping_is_still_validated_where_the_schema_checks_it(lint: Callable[..., list[Position]]) -> None:
    # the anchor stands where anything goes (an unknown key); the alias where a retry policy is checked
    text = dedent("""
        dagId: d
        x-base: &b {maxRetries: many}
        tasks:
          - {taskId: a, operator: dummy, retryPolicy: *b}
          - {taskId: b, operator: dummy, retryPolicy: *b}
    """)
    assert lint(text, "FR002") == [(2, 1, "FR002"), (2, 25, "FR002")]


def test_an_aliased_task_is_checked_against_its_operator_each_time() -> None:
    # `if operator == ...` conditions decide per copy: the copy under another operator is checked too
    text = dedent("""
        dagId: d
        x-params: &p {command: echo, url: 'http://x'}
        tasks:
          - {taskId: a, operator: bash, params: *p}
          - {taskId: b, operator: http, params: *p}
    """)
    messages = [f.message for f in lint_text(text) if f.code == "FR002" and "params" in f.message]
    assert any("task 'a'" in m and "'url'" in m for m in messages), messages
    assert any("task 'b'" in m and "'command'" in m for m in messages), messages


def test_a_shared_command_is_judged_once_by_the_shell_rules() -> None:
    # found by the `aliases` fuzz target: 10,000 tasks with `params: *p` gave 880,000 FR401
    # findings (84 s for a 480 KB file)
    first = '  - {taskId: t0, operator: bash, params: &p {command: "a >> out.txt; b >> log.txt; c; d"}}\n'
    text = "dagId: d\ntasks:\n" + first + "".join(f"  - {{taskId: t{i}, operator: bash, params: *p}}\n" for i in range(1, 200))
    shell = [(f.line, f.column, f.code) for f in lint_text(text) if f.code in ("FR401", "FR403")]
    assert sorted(shell) == sorted(set(shell)) and len(shell) == 3, shell
    assert all(line == 3 for line, _, _ in shell)


def test_a_command_written_twice_is_judged_twice() -> None:
    # equal text in two places is two nodes: each is reported where it is written
    task = '  - {{taskId: t{0}, operator: bash, params: {{command: "a >> out.txt; b; c"}}}}\n'
    text = "dagId: d\ntasks:\n" + task.format(0) + task.format(1)
    lines = sorted(f.line for f in lint_text(text) if f.code == "FR401")
    assert lines == [3, 4]


def test_a_shared_retry_policy_is_reported_once(lint: Callable[..., list[Position]]) -> None:
    text = dedent("""
        dagId: d
        tasks:
          - {taskId: a, operator: dummy, retryPolicy: &rp {maxRetries: 2, retryDelay: 10m, maxRetryDelay: 1m}}
          - {taskId: b, operator: dummy, retryPolicy: *rp}
          - {taskId: c, operator: dummy, retryPolicy: *rp}
    """)
    assert lint(text, "FR407") == [(3, 99, "FR407")]
