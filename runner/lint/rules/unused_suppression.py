"""## What it does
Reports a `# flowrun: ignore[CODE]` (or `ignore-file[CODE]`) comment that suppresses no
finding: the problem was fixed, the code is wrong, or the comment sits on the wrong line. Also
a `# flowrun:` comment that can suppress nothing: one without codes (`# flowrun: ignore`,
`ignore[]`), another word (`# flowrun: noqa`), or an `ignore-file[...]` after other text.

## Why is this bad?
Stale suppressions hide the next real problem on that line, and mislead readers into
thinking something there needs an exception.

## Example
```yaml
dagId: etl
tasks:
  - taskId: a  # flowrun: ignore[FR401]
    operator: dummy
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: a
    operator: dummy
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.lint import suppressions
from runner.model import Workflow

CODE = suppressions.UNUSED_CODE  # "FR006": the linter's suppression pass makes these findings
NAME = suppressions.UNUSED_NAME
SEVERITY = suppressions.UNUSED_SEVERITY
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    """Suppressions are matched against findings by the linter (runner/lint/suppressions.py)."""
    return iter(())
