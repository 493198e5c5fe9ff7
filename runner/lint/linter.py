"""Run the rules over files: selection, suppressions, sorting, and `--fix`."""

from __future__ import annotations

import gc
import os
import re
import threading
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from runner import safe_io
from runner.findings import Finding, severity_rank
from runner.lint.cache import LintCache
from runner.lint.config import LintConfig
from runner.lint.discovery import discover
from runner.yaml.loader import decode, gc_paused
from runner.yaml.nodes import MAX_BYTES, YamlProblem

if TYPE_CHECKING:
    from runner.model import Workflow
    from runner.yaml.loader import Source

# The rules, the loader and the fixer are imported when a file is linted, not when a cached
# result is read back (they pull in Jinja, croniter and jsonschema-rs: most of a cold start).

@dataclass
class LintResult:
    files: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    fixed: int = 0
    notes: list[str] = field(default_factory=list)  # files skipped or not fixed, and why: one line each
    not_workflows: list[str] = field(default_factory=list)  # YAML files skipped: not workflows (see looks_like_workflow)

    def failed(self, fail_on: str = "warning") -> bool:
        level = severity_rank(fail_on)
        return any(severity_rank(f.severity) >= level for f in self.findings)


def check_workflow(workflow: Workflow, config: LintConfig | None = None, severity: str | None = None) -> list[Finding]:
    """Every finding of every selected rule (of that severity), with severity and name filled in, sorted."""
    from runner.lint.rules import RULES

    out = []
    for rule in RULES:
        if (config is not None and not config.selects(rule.CODE)) or severity not in (None, rule.SEVERITY):
            continue
        for finding in rule.check(workflow):
            if not workflow.is_muted(finding):  # about a value an earlier finding declared malformed
                out.append(Finding(finding.code, finding.message, finding.line, finding.column, workflow.path,
                                   rule.SEVERITY, rule.NAME, finding.fix, finding.task_line,
                                   finding.end_line, finding.end_column))
    # a finding inside a node shared by aliases, said the same way for each alias: once
    unique = {(f.code, f.line, f.column, f.message): f for f in reversed(out)}
    return sorted(unique.values(), key=Finding.sort_key)


class NotAWorkflow(Exception):
    """The file is YAML of another tool (a compose file, a CI configuration): nothing to report."""


def looks_like_workflow(data: object) -> bool:
    """Whether a document's top level may be a flowrun workflow: anything but a mapping with
    neither `dagId` nor a `tasks` sequence (a compose file, a GitHub workflow, Helm values, a
    Taskfile, whose `tasks` is a mapping). `flowrun lint` and the language server skip the others
    unless `strict`; a file that does not parse is never skipped (it may be a broken workflow)."""
    if not isinstance(data, dict):
        return True
    return "dagId" in data or isinstance(data.get("tasks"), list)


# A document whose top level is a block mapping with no `dagId:` and no `tasks:` key at column 0.
_TOP_KEY = re.compile(r"^(?:\"|')?(dagId|tasks)(?:\"|')?[ \t]*:", re.MULTILINE)
_TOP_MAPPING = re.compile(r"^[\w.\"'$][^\n]*?:(?:[ \t]|$)")  # a first line `key:` at column 0, no tag


def _other_tools_yaml(text: str, problem: YamlProblem) -> bool:
    """Whether a file refused only for what other tools' YAML holds (a tag such as GitLab's
    `!reference`, CloudFormation's `!Ref`, compose's `!reset`; several documents, as Kubernetes
    manifests) is plainly not a workflow: a block mapping at column 0 without a `dagId:` or `tasks:`
    key. Any other problem is reported (FR001)."""
    if not problem.message.startswith(("unsupported tag", "a workflow file holds one YAML document")):
        return False
    first = next((line for line in text.splitlines()
                  if line.strip() and not line.lstrip().startswith("#") and line.rstrip() != "---"), "")
    return bool(_TOP_MAPPING.match(first)) and _TOP_KEY.search(text) is None


def lint_source(text: str, path: str, config: LintConfig) -> tuple[list[Finding], Source | None]:
    """Findings of a document and its Source; nothing (and no Source) for YAML that is not a workflow."""
    findings, source, _ = _lint_or_skip(text, path, config)
    return findings, source


