"""Inline suppression comments: `# flowrun: ignore[FR401]` and `# flowrun: ignore-file[FR403]`.

`ignore[...]` applies to findings on its line, or to every finding of a task when it sits on
the task's `- taskId:` line. `ignore-file[...]` must stand on a line of its own. Codes may be
prefixes (`FR4`). A code that suppresses nothing is reported as FR006.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runner.findings import Finding

# FR006, the finding of a suppression that suppresses nothing: made here, documented by its rule
# module (runner/lint/rules/unused_suppression.py, which takes these values from here)
UNUSED_CODE = "FR006"
UNUSED_NAME = "unused-suppression"
UNUSED_SEVERITY = "info"

_COMMENT = re.compile(r"(?:^|\s)#\s*flowrun:\s*(ignore|ignore-file)\[([^\]]*)\]")
# Any `# flowrun:` comment; one that _COMMENT does not match (no codes, `noqa`, `disable=`) is
# reported, since it silently suppresses nothing.
_ANY = re.compile(r"(?:^|\s)(#\s*flowrun\s*:?\s*[^#]*)")


@dataclass
class Suppression:
    line: int
    column: int
    codes: list[str]
    whole_file: bool
    used: set[str] = field(default_factory=set)
    malformed: str = ""  # the comment as written, when it is no valid suppression
    inline_file: bool = False  # an ignore-file comment after other text: it applies to nothing

    def covers(self, finding: Finding) -> str | None:
        if not self.whole_file and finding.line != self.line and finding.task_line != self.line:
            return None
        return next((code for code in self.codes if finding.code.startswith(code)), None)


def parse(text: str) -> list[Suppression]:
    if "flowrun:" not in text:
        return []
    found = []
    # lines as YAML counts them: str.splitlines() would also split at \f, \v, \x1c-\x1e, U+2028 ...
    for number, line in enumerate(re.split(r"\r\n?|\n", text), start=1):
        if "flowrun:" not in line:
            continue
        valid = set()
        for match in _COMMENT.finditer(line):
            codes = [c.strip().upper() for c in match.group(2).split(",") if c.strip()]
            whole = match.group(1) == "ignore-file"
            column = line.index("#", match.start()) + 1
            valid.add(column)
            if whole and line[: match.start()].strip():  # ignore-file must stand on a line of its own
                found.append(Suppression(number, column, [], False, malformed=match.group(0).strip(), inline_file=True))
                continue
            found.append(Suppression(number, column, codes, whole, malformed="" if codes else match.group(0).strip()))
        for match in _ANY.finditer(line):
            column = line.index("#", match.start()) + 1
            if column not in valid and re.match(r"#\s*flowrun\s*:", match.group(1)):
                found.append(Suppression(number, column, [], False, malformed=match.group(1).strip()))
    return found


def apply(findings: list[Finding], text: str, path: str, active: object) -> list[Finding]:
    """Drop suppressed findings; add FR006 for each code that suppressed nothing.

    `active(code)` tells whether a code is selected: a suppression of a rule that did not run
    is not reported as unused.
    """
    suppressions = parse(text)
    if not suppressions:
        return findings
    kept = []
    for finding in findings:
        hit = False
        for sup in suppressions:
            code = sup.covers(finding)
            if code is not None:
                sup.used.add(code)
                hit = True
        if not hit:
            kept.append(finding)
    is_active = active if callable(active) else (lambda code: True)
    for sup in suppressions:
        if sup.malformed:
            kept.append(_malformed(sup, path))
        for code in sup.codes:
            if code in sup.used or not is_active(code):
                continue
            where = "in this file" if sup.whole_file else "on this line or task"
            kept.append(
                Finding(
                    UNUSED_CODE,
                    f"unused suppression: no {code} finding {where}",
                    sup.line,
                    sup.column,
                    path=path,
                    severity=UNUSED_SEVERITY,
                    name=UNUSED_NAME,
                )
            )
    return kept


def _malformed(sup: Suppression, path: str) -> Finding:
    written = sup.malformed if len(sup.malformed) <= 40 else sup.malformed[:37] + "..."
    if sup.inline_file:
        message = f"'{written}' after other text suppresses nothing; write it on a line of its own"
    else:
        message = (f"suppression '{written}' names no rule codes, so it suppresses nothing; "
                   f"write '# flowrun: ignore[FR401]' with the codes to ignore (or ignore-file[...] on a line of its own)")
    return Finding(UNUSED_CODE, message, sup.line, sup.column, path=path,
                   severity=UNUSED_SEVERITY, name=UNUSED_NAME)
