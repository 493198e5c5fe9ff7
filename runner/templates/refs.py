"""The template references of a workflow: every templated string of every task's params and
every branch condition, each analysed once (what it reads, which outputs it pulls); and where
the tags of a template are in its text (`tag_spans`), for findings that point inside a string.

The rules about templates and the DAG drawing (data edges) read the same list; it is computed
once per workflow and kept while the workflow's data is the same object (an edit through
`add_task` or `set_dependencies` replaces the data, and the list is computed again).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from runner.model import PathT, Task, Workflow
from runner.templates.analyze import Analysis, analyze, analyze_expression
from runner.templates.render import is_template


@dataclass
class TemplateRef:
    task: Task
    path: PathT  # of the string in the document
    source: str
    analysis: Analysis
    expression: bool  # a branch condition: a Jinja expression without {{ }}

    @property
    def field(self) -> str:
        return str(self.path[3]) if len(self.path) > 3 else ""


# workflow -> (the data the references were read from, the references); an entry goes with its workflow
_cache: weakref.WeakKeyDictionary[Workflow, tuple[Any, list[TemplateRef]]] = weakref.WeakKeyDictionary()


def template_refs(workflow: Workflow) -> list[TemplateRef]:
    """Every templated string of every task's params, and every branch condition; a string
    shared by aliases is analysed once, in the first task that holds it."""
    cached = _cache.get(workflow)
    if cached is not None and cached[0] is workflow.data:
        return cached[1]
    refs = _read(workflow)
    _cache[workflow] = (workflow.data, refs)
    return refs


def _read(workflow: Workflow) -> list[TemplateRef]:
    refs = []
    seen: set[Any] = set()
    for task in workflow.tasks:
        if "params" not in task.data or task.params is not task.data["params"]:
            continue
        for path, value in workflow.distinct_strings((*task.path, "params"), seen):
            if task.operator == "branch" and path[3:4] == ("branches",):
                continue
            if task.operator == "branch" and path[3:] == ("condition",):
                refs.append(TemplateRef(task, path, value, analyze_expression(value), True))
            elif is_template(value):
                refs.append(TemplateRef(task, path, value, analyze(value), False))
    return refs


TAGS = (("{{", "}}"), ("{%", "%}"))


def tag_spans(value: str, pairs: tuple[tuple[str, str], ...] = TAGS) -> Iterator[tuple[int, int]]:
    """(start, end) of each `{{ ... }}` and `{% ... %}` tag, as `re.finditer` of `\\{\\{.*?\\}\\}|\\{%.*?%\\}`
    finds them, in linear time: that regex scans to the end of the text again for every opener
    that has no closer (`'{{' * 10**6` took hours)."""
    pos = 0
    found: dict[str, tuple[int, int]] = {opener: (-1, -1) for opener, _ in pairs}  # next opener >= pos, first closer after it
    while True:
        best: tuple[int, int] | None = None
        for opener, closer in pairs:
            if opener not in found:
                continue
            at, end = found[opener]
            if at < pos:
                at = value.find(opener, pos)
                if end < at + 2:  # else the closer found for an earlier opener is still the first one
                    end = value.find(closer, at + 2) if at >= 0 else -1
                if at < 0 or end < 0:  # no closer after this opener, nor after any later one
                    del found[opener]
                    continue
                found[opener] = (at, end)
            if best is None or at < best[0]:
                best = (at, end + len(closer))
        if best is None:
            return
        yield best
        pos = best[1]
