"""Property-based fuzzing of the loader and the linter (hardening issue, part 1).

Inputs, from the least to the most structured:

* random bytes, and the bytes of a generated workflow with random byte edits;
* random YAML documents: nested data written with anchors, aliases, merge keys, tags, flow and
  block styles, comments and odd scalars;
* structurally valid workflows (`workflows()`): a dagId, 1-30 tasks with random operators and
  valid params, random dependencies (cycles included), templates from a small grammar (names,
  filters, `ti.xcom_pull`, syntax errors), shell commands with `>>`, `tee -a`, `&&`, quotes and
  `$(...)`, then random mutations (deleted keys, wrong types, extra dependencies), written out
  by a randomized emitter (block or flow collections, plain/quoted/literal scalars, comments,
  suppression comments on `- taskId:` lines, anchored retry policies).

Invariants (each a function below, reused by the long campaign in benchmarks/fuzz.py):

* `check_lint`: linting never raises, and every finding's line/column is inside the file
  (1 <= line <= number of lines, 1 <= column <= len(line) + 1; lines end at \\n, \\r\\n or \\r as
  in YAML 1.2, and a final line break opens no new line).
* `check_fix`: `--fix` (lint_file with fix=True on a file) leaves no fixable finding, removes
  every fixable FR102, and otherwise gives the same findings (codes and messages; positions
  may shift). Compared leniently, by design: positions written into messages (FR002's list
  indices, FR003's "first used on line N"), FR408's printed path (one of several equally long
  ones), findings located on a removed list item (they go with it), and FR105, which looks at
  direct upstream tasks as trigger rules do (see `check_fix`).
* `check_order`: the findings do not depend on the order of the tasks in the file, compared as
  a multiset of (code, message) after the order-dependent parts that are so *by design* are
  normalized (see `normalized`: FR101's cycle text, FR102's and FR408's paths, FR002's
  "task #N"; files with duplicate taskIds are not compared, the first one being "the" task).
  The emitter writes each task the same wherever it stands (its own random stream), without
  anchors (the first task holding a shared policy would hold its comments).

* `check_amplification` (`alias_amplification()`: a long anchored value behind 1 to 10,000
  aliases, in lists, env, tasks, whole params, merge keys, aliases of aliases): lint stays
  bounded (AMPLIFIED_SECONDS, far above what any takes) and reports no finding twice.
* `non_finite_numbers()`: generated workflows whose numbers are NaN, infinite or too large
  (`.nan`, `1e999`, 400 nines), checked by `check_lint`.

A bug the invariants found has a regression test in tests/test_fuzz_regressions.py.

CI runs a bounded, derandomized profile (`flowrun-fuzz`): about 2,000 examples in all, 40 s.
`FLOWRUN_FUZZ_SCALE=10 pytest tests/test_fuzz.py` multiplies every budget.
"""

from __future__ import annotations

import functools
import json
import os
import random
import re
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import flowrun
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hyp_seed
from hypothesis import strategies as st

from runner.findings import Finding
from runner.lint.config import LintConfig
from runner.lint.linter import lint_file, lint_text
from runner.yaml.loader import decode, parse
from runner.yaml.nodes import YamlProblem

