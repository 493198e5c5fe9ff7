"""A finding's stable identity in CI: the same problem keeps its fingerprint when lines move.

GitLab Code Quality (`fingerprint`) and SARIF (`partialFingerprints`) match the findings of two
runs by it, so an alert a reviewer dismissed stays dismissed after an edit above it. The identity
hashes the rule code, the file's path relative to the project (`CI_PROJECT_DIR` when set, else the
working directory; `/` separators) and the finding's text, which names the task and the key;
never its line or column ("line N" inside a message is left out as well). Two findings of one
file with the same identity (the same mistake twice) are told apart by their order: the second
hashes with `#2`, the third with `#3`.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath

from runner.findings import Finding

_LINE_REFERENCE = re.compile(r"\bline \d+")


def project_path(path: str, base: str | None = None) -> str:
    """`path` relative to `base` (default: CI_PROJECT_DIR, else the working directory), with `/`;
    a path outside it stays as given."""
    root = base or os.environ.get("CI_PROJECT_DIR") or os.getcwd()
    absolute = os.path.abspath(path)
    try:
        relative = Path(absolute).relative_to(os.path.abspath(root))
    except ValueError:
        return Path(path).as_posix()
    return PurePosixPath(*relative.parts).as_posix() if relative.parts else Path(path).as_posix()


def fingerprints(findings: list[Finding], base: str | None = None) -> list[str]:
    """One hex fingerprint per finding, in order; unique within the list."""
    out = []
    seen: dict[str, int] = {}
    for finding in findings:
        text = _LINE_REFERENCE.sub("line", finding.message)
        identity = "\0".join((finding.code, project_path(finding.path, base), text))
        seen[identity] = count = seen.get(identity, 0) + 1
        if count > 1:
            identity += f"\0#{count}"
        out.append(hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest())
    return out