def _lint_or_skip(text: str, path: str, config: LintConfig) -> tuple[list[Finding], Source | None, bool]:
    try:
        with gc_paused():
            return (*_lint_source(text, path, config), False)
    except NotAWorkflow:
        return [], None, True


def _lint_source(text: str, path: str, config: LintConfig) -> tuple[list[Finding], Source | None]:
    from runner.lint import suppressions
    from runner.lint.fix import fixable
    from runner.lint.rules import yaml_syntax
    from runner.model import Workflow
    from runner.yaml.loader import parse

    source: Source | None = None
    active = config.selects
    try:
        source = parse(text, path)
    except YamlProblem as problem:
        if not config.strict and _other_tools_yaml(text, problem):
            raise NotAWorkflow from None
        findings = [yaml_syntax.finding(problem, path)]
        # no other rule ran: only a suppression of FR001 can be unused
        active = lambda code: config.selects(code) and yaml_syntax.CODE.startswith(code)  # noqa: E731
    else:
        if not config.strict and not looks_like_workflow(source.data):
            raise NotAWorkflow
        findings = check_workflow(Workflow.from_source(source), config)
    findings = suppressions.apply([f for f in findings if config.selects(f.code)], text, path, active)
    findings = [f for f in findings if config.selects(f.code)]  # FR006 may be ignored too
    if source is not None:  # offer only the fixes `--fix` can apply
        findings = [f if f.fix is None or fixable(source, f.fix) else replace(f, fix=None) for f in findings]
    return sorted(findings, key=Finding.sort_key), source


def lint_file(path: str, config: LintConfig, fix: bool = False, cache: LintCache | None = None) -> tuple[list[Finding], int]:
    """Findings of one file; with `fix`, rewrite the file until nothing fixable is left.

    The file is opened without following a symlink: lint_paths reaches a symlink's target only
    when it stays inside the linted tree (runner/lint/discovery.py)."""
    findings, fixed, _, _ = _lint_target(path, path, config, fix, cache)
    return findings, fixed


def _lint_target(path: str, real: str, config: LintConfig, fix: bool, cache: LintCache | None) -> Outcome:
    """Findings, the number of fixes written, notes (one line each) about `path`, read from `real`,
    and whether it was skipped as not a workflow (never cached: the next lint skips it again)."""
    key = None
    try:
        raw, status = _read(real)
        if cache is not None and not fix:
            key = cache.key(path, raw)
            hit = cache.get(key)
            if hit is not None:
                return hit, 0, [], False
        text = decode(raw)
    except YamlProblem as problem:
        from runner.lint.rules import yaml_syntax

        return [yaml_syntax.finding(problem, path)], 0, [], False
    findings, source, skipped = _lint_or_skip(text, path, config)
    if skipped:
        return [], 0, [], True
    if key is not None and cache is not None:
        cache.put(key, findings)
    fixed = 0
    if not fix:
        return findings, 0, [], False
    from runner.lint.fix import apply_fixes

    for _ in range(10):  # each round removes at least one item; a fixed point comes fast
        fixes = [f.fix for f in findings if f.fix is not None]
        if not fixes or source is None:
            break
        new_text, count = apply_fixes(text, source, fixes)
        if count == 0 or new_text == text:
            break
        text = new_text
        fixed += count
        findings, source = lint_source(text, path, config)
    if fixed:
        from runner.lint.fix import write_fixed

        refusal = write_fixed(path, text, status)
        if refusal is not None:
            findings, _ = lint_source(decode(raw), path, config)  # what the file on disk still holds
            return findings, 0, [f"not fixed '{path}': {refusal}"], False
    return findings, fixed, [], False


def _read(path: str) -> tuple[bytes, os.stat_result]:
    """A regular file's bytes and status: never through a symlink, never blocking, at most MAX_BYTES."""
    try:
        return safe_io.read_regular(path, MAX_BYTES)
    except safe_io.TooLarge as exc:
        raise YamlProblem(f"file is {exc.size:,} bytes; the limit is {MAX_BYTES:,} (10 MiB)") from None
    except OSError as exc:
        raise YamlProblem(f"cannot read file: {exc.strerror or exc}") from None