settings.register_profile(
    "flowrun-fuzz",
    deadline=None,
    derandomize=True,  # the same examples on every CI run: a failure is reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
SCALE = float(os.environ.get("FLOWRUN_FUZZ_SCALE", "1"))


def budget(examples: int) -> settings:
    return settings(settings.get_profile("flowrun-fuzz"), max_examples=max(1, int(examples * SCALE)))


# == the invariants ================================================================================

_BREAK = re.compile(r"\r\n|\r|\n")


def file_lines(text: str) -> list[str]:
    """The lines of a file as YAML counts them; a final line break opens no new line."""
    lines = _BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def assert_inside(findings: list[Finding], text: str) -> None:
    lines = file_lines(text)
    for f in findings:
        assert f.code.startswith("FR") and f.message, f
        assert 1 <= f.line <= len(lines), f"line {f.line} of {len(lines)}: {f}"
        assert 1 <= f.column <= len(lines[f.line - 1]) + 1, f"column {f.column} of a {len(lines[f.line - 1])}-character line: {f}"


def check_lint(text: str) -> list[Finding]:
    """Lint in-process: no exception, every position inside the file."""
    findings = lint_text(text)
    assert_inside(findings, text)
    return findings


def lint_bytes(raw: bytes, directory: str) -> tuple[list[Finding], str]:
    """Lint the bytes of a file the way `flowrun lint` reads them; (findings, text positions refer to)."""
    path = os.path.join(directory, "fuzz.yaml")
    with open(path, "wb") as fh:
        fh.write(raw)
    findings, _ = lint_file(path, LintConfig())
    try:
        text = decode(raw)
    except YamlProblem:
        text = raw.decode("utf-8-sig", "replace")
    return findings, text


def check_bytes(raw: bytes, directory: str) -> list[Finding]:
    findings, text = lint_bytes(raw, directory)
    assert_inside(findings, text)
    return findings


_INDEX = re.compile(r"\[\d+\]")
_LINE = re.compile(r"on line \d+")


def pairs(findings: list[Finding]) -> Counter[tuple[str, str]]:
    """(code, message) of each finding, positions in messages left out: the list indices of
    FR002 (`dependencies[3] of task 'a' ...`) and the line of FR003 ("first used on line 12"),
    and the paths FR408 and FR103 print, one of several valid ones."""
    return Counter(
        (f.code, _CHAIN_103.sub(r"\1", _CHAIN_408.sub(r"(\1)", _LINE.sub("on line N", _INDEX.sub("[i]", f.message)))))
        for f in findings
    )


def check_fix(text: str, directory: str) -> None:
    """`--fix` removes exactly the fixable findings and leaves every other finding as it was.

    A finding located on a removed list item goes with it: `dependencies: [x, x]` with no task
    `x` has two FR004 findings before the fix and one after.

    FR105 is not compared: like trigger rules, it looks at a task's direct upstream tasks, and
    removing a transitive edge changes them. `c` depending on branch targets `p` and `x` and on
    their join `v` (none_failed_min_one_success) is always skipped; depending on `v` alone, it
    is not. The edge is transitive (FR102 by its definition), but not without effect at run time.
    """
    before = lint_text(text)
    path = os.path.join(directory, "fix.yaml")
    Path(path).write_text(text, encoding="utf-8")
    after, fixed = lint_file(path, LintConfig(), fix=True)
    new_text = Path(path).read_text(encoding="utf-8")
    assert_inside(after, new_text)
    assert lint_text(new_text, path) == after  # what lint_file reports is what the file now holds
    assert not [f for f in after if f.fixable], after
    removed = {(f.line, f.column) for f in before if f.fixable}
    expected = pairs([f for f in before if not f.fixable and (f.line, f.column) not in removed and f.code != "FR105"])
    got = pairs([f for f in after if f.code != "FR105"])
    assert got == expected, f"lost: {expected - got}\ngained: {got - expected}\n--- text ---\n{text}\n--- fixed ---\n{new_text}"
    assert (fixed > 0) == bool(removed)
    if not removed:
        assert new_text == text


# Order-dependent by design, and normalized before comparing (SPEC section 6):
# * FR101 prints each cycle from the task that comes first in the file, and which cycle is found
#   first from a task depends on file order: a cycle is compared as the set of its tasks, and
#   all cycles together as the set of tasks on any cycle (the strongly connected components),
#   unless a component hit the per-component cap (then only "there are cycles").
# * FR102, FR103 and FR408 print one path (a -> b -> c) among equally valid ones: the path is
#   dropped (which one is found depends on file order, and on the edges --fix removes).
# * FR002 names a task without a string taskId by its position ("task #3"): the number is dropped.
# * FR003 says which duplicate was "first used on line N", and with duplicate taskIds every rule
#   takes the first one as "the" task: files with duplicate ids are not compared at all.
_FR101 = re.compile(r"^circular dependency: (.*)$")
_CHAIN_102 = re.compile(r"(is redundant): .* (already orders them)$")
_CHAIN_408 = re.compile(r"\(.*: (timeouts x tries plus retry delays)\)")
_CHAIN_103 = re.compile(r"(runs before '[^']*') \([^)]*\)")
_TASK_NUMBER = re.compile(r"task #\d+")


def normalized(findings: list[Finding]) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    cyclic: set[str] = set()
    cycles = 0
    for f in findings:
        message = f.message
        if f.code == "FR101":
            match = _FR101.match(message)
            assert match, message
            cyclic |= set(match.group(1).split(" -> "))
            cycles += 1
            continue
        if f.code == "FR102":
            message = _CHAIN_102.sub(r"\1 \2", message)
        elif f.code == "FR408":
            message = _CHAIN_408.sub(r"(\1)", message)
        elif f.code == "FR103":
            message = _CHAIN_103.sub(r"\1", message)
        elif f.code == "FR002":
            message = _TASK_NUMBER.sub("task #N", message)
        out[(f.code, message)] += 1
    if cycles:
        from runner.graph import MAX_CYCLES_PER_COMPONENT

        capped = cycles >= MAX_CYCLES_PER_COMPONENT
        out[("FR101", "some cycles" if capped else " ".join(sorted(cyclic)))] += 1
    return out


def check_order(data: dict[str, Any], rnd: random.Random, emit_options: dict[str, Any]) -> None:
    tasks = data.get("tasks")
    if not isinstance(tasks, list) or len(tasks) < 2:
        return
    ids = [t.get("taskId") for t in tasks if isinstance(t, dict)]
    if len(ids) != len(set(map(repr, ids))):
        return  # duplicate ids (or several tasks without one): "the" task depends on order by design
    shuffled = list(tasks)
    rnd.shuffle(shuffled)
    options = {**emit_options, "anchors": False}  # the first task holding a shared policy holds its comments
    first = emit(data, random.Random(1), **options)
    second = emit({**data, "tasks": shuffled}, random.Random(1), **options)
    a, b = normalized(lint_text(first)), normalized(lint_text(second))
    assert a == b, f"only in the original: {a - b}\nonly shuffled: {b - a}\n--- original ---\n{first}\n--- shuffled ---\n{second}"


# == a randomized YAML emitter =====================================================================

_PLAIN = re.compile(r"[A-Za-z_./][A-Za-z0-9_./@=+-]*(?: [A-Za-z0-9_./@=+-]+)*")
_NEEDS_QUOTES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


@functools.lru_cache(maxsize=100_000)
def _plain_ok(text: str) -> bool:
    if not _PLAIN.fullmatch(text) or text in ("<<",):
        return False
    try:
        loaded = parse(f"k: {text}\n").data["k"]
    except YamlProblem:
        return False
    return loaded == text and isinstance(loaded, str)


def scalar(value: Any, rnd: random.Random, indent: int = 0, block_ok: bool = False) -> str:
    """One scalar in a random style that loads back as `value`."""
    if value is None:
        return rnd.choice(["null", "~", ""]) if block_ok else rnd.choice(["null", "~"])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    styles = ["double"]
    if not _NEEDS_QUOTES.search(text):
        styles.append("single")
        if _plain_ok(text):
            styles += ["plain", "plain"]
        if block_ok and "\n" in text and _literal_ok(text):
            styles += ["literal", "literal"]
    style = rnd.choice(styles)
    if style == "plain":
        return text
    if style == "single":
        return "'" + text.replace("'", "''").replace("\n", "\n\n") + "'" if "\n" not in text else json.dumps(text)
    if style == "literal":
        chomp = "" if text.endswith("\n") else "-"
        pad = " " * (indent + 2)
        body = text[:-1] if text.endswith("\n") else text
        return f"|{chomp}\n" + "\n".join(pad + line if line else "" for line in body.split("\n"))
    return json.dumps(text)  # JSON strings are YAML double-quoted scalars


def _literal_ok(text: str) -> bool:
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n")
    return (
        bool(body) and not body.endswith("\n") and "\r" not in text and "\t" not in text
        and not lines[0].startswith(" ") and all(line == line.rstrip(" ") for line in lines)
        and all(line.strip() or not line for line in lines)
    )


def _flowable(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_flowable(v) for v in value.values())
    if isinstance(value, list):
        return all(_flowable(v) for v in value)
    return not (isinstance(value, str) and "\n" in value)


def _flow(value: Any, rnd: random.Random) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k, rnd)}: {_flow(v, rnd)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v, rnd) for v in value) + "]"
    if isinstance(value, str) and _plain_ok(value) and not any(c in value for c in ",[]{}#") and rnd.random() < 0.5:
        return value
    return json.dumps(value) if isinstance(value, str) else scalar(value, rnd)


