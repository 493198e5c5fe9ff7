"""Lint one open document: the same linter and configuration as `flowrun lint`.

Runs in the server's one worker thread (the linter pauses the cycle collector and shares its
rule caches: one lint at a time per process). Never imports pygls.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from runner.errors import UsageError
from runner.findings import Finding
from runner.lint import config as cfg
from runner.lint.config import LintConfig
from runner.lint.linter import lint_source, looks_like_workflow
from runner.lsp.text import Lines
from runner.model import Workflow
from runner.yaml.loader import Source, decode
from runner.yaml.nodes import MAX_BYTES, YamlProblem


@dataclass
class Analysis:
    """The findings of one version of a document, with what the editor's requests need."""

    uri: str
    version: int | None
    lines: Lines
    findings: list[Finding]
    source: Source | None
    workflow: Workflow | None
    note: str = ""  # why the document was not linted, or the configuration was not read


def uri_path(uri: str) -> str:
    """The file system path of a `file:` URI; the URI itself for an unsaved buffer."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def is_yaml(uri: str, language: str | None = None) -> bool:
    return language == "yaml" or uri_path(uri).lower().endswith((".yaml", ".yml"))


def load_config(path: str) -> tuple[LintConfig, str]:
    """The configuration found from the file's directory (as `flowrun lint` run there finds it)."""
    directory = Path(path).parent if Path(path).is_absolute() else Path.cwd()
    try:
        return cfg.load(directory), ""
    except UsageError as exc:
        return LintConfig(), f"{exc}; linting with the default settings"


def analyze(uri: str, version: int | None, text: str, encoding: str) -> Analysis:
    lines = Lines(text, encoding)
    path = uri_path(uri)
    config, note = load_config(path)
    if config.root is not None and Path(path).is_absolute() and config.excludes(Path(path)):
        return Analysis(uri, version, lines, [], None, None, f"'{path}' is excluded by the lint settings")
    refused = _refused(lines.linted, path)
    if refused is not None:
        return Analysis(uri, version, lines, [refused] if config.selects(refused.code) else [], None, None, note)
    findings, source = lint_source(lines.linted, path, config)
    if source is not None and not config.strict and not looks_like_workflow(source.data):
        return Analysis(uri, version, lines, [], source, None, "not a workflow")
    workflow = Workflow.from_source(source) if source is not None else None
    return Analysis(uri, version, lines, findings, source, workflow, note)


def _refused(text: str, path: str) -> Finding | None:
    """FR001 for a text `flowrun lint` would not parse: over the size limit, or holding a NUL."""
    if "\x00" not in text and len(text) <= MAX_BYTES // 4:
        return None  # the common case, decided without encoding the text
    from runner.lint.rules import yaml_syntax

    try:
        decode(text.encode("utf-8", "surrogatepass"))
    except YamlProblem as problem:
        return yaml_syntax.finding(problem, path)
    return None