def collect(paths: list[str], config: LintConfig) -> list[str]:
    """Files to lint: given files, and `*.yaml`/`*.yml` below given directories (see runner/lint/discovery.py)."""
    return [shown for shown, _ in discover(paths, config).files]


# Files per worker process below which starting one costs more than it saves (a forked worker
# costs ~10 ms; a file ~5 ms).
FILES_PER_WORKER = 16


def lint_paths(paths: list[str] | str, config: LintConfig | None = None, fix: bool = False, jobs: int | None = None,
               cache: LintCache | None = None) -> LintResult:
    """Lint files and directories (the Python API of `flowrun lint`).

    Many files are linted by `jobs` forked worker processes (default: one per CPU available).
    With a `cache`, unchanged files are not linted again (see runner/lint/cache.py)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [str(paths)]
    config = config or LintConfig()
    found = discover(list(paths), config)
    result = LintResult(files=[shown for shown, _ in found.files], notes=found.notes)
    if cache is not None and (refusal := cache.check()) is not None:
        result.notes.append(refusal)
        cache = None
    workers = _workers(len(result.files), jobs)
    if workers > 1:
        outcomes = _in_workers(found.files, config, fix, workers, cache)
    else:
        with gc_paused():
            outcomes = [_lint_one((shown, real, config, fix, cache)) for shown, real in found.files]
    for (shown, _), (findings, fixed, notes, skipped) in zip(found.files, outcomes, strict=True):
        if skipped:
            result.not_workflows.append(shown)
        result.findings.extend(findings)
        result.fixed += fixed
        result.notes.extend(notes)
    return result


def _workers(files: int, jobs: int | None) -> int:
    if files < 2 * FILES_PER_WORKER:
        return 1
    import multiprocessing

    if jobs is None:
        # fork is the cheap way to start workers that already imported everything; it is only
        # safe in a process with no other threads (a library caller may have some)
        if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
            return 1
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(jobs, files // FILES_PER_WORKER))


def _preload() -> None:
    """Import and build what every file needs, so that forked workers start with it."""
    import croniter  # noqa: F401 - imported by the schedule rules on first use
    import ruamel.yaml  # noqa: F401

    from runner.lint import (
        suppressions,  # noqa: F401
    )
    from runner.schema.validate import fast_validator
    from runner.templates.sandbox import environment

    environment()
    fast_validator()


# Files linted between two collections of young objects while the cycle collector is paused for
# a whole run (a file leaves ~20 objects in cycles; re-enabling the collector after each file
# would traverse its whole tree while it is still alive: a tenth of the time of a file).
COLLECT_EVERY = 64
_linted = 0


Job = tuple[str, str, LintConfig, bool, "LintCache | None"]
Outcome = tuple[list[Finding], int, list[str], bool]


def _lint_one(job: Job) -> Outcome:
    global _linted
    _linted += 1
    if _linted % COLLECT_EVERY == 0 and not gc.isenabled():
        gc.collect(0)
    return _lint_target(*job)


def _in_workers(files: list[tuple[str, str]], config: LintConfig, fix: bool, workers: int,
                cache: LintCache | None) -> list[Outcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "fork":
        _preload()  # once here, not once per worker
    chunk = max(1, len(files) // (workers * 8))  # small enough to balance, large enough to batch
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), initializer=gc.disable) as pool:
        return list(pool.map(_lint_one, [(shown, real, config, fix, cache) for shown, real in files], chunksize=chunk))


def lint_text(text: str, path: str = "<string>", config: LintConfig | None = None) -> list[Finding]:
    """Findings for a document given as text (tests, editors)."""
    if text.startswith("\ufeff"):
        text = text[1:]  # as `decode` does for a file
    try:
        text = decode(text.encode("utf-8")) if "\x00" in text else text
    except YamlProblem as problem:
        from runner.lint.rules import yaml_syntax

        return [yaml_syntax.finding(problem, path)]
    return lint_source(text, path, config or LintConfig())[0]