def _key(key: Any, rnd: random.Random) -> str:
    text = str(key)
    return text if _plain_ok(text) and not any(c in text for c in ",[]{}#:") else json.dumps(text)


COMMENTS = ["# note", "# flowrun: ignore[FR406]", "# flowrun: ignore[FR4]", "# flowrun: ignore[FR102]", "# flowrun: ignore[FR999]"]


class Emitter:
    def __init__(self, rnd: random.Random, flow: float, comments: float) -> None:
        self.rnd, self.flow, self.comments = rnd, flow, comments
        self.out: list[str] = []

    def comment(self, item: bool = False) -> str:
        """A trailing comment, sometimes. Not a suppression on a list item: `--fix` may remove the item's line."""
        if self.rnd.random() >= self.comments:
            return ""
        return "  " + ("# note" if item else self.rnd.choice(COMMENTS))

    def value(self, value: Any, indent: int, head: str) -> None:
        """Write `head` (`key:` or `- `) followed by `value`, at `indent`."""
        pad = " " * indent
        if isinstance(value, (dict, list)) and value and not (_flowable(value) and self.rnd.random() < self.flow):
            if head.endswith(":"):
                self.out.append(pad + head + self.comment())
                self.block(value, indent + 2)
            else:  # `- ` then the first line of the collection on the same line
                start = len(self.out)
                self.block(value, indent + 2)
                self.out[start] = pad + head + self.out[start][indent + 2:]
            return
        if isinstance(value, (dict, list)):
            text = _flow(value, self.rnd)
        else:
            text = scalar(value, self.rnd, indent, block_ok=True)
        sep = " " if text else ""
        if text.startswith("|"):
            first, _, rest = text.partition("\n")
            self.out.append(pad + head + sep + first)
            self.out.extend(rest.split("\n"))
        else:
            self.out.append(pad + head + sep + text + self.comment(item=head == "- "))

    def block(self, value: Any, indent: int) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self.value(v, indent, _key(k, self.rnd) + ":")
        else:
            for item in value:
                self.value(item, indent, "- ")


def emit(data: dict[str, Any], rnd: random.Random, flow: float = 0.3, comments: float = 0.1,
         anchors: bool = False) -> str:
    """`data` as YAML text in random styles (top level always a block mapping)."""
    em = Emitter(rnd, flow, comments)
    seed = rnd.getrandbits(32)
    if rnd.random() < 0.2:
        em.out.append("# yaml-language-server: $schema=../schemas/workflow.schema.json")
    for key, value in data.items():
        if key == "tasks" and isinstance(value, list) and value:
            em.out.append("tasks:" + em.comment())
            shared: dict[str, tuple[str, Any]] = {}
            for task in value:
                start = len(em.out)
                # each task gets its own random stream, so a task looks the same wherever it stands
                em.rnd = random.Random(zlib.crc32(json.dumps(task, sort_keys=True).encode()) ^ seed)
                em.value(task, 2, "- ")
                if anchors and isinstance(task, dict):
                    _anchor(em, start, task, shared)
            em.rnd = rnd
            continue
        em.value(value, 0, _key(key, rnd) + ":")
    return "\n".join(em.out) + rnd.choice(["\n", "\n", "", "\n\n"])


def _anchor(em: Emitter, start: int, task: dict[str, Any], shared: dict[str, tuple[str, Any]]) -> None:
    """Share a task's retryPolicy through an anchor when an earlier task had the same one."""
    policy = task.get("retryPolicy")
    if not isinstance(policy, dict) or not policy:
        return
    key = json.dumps(policy, sort_keys=True)
    for i in range(len(em.out) - 1, start - 1, -1):
        line = em.out[i]
        if line.lstrip().startswith("retryPolicy:") or line.lstrip().startswith("- retryPolicy:"):
            prefix = line[: line.index("retryPolicy:") + len("retryPolicy:")]
            if key in shared:
                # replace the policy (this line and deeper-indented ones below it) by an alias
                depth = len(prefix) - len("retryPolicy:") - (2 if line.lstrip().startswith("- ") else 0)
                j = i + 1
                while j < len(em.out) and len(em.out[j]) - len(em.out[j].lstrip(" ")) > depth and em.out[j].strip():
                    j += 1
                em.out[i:j] = [f"{prefix} *{shared[key][0]}"]
            else:
                name = f"rp{len(shared)}"
                shared[key] = (name, policy)
                em.out[i] = line.replace("retryPolicy:", f"retryPolicy: &{name}", 1)
            return


# == strategies: structurally valid workflows ======================================================

IDS = [f"t{i}" for i in range(30)] + ["fetch", "load", "report", "clean_up", "a.b", "x-y", "_z"]
PARAMS = ["user_query", "limit", "region", "flag"]
TEMPLATE_NAMES = [
    "ds", "ds_nodash", "ts", "run_id", "dag_id", "task_id", "try_number", "execution_date", "logical_date",
    "execution_id", "params.user_query", "params.limit", "params.undeclared", "var.value.bucket", "var.secret.token",
    "var.secret.db_password", "var.other", "ti.xcom_pull(task_ids='@T@')", "ti.xcom_pull(task_ids=['@T@', '@U@'])",
    "ti.xcom_pull('@T@')", "ti.xcom_pull(task_ids=x)", "ti.task", "unknown_name", "params", "range(3) | list",
    "'lit' ~ ds", "ds[:4]", "params.region | default('eu')", "loop", "ds if flag else ts",
]
FILTERS = ["", "", "", " | shell_quote", " | tojson", " | pyliteral", " | upper", " | int", " | length", " | default('x')",
           " | shell_quote | upper", " | replace('a', 'b')"]
