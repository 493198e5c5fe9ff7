"""Render findings: text (with a summary line), json, github annotations, SARIF 2.1.0 and a
GitLab Code Quality report."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote

from runner.escapes import printable
from runner.findings import Finding, shortened
from runner.lint.fingerprints import fingerprints, project_path
from runner.lint.linter import LintResult

FORMATS = ("text", "json", "github", "sarif", "gitlab")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _plural(n: int, word: str) -> str:
    if word == "info":
        return f"{n} info"
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def text(result: LintResult) -> str:
    lines = []
    for f in result.findings:
        suffix = " (fixable)" if f.fixable else ""
        lines.append(f"{printable(f.path)}:{f.line}:{f.column}: {f.code} [{f.severity}] {printable(f.message)}{suffix}")
    if result.fixed:
        lines.append(f"Fixed {_plural(result.fixed, 'problem')}.")
    lines.append(lint_summary(result))
    return "\n".join(lines) + "\n"


def lint_summary(result: LintResult) -> str:
    """The last line of the text output: how many problems in how many files, how many fixable."""
    findings = result.findings
    skipped = len(result.not_workflows)
    if skipped:  # every file named or found is counted; those skipped are said so
        files_seen = _plural(len(result.files), "file")
        tail = f" ({_plural(skipped, 'file')} skipped: not workflows)"
        if not findings:
            return f"Found 0 problems in {files_seen}{tail}."
    if not findings:
        return f"No problems found in {_plural(len(result.files), 'file')}."
    counts = [
        _plural(n, sev)
        for sev in ("error", "warning", "info")
        if (n := sum(1 for f in findings if f.severity == sev))
    ]
    files = len({f.path for f in findings})
    line = f"Found {_plural(len(findings), 'problem')} ({', '.join(counts)}) in {_plural(files, 'file')}"
    if skipped:
        line += tail
    fixable = sum(1 for f in findings if f.fixable)
    return line + (f"; {fixable} fixable with --fix." if fixable else ".")


def as_json(result: LintResult) -> str:
    return json.dumps([f.as_dict() for f in result.findings], indent=2) + "\n"


def _escape_data(value: str) -> str:
    """GitHub's escapes of a workflow command, then the other control characters (the log is shown)."""
    return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


GITHUB_MESSAGE = 1000  # characters of an annotation's message (GitHub shows a few lines of it)


def github(result: LintResult) -> str:
    """GitHub Actions workflow commands, one annotation per finding."""
    lines = [
        f"::{_GITHUB_LEVEL[f.severity]} file={_escape_property(f.path)},line={f.line},col={f.column},"
        f"title={_escape_property(f.code)}::{_escape_data(shortened(f.message, GITHUB_MESSAGE))}"
        for f in result.findings
    ]
    return "".join(line + "\n" for line in lines)


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def sarif(result: LintResult) -> str:
    from runner import __version__
    from runner.lint.rules import RULES

    rules = [
        {
            "id": rule.CODE,
            "name": rule.NAME,
            "shortDescription": {"text": _first_sentence(rule.__doc__ or rule.NAME)},
            "fullDescription": {"text": (rule.__doc__ or "").strip()},
            "help": {"text": (rule.__doc__ or "").strip(), "markdown": (rule.__doc__ or "").strip()},
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.SEVERITY]},
            "properties": {"fixable": rule.FIXABLE},
        }
        for rule in RULES
    ]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [_sarif_result(f, index, fp) for f, fp in zip(result.findings, fingerprints(result.findings), strict=True)]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "flowrun",
                        "version": __version__,
                        "informationUri": "https://github.com/flowrun/flowrun",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {
                    "%SRCROOT%": {"description": {"text": "The project root: CI_PROJECT_DIR, else the working directory of flowrun lint."}}
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


# GitHub computes `primaryLocationLineHash` itself (and warns when one is given that differs):
# flowrun's own key travels next to it
SARIF_FINGERPRINT = "flowrunFinding/v1"


def _sarif_result(f: Finding, index: dict[str, int], fingerprint: str) -> dict[str, object]:
    return {
        "ruleId": f.code,
        "ruleIndex": index.get(f.code, 0),
        "level": _SARIF_LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    # relative to the project root, a URI (spaces as %20)
                    "artifactLocation": {"uri": quote(project_path(f.path)), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.line, "startColumn": f.column},
                }
            }
        ],
        "partialFingerprints": {SARIF_FINGERPRINT: fingerprint},
    }


def _first_sentence(doc: str) -> str:
    body = doc.split("## What it does", 1)[-1].strip()
    paragraph = body.split("\n\n", 1)[0].replace("\n", " ")
    return paragraph.split(". ")[0].rstrip(".") + "."


_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def gitlab(result: LintResult) -> str:
    """A GitLab Code Quality report (`artifacts: reports: codequality:`): a JSON array of issues."""
    issues = [
        {
            "description": f"{f.code} {f.message}",
            "check_name": f.code,
            "fingerprint": fingerprint,
            "severity": _GITLAB_SEVERITY[f.severity],
            "location": {"path": project_path(f.path), "lines": {"begin": f.line}},
        }
        for f, fingerprint in zip(result.findings, fingerprints(result.findings), strict=True)
    ]
    return json.dumps(issues, indent=2) + "\n"


RENDERERS: dict[str, Callable[[LintResult], str]] = {
    "text": text,
    "json": as_json,
    "github": github,
    "sarif": sarif,
    "gitlab": gitlab,
}
