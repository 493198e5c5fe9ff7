"""Inline suppression comments: `# flowrun: ignore[FR401]` and `# flowrun: ignore-file[FR403]`.

`ignore[...]` applies to findings on its line, or to every finding of a task when it sits on
the task's `- taskId:` line. `ignore-file[...]` must stand on a line of its own. Codes may be
prefixes (`FR4`). A code that suppresses nothing is reported as FR006.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from runner.findings import Finding
from runner.rules import unused_suppression

_COMMENT = re.compile(r"(?:^|\s)#\s*flowrun:\s*(ignore|ignore-file)\[([^\]]*)\]")


@dataclass
class Suppression:
    line: int
    column: int
    codes: list[str]
    whole_file: bool
    used: set[str] = field(default_factory=set)

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
        for match in _COMMENT.finditer(line):
            codes = [c.strip().upper() for c in match.group(2).split(",") if c.strip()]
            whole = match.group(1) == "ignore-file"
            if whole and line[: match.start()].strip():
                continue  # ignore-file must stand on a line of its own
            column = line.index("#", match.start()) + 1
            found.append(Suppression(number, column, codes, whole))
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
        for code in sup.codes:
            if code in sup.used or not is_active(code):
                continue
            where = "in this file" if sup.whole_file else "on this line or task"
            kept.append(
                Finding(
                    unused_suppression.CODE,
                    f"unused suppression: no {code} finding {where}",
                    sup.line,
                    sup.column,
                    path=path,
                    severity=unused_suppression.SEVERITY,
                    name=unused_suppression.NAME,
                )
            )
    return kept