BROKEN_TEMPLATES = ["{{ ds ", "{{ }}", "{% if ds %}x", "{{ ds | }}", "{% endfor %}", "{{ 1 +* 2 }}", "{# open", "{{ ds }}}", "{{ 'a\n' }}"]


SHELL_WORDS = ["echo hi", "./fetch.sh", "python3 run.py", "rm -rf /tmp/work", "rm -f out.txt", "make build", "set -e",
               "cd /srv", "curl -fsS https://example.com/x", "sleep 1", "true", "VAR=1 ./job.sh", "sudo rm -r cache",
               "cat <<EOF\nrm -rf /\nEOF", "for f in *.csv; do wc -l $f; done", "printf '%s\\n' done"]
SHELL_TAILS = ["", " >> log.txt", " >> 'out {{ ds }}.log'", " | tee -a audit.log", " | tee out.txt", " > out.txt",
               " >> /dev/null", " 2>&1", " >> \"$(date +%F).log\"", " >> data_{{ run_id }}.csv", " &>> all.log"]
SEPARATORS = [" && ", "; ", " || ", " | ", "\n", " & "]
CREDENTIALS = ["", "", "", "", " --password=hunter2hunter2", " -H 'Authorization: Bearer abcdefghijkl1234'",
               " AKIAIOSFODNN7EXAMPLE", " TOKEN={{ var.secret.token }}", " https://user:pa55word@example.com/"]
DURATIONS = ["500ms", "30s", "10m", "1h30m", "1d", 100, 0, "2h", "1.5s"]
CRONS = ["0 */6 * * *", "@daily", "@hourly", "*/5 * * * *", "*/5 * * * *", "0 0 1 * *", "61 * * * *", "@fortnightly", "* * *",
         "0 12 * * MON-FRI"]
RULES = ["all_success", "all_failed", "all_done", "one_success", "one_failed", "none_failed", "none_failed_min_one_success",
         "none_skipped", "always", "all_skipped", "one_done", "all_done_min_one_success"]

# Templates and commands are drawn with the placeholders @T@ and @U@ for task ids, filled in per
# task (`_fill`), so that every strategy below is built once.
EXPRESSION = st.builds(lambda n, f: n + f, st.sampled_from(TEMPLATE_NAMES), st.sampled_from(FILTERS))
TEMPLATE = st.one_of(
    EXPRESSION.map(lambda e: "{{ " + e + " }}"),
    EXPRESSION.map(lambda e: "{% set v = " + e + " %}{{ v }}"),
    st.sampled_from(["{% for i in range(2) %}{{ i }}{% endfor %}", "{% if params.flag %}{{ ds }}{% endif %}"]),
    st.sampled_from(BROKEN_TEMPLATES),
)
SHELL_PART = st.one_of(
    st.builds(lambda w, c, tail: w + c + tail, st.sampled_from(SHELL_WORDS), st.sampled_from(CREDENTIALS), st.sampled_from(SHELL_TAILS)),
    TEMPLATE.map(lambda x: f"echo {x}"),
    TEMPLATE.map(lambda x: f"echo \"{x}\" >> shared.log"),
    TEMPLATE.map(lambda x: f"./load.sh '{x}' \"$(cat {x})\""),
    st.sampled_from(["echo \"unterminated", "echo 'a'\"b\"", "echo \\\n  continued", "(cd a && ./b)", "echo $( ( ) )"]),
)
SHELL = st.builds(
    lambda parts, seps: "".join(p + (seps[i] if i < len(parts) - 1 else "") for i, p in enumerate(parts)),
    st.lists(SHELL_PART, min_size=1, max_size=5),
    st.lists(st.sampled_from(SEPARATORS), min_size=5, max_size=5),
)
TEXT = st.one_of(st.sampled_from(["plain text", "a: b", "x # y", "tab\there", "multi\nline\n", "'q'", "\"dq\""]), TEMPLATE)
PYTHON_CODE = st.one_of(
    TEMPLATE.map(lambda x: f"print({x})"),
    st.just("import json\nprint(json.dumps({'n': 1}))\n"),
    TEMPLATE.map(lambda x: f"x = '{x}'\nprint(x)"),
)
ENV = st.dictionaries(st.sampled_from(["TOKEN", "API_KEY", "HOME_DIR", "N"]), st.one_of(TEXT, st.integers(0, 9)), max_size=2)
URLS = st.sampled_from([
    "https://api.example.com/v1/items", "http://api.example.com/x", "http://127.0.0.1:8080/y",
    "http://{{ var.value.host }}/z", "https://user:secretpw@example.com/", "http://example.com/{{ ds }}",
])
HEADERS = st.dictionaries(
    st.sampled_from(["Authorization", "Accept", "Idempotency-Key", "X-Api-Key"]),
    st.sampled_from(["Bearer {{ var.secret.token }}", "application/json", "{{ run_id }}", "Bearer abcdefghijklmnop123"]),
    max_size=3,
)
CONDITIONS = st.sampled_from(["'@K0@' if ti.xcom_pull(task_ids='@T@') else '@K1@'", "'@K0@'", "params.flag and 'yes'",
                              "undefined_thing", "(", "ds =="])
BRANCH_KEYS = st.lists(st.sampled_from(["full", "incremental", "skip", "yes"]), min_size=1, max_size=3, unique=True)
TIMEOUT = st.fixed_dictionaries({}, optional={"execution": st.sampled_from(DURATIONS), "sla": st.sampled_from(DURATIONS)})
RETRY_OPTIONAL = {"retryDelay": st.sampled_from(DURATIONS), "maxRetryDelay": st.sampled_from(DURATIONS),
                  "exponentialBackoff": st.booleans(), "backoffMultiplier": st.sampled_from([1, 2, 1.5]),
                  "jitter": st.sampled_from([0, 0.1, 1])}
