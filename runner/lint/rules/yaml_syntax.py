"""## What it does
Reports a file that cannot be read as one workflow document: invalid YAML syntax, duplicate
keys, an empty file, a top level that is not a mapping, invalid UTF-8, NUL bytes, tabs used for
indentation, unsupported tags such as `!!python/object` (never constructed), several documents,
alias bombs, nesting deeper than 100 levels and files over 10 MiB.

## Why is this bad?
Nothing else can be checked, or run, until the file parses. Duplicate keys are the silent
kind: most YAML loaders keep the last one and the first is lost without a word.

## Example
```yaml
dagId: etl
dagId: etl_v2
tasks:
  - taskId: a
    operator: dummy
```

## Use instead
```yaml
dagId: etl_v2
tasks:
  - taskId: a
    operator: dummy
```
"""

from __future__ import annotations

from collections.abc import Iterator

from runner.findings import Finding
from runner.model import Workflow
from runner.yaml.nodes import YamlProblem

CODE = "FR001"
NAME = "yaml-syntax"
SEVERITY = "error"
FIXABLE = False


def check(workflow: Workflow) -> Iterator[Finding]:
    """A loaded workflow parsed; problems are reported by `finding` when loading fails."""
    return iter(())


def finding(problem: YamlProblem, path: str) -> Finding:
    return Finding(CODE, problem.message, problem.line, problem.column, path=path, severity=SEVERITY, name=NAME)
