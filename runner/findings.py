"""What the linter reports: one `Finding` per problem, always with a 1-based position."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("info", "warning", "error")  # in increasing order of gravity


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Fix:
    """Removal of one item of a YAML sequence, by its path in the document."""

    path: tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    line: int
    column: int
    path: str = ""
    severity: str = "error"
    name: str = ""
    fix: Fix | None = None
    task_line: int | None = field(default=None, compare=False)  # line of the task's `- taskId:`
    # where the offending node ends (1-based, exclusive column), when the finding is at a whole
    # scalar; editors underline line:column..end_line:end_column. No output format shows it.
    end_line: int | None = field(default=None, compare=False)
    end_column: int | None = field(default=None, compare=False)

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "fixable": self.fixable,
        }


def get_path(data: Any, path: tuple[str | int, ...]) -> Any:
    """The value at `path` of a document (the path a finding or a fix names), or None."""
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def shortened(message: str, limit: int) -> str:
    """`message` cut to `limit` characters where a display would cut it anyway (an editor, a
    GitHub annotation), saying where the whole message is (an FR408 critical path of 1,000
    tasks is ~15,000 characters)."""
    if len(message) <= limit:
        return message
    return message[:limit - 80].rstrip() + " ... (cut; the whole message: flowrun lint --format json)"