RETRY = st.fixed_dictionaries({"maxRetries": st.integers(0, 3)}, optional=RETRY_OPTIONAL)  # type: ignore[arg-type]


def _fill(value: Any, t: str, u: str, keys: list[str] | None = None) -> Any:
    if isinstance(value, str):
        value = value.replace("@T@", t).replace("@U@", u)
        if keys:
            value = value.replace("@K0@", keys[0]).replace("@K1@", keys[-1])
        return value
    if isinstance(value, dict):
        return {k: _fill(v, t, u, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, t, u, keys) for v in value]
    return value


@st.composite
def task_params(draw: st.DrawFn, operator: str, ids: st.SearchStrategy[str]) -> dict[str, Any]:
    t, u = draw(ids), draw(ids)
    params: dict[str, Any] = {}
    keys: list[str] | None = None
    if operator == "bash":
        params["command"] = draw(SHELL)
        if draw(st.booleans()):
            params["env"] = draw(ENV)
        if draw(st.integers(0, 4)) == 0:
            params["cwd"] = draw(TEXT)
    elif operator == "python":
        params["pythonCode"] = draw(PYTHON_CODE)
        if draw(st.booleans()):
            params["env"] = {"DB_PASSWORD": "{{ var.secret.db_password }}"}
    elif operator == "http":
        params["url"] = draw(URLS)
        if draw(st.booleans()):
            params["method"] = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))
        if draw(st.booleans()):
            params["headers"] = draw(HEADERS)
        if draw(st.booleans()):
            params[draw(st.sampled_from(["json", "body"]))] = draw(TEXT)
        if draw(st.booleans()):
            params["expectStatus"] = draw(st.sampled_from([200, [200, 201], 204]))
    elif operator == "email":
        params = {"to": draw(st.sampled_from(["ops@example.com", ["a@example.com", "b@example.com"]])),
                  "subject": draw(TEXT), "body": draw(TEXT)}
    elif operator == "branch":
        keys = draw(BRANCH_KEYS)
        branches = {k: draw(st.one_of(ids, st.lists(ids, min_size=1, max_size=3))) for k in keys}
        params = {"condition": draw(CONDITIONS), "branches": branches}
    elif operator == "transfer":
        params = {"sourceTask": draw(st.one_of(ids, st.just("missing_task")))}
    return _fill(params, t, u, keys)  # type: ignore[no-any-return]


OPERATORS = st.sampled_from(["dummy", "bash", "bash", "bash", "python", "http", "email", "branch", "transfer"])


@st.composite
def task(draw: st.DrawFn, ids: list[str], index: int) -> dict[str, Any]:
    """Task `ids[index]`: dependencies mostly on earlier tasks (sometimes any: cycles), branch
    targets mostly later tasks."""
    anyone = st.sampled_from(ids)
    earlier = st.sampled_from(ids[:index]) if index and draw(st.integers(0, 11)) else anyone
    later = st.sampled_from(ids[index + 1:]) if index + 1 < len(ids) and draw(st.integers(0, 11)) else anyone
    operator = draw(OPERATORS)
    out: dict[str, Any] = {"taskId": ids[index], "operator": operator}
    params = draw(task_params(operator, later if operator == "branch" else anyone))
    if params or draw(st.booleans()):
        out["params"] = params
    deps = draw(st.lists(earlier, max_size=4))
    if deps or draw(st.integers(0, 5)) == 0:
        out["dependencies"] = deps
    if draw(st.integers(0, 3)) == 0:
        out["triggerRule"] = draw(st.sampled_from(RULES))
    if draw(st.integers(0, 2)) == 0:
        out["retryPolicy"] = draw(RETRY)
    if draw(st.integers(0, 2)) == 0:
        out["timeout"] = draw(TIMEOUT)
    if draw(st.integers(0, 5)) == 0:
        out["resources"] = {"cpu": draw(st.sampled_from([0.5, 1, 2])), "memory": draw(st.sampled_from([0, 512]))}
    if draw(st.integers(0, 6)) == 0:
        out["priority"] = draw(st.integers(-3, 3))
    if draw(st.integers(0, 6)) == 0:
        out["description"] = draw(st.sampled_from(["Does things", "password=hunter2hunter2", "multi\nline"]))
    return out


@st.composite
def valid_workflow(draw: st.DrawFn, max_tasks: int = 30) -> dict[str, Any]:
    count = draw(st.integers(1, max_tasks))
    ids = draw(st.lists(st.sampled_from(IDS), min_size=count, max_size=count, unique=True))
    data: dict[str, Any] = {"dagId": draw(st.sampled_from(["etl", "intelligence_pipeline", "d.1", "x-y"]))}
    if draw(st.booleans()):
        data["description"] = "generated"
    if draw(st.booleans()):
        data["schedule"] = draw(st.sampled_from([*CRONS, None]))
    if draw(st.integers(0, 3)) == 0:
        data["timezone"] = draw(st.sampled_from(["UTC", "Europe/Berlin", "Mars/Olympus"]))
    if draw(st.booleans()):
        data["params"] = {p: {"type": "string", "default": ""} for p in draw(st.lists(st.sampled_from(PARAMS), max_size=3, unique=True))}
    if draw(st.integers(0, 2)) == 0:
        data["defaults"] = draw(st.fixed_dictionaries({}, optional={
            "timeout": st.just({"execution": "10m"}),
            "retryPolicy": st.sampled_from([{"maxRetries": 1, "retryDelay": "30s"}, {"maxRetries": 2, "retryDelay": "1m", "maxRetryDelay": "10s"}]),
            "triggerRule": st.sampled_from(RULES),
        }))
    if draw(st.integers(0, 4)) == 0:
        data["concurrency"] = draw(st.integers(1, 8))
    data["tasks"] = tasks = [draw(task(ids, i)) for i in range(count)]
    for branch in tasks:  # most branch targets depend on their branch, as they should (else FR103)
        targets = branch.get("params", {}).get("branches", {}) if branch["operator"] == "branch" else {}
        for target in [t for value in targets.values() for t in ([value] if isinstance(value, str) else value)]:
            downstream = tasks[ids.index(target)]
            if draw(st.integers(0, 4)) and branch["taskId"] not in downstream.setdefault("dependencies", []):
                downstream["dependencies"].append(branch["taskId"])
        firsts = [[value] if isinstance(value, str) else value for value in targets.values()]
        if len(firsts) >= 2 and draw(st.booleans()):  # a join of two branches (FR105 unless its rule allows it)
            picked = [firsts[0][0], firsts[1][0]]
            last = max(ids.index(t) for t in picked)
            if last + 1 < count:
                join = tasks[draw(st.integers(last + 1, count - 1))]
                join.setdefault("dependencies", []).extend(t for t in picked if t not in join["dependencies"])
    return data


# -- mutations --------------------------------------------------------------------------------------

WRONG = [None, 0, -1, 3.5, True, "", "x", [], ["a"], {}, {"k": "v"}, "{{ ds }}", "t0"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def _at(data: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        data = data[step]
    return data


def mutate(data: dict[str, Any], rnd: random.Random, count: int) -> dict[str, Any]:
    """Apply `count` random mutations to a copy of `data`."""
    data = json.loads(json.dumps(data))
    for _ in range(count):
        paths = [p for p in _paths(data) if p]
        kind = rnd.choice(["delete", "wrong", "wrong", "dependency", "dependency", "duplicate", "rename"])
        tasks = data.get("tasks") if isinstance(data.get("tasks"), list) else []
        dict_tasks = [t for t in tasks if isinstance(t, dict)]
        if kind == "delete" and paths:
            path = rnd.choice(paths)
            parent = _at(data, path[:-1])
            del parent[path[-1]]
        elif kind == "wrong" and paths:
            path = rnd.choice(paths)
            _at(data, path[:-1])[path[-1]] = json.loads(json.dumps(rnd.choice(WRONG)))  # a fresh copy: never share WRONG's lists
        elif kind == "dependency" and dict_tasks:
            t = rnd.choice(dict_tasks)
            deps = t.get("dependencies")
            if not isinstance(deps, list):
                deps = t["dependencies"] = []
            target = rnd.choice([*[x.get("taskId") for x in dict_tasks], "nope", t.get("taskId")])
            deps.insert(rnd.randint(0, len(deps)), target if isinstance(target, str) else "nope")
        elif kind == "duplicate" and dict_tasks:
            tasks.insert(rnd.randint(0, len(tasks)), json.loads(json.dumps(rnd.choice(dict_tasks))))
        elif kind == "rename" and len(dict_tasks) >= 2:
            a, b = rnd.sample(dict_tasks, 2)
            a["taskId"] = b.get("taskId")
    return data


@st.composite
def workflows(draw: st.DrawFn, max_tasks: int = 30, mutations: int = 3) -> tuple[dict[str, Any], dict[str, Any]]:
    """(data, emit options): a valid workflow with 0..`mutations` random mutations."""
    data = draw(valid_workflow(max_tasks))
    rnd = draw(st.randoms(use_true_random=False))
    data = mutate(data, rnd, draw(st.integers(0, mutations)))
    options = {"flow": draw(st.sampled_from([0.0, 0.3, 1.0])), "comments": draw(st.sampled_from([0.0, 0.1, 0.5])),
               "anchors": draw(st.booleans())}
    return data, options


# == strategies: random YAML documents and bytes =====================================================

YAML_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=12),
    st.sampled_from(["on", "yes", "0755", "1.10", "2024-01-01", "0x1F", ".inf", "-.nan", "~", "<<", "*", "&", "!", "%", "@x",
                     "a: b", "- x", "# c", "{{ ds }}", "'", '"', "\\", "\t", " lead", "trail ", "\u2028", "\x85", "é"]),
)
TAGS = ["", "", "", "", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!binary ", "!!set ", "!!omap ", "!!pairs ",
        "!!timestamp ", "!!python/object:os.system ", "!foo ", "!<tag:yaml.org,2002:str> ", "!<tag:example.com,2000:x> ", "! ",
        "!!map ", "!!seq "]


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    """Nested YAML written by hand: block and flow, anchors and aliases, merges, tags, comments."""
    anchors: list[str] = []
    lines: list[str] = []

    def value(depth: int) -> str:
        kind = draw(st.sampled_from(["scalar", "scalar", "flow", "alias", "tagged"] if depth < 4 else ["scalar", "alias"]))
        if kind == "alias" and anchors:
            return "*" + draw(st.sampled_from(anchors))
        if kind == "flow":
            items = [value(depth + 1) for _ in range(draw(st.integers(0, 3)))]
            if draw(st.booleans()):
                return "[" + ", ".join(items) + "]"
            return "{" + ", ".join(f"k{i}: {v}" for i, v in enumerate(items)) + "}"
        text = draw(YAML_SCALARS)
        rendered = json.dumps(text) if isinstance(text, str) and draw(st.booleans()) else (text if isinstance(text, str) else json.dumps(text))
        prefix = draw(st.sampled_from(TAGS)) if kind == "tagged" else ""
        if draw(st.integers(0, 4)) == 0:
            name = f"a{len(anchors)}"
            anchors.append(name)
            prefix = f"&{name} " + prefix
        return prefix + str(rendered)

    def block(depth: int, indent: int) -> None:
        for i in range(draw(st.integers(1, 4))):
            pad = " " * indent
            key = draw(st.sampled_from(["dagId", "tasks", "taskId", "operator", "dependencies", "params", "<<", f"k{i}", "on", "1", "? x"]))
            shape = draw(st.sampled_from(["value", "value", "map", "seq"] if depth < 5 else ["value"]))
            comment = draw(st.sampled_from(["", "", "", "  # c", "  # flowrun: ignore[FR002]", " #no-space"]))
            if shape == "value":
                lines.append(f"{pad}{key}: {value(depth)}{comment}")
            elif shape == "map":
                anchor = f" &m{depth}{i}" if draw(st.booleans()) else ""
                if anchor:
                    anchors.append(anchor.strip()[1:])
                lines.append(f"{pad}{key}:{anchor}{comment}")
                block(depth + 1, indent + draw(st.sampled_from([2, 2, 4, 1])))
            else:
                lines.append(f"{pad}{key}:{comment}")
                for _ in range(draw(st.integers(1, 3))):
                    if draw(st.booleans()) and depth < 4:
                        lines.append(f"{pad}  - taskId: {value(depth)}")
                        lines.append(f"{pad}    operator: {value(depth)}")
                    else:
                        lines.append(f"{pad}  - {value(depth)}")

    block(0, 0)
    doc = "\n".join(lines)
    ending = draw(st.sampled_from(["\n", "", "\r\n", "\n...\n", "\n---\nx: 1\n", "\n\n\n"]))
    if ending == "\r\n":
        doc = doc.replace("\n", "\r\n")
    return draw(st.sampled_from(["", "", "%YAML 1.2\n---\n", "---\n", "\ufeff"])) + doc + ending


@st.composite
def mutated_bytes(draw: st.DrawFn) -> bytes:
    """The bytes of a generated workflow with random byte edits (flips, inserts, deletes, splices)."""
    data, options = draw(workflows(max_tasks=6, mutations=1))
    raw = bytearray(emit(data, random.Random(draw(st.integers(0, 2**16))), **options).encode("utf-8"))
    for _ in range(draw(st.integers(1, 6))):
        if not raw:
            break
        at = draw(st.integers(0, len(raw) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup", "special"]))
        if op == "flip":
            raw[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif op == "delete":
            del raw[at:at + draw(st.integers(1, 8))]
        elif op == "dup":
            raw[at:at] = raw[at:at + draw(st.integers(1, 40))]
        else:
            raw[at:at] = draw(st.sampled_from([b"\t", b"\r", b"\x00", b"\xef\xbb\xbf", b"\xc3", b"\xe2\x80\xa8", b"&a ", b"*a", b": ", b"- ",
                                                b"[", b"{", b"'", b'"', b"|", b">", b"#", b"!!", b"<<: *a\n", b"\n", b"  "]))
    return bytes(raw)


# == strategies: alias amplification and non-finite numbers ==========================================

PAYLOADS = {
    "plain": "a",
    "template": "echo {{ ds }} {{ ti.xcom_pull(task_ids='t0') }} ",
    "secret": "export PASSWORD=hunter2hunter2; curl -u user:pw https://x.example/ ",
    "shell": "cat in >> out.txt; tee -a log < x && $(date) ",
    "braces": "{{ {% {# [ ] , : ",
}


@st.composite
def alias_amplification(draw: st.DrawFn) -> str:
    """A workflow whose anchored value (a long scalar, or a mapping holding one) is repeated by
    many aliases: in params, env, lists, merge keys, whole params and tasks (issue 12)."""
    payload = PAYLOADS[draw(st.sampled_from(sorted(PAYLOADS)))]
    size = draw(st.sampled_from([10, 1_000, 64 * 1024, 512 * 1024, 1024 * 1024]))
    big = (payload * (size // len(payload) + 1))[:size].replace("\\", "/").replace('"', "'")
    aliases = draw(st.sampled_from([1, 10, 100, 1_000, 10_000]))
    shape = draw(st.sampled_from(["list", "env", "tasks", "params", "merge", "nested"]))
    head = "dagId: d\ntasks:\n  - taskId: t0\n    operator: bash\n    timeout: {execution: 1m}\n"
    if shape == "list":
        return head + f'    params: {{command: &big "{big}"}}\nx-copies: [' + ", ".join(["*big"] * aliases) + "]\n"
    if shape == "env":
        return head + f'    params:\n      command: &big "{big}"\n      env:\n' + "".join(f"        E{i}: *big\n" for i in range(aliases))
    if shape == "tasks":
        return head + f'    params: {{command: &big "{big}"}}\n' + "".join(
            f"  - {{taskId: t{i + 1}, operator: bash, dependencies: [t{i}], params: {{command: *big}}}}\n" for i in range(aliases))
    if shape == "params":
        return head + f'    params: &p {{command: "{big}", env: {{TOKEN: x}}}}\n' + "".join(
            f"  - {{taskId: t{i + 1}, operator: bash, params: *p}}\n" for i in range(aliases))
    if shape == "merge":
        return "x-base: &m {operator: bash, params: {command: \"" + big + "\"}}\n" + head + "    params: {command: echo}\n" + "".join(
            f"  - {{<<: *m, taskId: t{i + 1}}}\n" for i in range(aliases))
    # aliases of aliases: each level doubles the copies of the one below
    levels = draw(st.integers(1, 20))
    lines = [f'x-l0: &l0 ["{big}"]'] + [f"x-l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n" + head + f"    params: {{command: echo, env: {{A: *l{levels - 1}}}}}\n"


NON_FINITE = [".nan", ".NaN", ".inf", "-.inf", ".Inf", "1e999", "-1e999", "9" * 400, "9" * 400 + "s", "9" * 400 + "ms",
              "1e-400", "-0.0", "NaN", "Infinity", "-Infinity", "0x" + "f" * 40, "1_000", "0o17", "+.inf"]
_NUMBER = re.compile(r"(?<=: )-?[0-9][0-9.]*(?:ms|s|m|h|d)?(?=[,}\s])")
NUMERIC_FIELDS = ["priority: {}", "timeout: {{execution: {}}}", "retryPolicy: {{maxRetries: {}, retryDelay: {}}}",
                  "retryPolicy: {{maxRetries: 2, retryDelay: 10s, backoffMultiplier: {}, maxRetryDelay: {}}}",
                  "resources: {{cpu: {}, memory: {}}}", "pool: {{slots: {}}}"]


@st.composite
def non_finite_numbers(draw: st.DrawFn) -> str:
    """A generated workflow whose numbers (and some numeric fields added to its tasks) are NaN,
    infinite, or too large for a float or a 64-bit integer."""
    data, options = draw(workflows(max_tasks=8, mutations=1))
    text = emit(data, random.Random(draw(st.integers(0, 2**16))), **options)
    numbers = list(_NUMBER.finditer(text))
    picked = sorted(draw(st.sets(st.integers(0, max(len(numbers) - 1, 0)), max_size=4)), reverse=True) if numbers else []
    for i in picked:
        m = numbers[i]
        text = text[:m.start()] + draw(st.sampled_from(NON_FINITE)) + text[m.end():]
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("  - taskId:")]
    if starts and draw(st.booleans()):
        field = draw(st.sampled_from(NUMERIC_FIELDS))
        values = [draw(st.sampled_from(NON_FINITE)) for _ in range(field.count("{}"))]
        lines.insert(draw(st.sampled_from(starts)) + 1, "    " + field.format(*values))
    return "\n".join(lines)


# seconds one lint of an input of these shapes may take: far above what any takes (under one
# second); a file that aliases multiply would take minutes
AMPLIFIED_SECONDS = 20.0


def check_amplification(text: str) -> list[Finding]:
    """Lint stays bounded whatever the aliases: no exception, positions inside the file, done in
    AMPLIFIED_SECONDS, and no finding repeated (an aliased node is reported once)."""
    import time

    start = time.perf_counter()
    findings = check_lint(text)
    assert time.perf_counter() - start < AMPLIFIED_SECONDS, f"{time.perf_counter() - start:.1f} s"
    seen = Counter((f.code, f.line, f.column, f.message) for f in findings)
    assert not [k for k, n in seen.items() if n > 1], [k for k, n in seen.items() if n > 1][:3]
    return findings


# == the tests =======================================================================================

@pytest.fixture(scope="module")
def scratch() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="flowrun-fuzz-") as directory:
        yield directory


@budget(250)
@given(st.binary(max_size=600))
def test_random_bytes(scratch: str, raw: bytes) -> None:
    check_bytes(raw, scratch)


@budget(300)
@given(mutated_bytes())
def test_mutated_workflow_bytes(scratch: str, raw: bytes) -> None:
    check_bytes(raw, scratch)


@budget(400)
@given(yaml_documents())
def test_random_yaml_documents(text: str) -> None:
    check_lint(text)


@budget(15)
@given(alias_amplification())
def test_alias_amplification(text: str) -> None:
    check_amplification(text)


@budget(80)
@given(non_finite_numbers())
def test_non_finite_numbers(text: str) -> None:
    check_lint(text)


@budget(350)
@given(workflows(max_tasks=30, mutations=0), st.randoms(use_true_random=False))
def test_valid_workflows(case: tuple[dict[str, Any], dict[str, Any]], rnd: random.Random) -> None:
    data, options = case
    text = emit(data, rnd, **options)
    assert parse(text).data == data, text  # the emitter writes what it was given
    check_lint(text)


@budget(350)
@given(workflows(max_tasks=12, mutations=4), st.randoms(use_true_random=False))
def test_mutated_workflows(case: tuple[dict[str, Any], dict[str, Any]], rnd: random.Random) -> None:
    data, options = case
    check_lint(emit(data, rnd, **options))


@budget(250)
@given(workflows(max_tasks=15, mutations=2), st.randoms(use_true_random=False))
def test_fix_changes_only_what_it_fixes(scratch: str, case: tuple[dict[str, Any], dict[str, Any]], rnd: random.Random) -> None:
    data, options = case
    check_fix(emit(data, rnd, **options), scratch)


@budget(250)
@given(workflows(max_tasks=15, mutations=2), st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_task_order(case: tuple[dict[str, Any], dict[str, Any]], rnd: random.Random) -> None:
    data, options = case
    check_order(data, rnd, options)


# -- the real command, on a sample ---------------------------------------------------------------

def _sample(strategy: st.SearchStrategy[Any], count: int, seed: int) -> list[Any]:
    """`count` examples of a strategy, the same ones on every call (hypothesis seeded)."""
    out: list[Any] = []

    @hyp_seed(seed)
    @settings(settings.get_profile("flowrun-fuzz"), max_examples=count, derandomize=False)
    @given(strategy)
    def collect(value: Any) -> None:
        if len(out) < count:
            out.append(value)

    collect()
    return out


def test_cli_agrees_with_the_library_on_fuzzed_files(tmp_path: Path) -> None:
    """40 fuzzed files through the real `flowrun lint --format json`: same findings as in-process,
    exit status 0 or 1 (never 2: every file is a file), and no traceback or internal error."""
    rnd = random.Random(20261125)
    files: dict[str, str] = {}
    for i, (data, options) in enumerate(_sample(workflows(max_tasks=10, mutations=3), 30, 1)):
        files[f"w{i:02}.yaml"] = emit(data, random.Random(rnd.random()), **options)
    for i, text in enumerate(_sample(yaml_documents(), 10, 2)):
        files[f"y{i:02}.yaml"] = text
    for name, text in files.items():
        (tmp_path / name).write_bytes(text.encode("utf-8"))
    expected = sorted(
        (name, f.line, f.column, f.code, f.message) for name, text in files.items() for f in lint_text(text, name)
    )
    result = flowrun("lint", "--format", "json", ".", cwd=tmp_path)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr[-2000:]
    failing = any(f.severity in ("warning", "error") for text in files.values() for f in lint_text(text))
    assert result.returncode == (1 if failing else 0), result.stderr
    got = sorted((f["path"], f["line"], f["column"], f["code"], f["message"]) for f in json.loads(result.stdout))
    assert got == expected


@pytest.mark.parametrize("seed", range(4))
def test_cli_on_single_fuzzed_files(tmp_path: Path, seed: int) -> None:
    """One file per call (text output): exit 0 or 1, one finding line per finding, no traceback."""
    data, options = _sample(workflows(max_tasks=8, mutations=4), 1, 100 + seed)[0]
    text = emit(data, random.Random(seed), **options)
    (tmp_path / "f.yaml").write_text(text, encoding="utf-8")
    result = flowrun("lint", "f.yaml", cwd=tmp_path)
    assert result.returncode in (0, 1) and result.stderr == "", result.stderr
    assert "Traceback" not in result.stdout
    lines = result.stdout.splitlines()
    assert len(lines) == len(lint_text(text, "f.yaml")) + 1
