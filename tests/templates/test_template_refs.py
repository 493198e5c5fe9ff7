"""runner/templates/refs.py: the template references of a workflow, read once per workflow, and
where the tags of a template are in its text."""

from __future__ import annotations

import gc
import weakref

from conftest import dedent

from runner.model import Workflow
from runner.templates.refs import tag_spans, template_refs
from runner.yaml.loader import parse

TEXT = dedent("""\
    dagId: refs
    tasks:
      - taskId: a
        operator: bash
        params: {command: "echo {{ ds }}", env: {X: plain}}
      - taskId: br
        operator: branch
        dependencies: [a]
        params:
          condition: "ti.xcom_pull(task_ids='a')"
          branches: {yes: c, no: [c]}
      - taskId: c
        operator: bash
        dependencies: [br]
        params: {command: &cmd "echo {{ params.x }}"}
      - taskId: d
        operator: bash
        params: {command: *cmd}
""")


def test_references_are_the_templated_strings_and_branch_conditions() -> None:
    refs = template_refs(Workflow.from_source(parse(TEXT)))
    assert [(r.task.task_id, r.path, r.expression) for r in refs] == [
        ("a", ("tasks", 0, "params", "command"), False),
        ("br", ("tasks", 1, "params", "condition"), True),
        ("c", ("tasks", 2, "params", "command"), False),  # once, in the first task holding the alias
    ]
    assert refs[0].field == "command"
    assert [target for target, _ in refs[1].analysis.xcom_targets] == ["a"]


def test_references_are_read_once_per_workflow_and_again_after_an_edit() -> None:
    workflow = Workflow.from_source(parse(TEXT))
    first = template_refs(workflow)
    assert template_refs(workflow) is first
    workflow.add_task({"taskId": "e", "operator": "bash", "params": {"command": "echo {{ ts }}"}})
    again = template_refs(workflow)
    assert again is not first
    # an edited workflow has no file behind it: the alias is two strings now
    assert [r.task.task_id for r in again] == ["a", "br", "c", "d", "e"]


def test_the_cache_does_not_keep_a_workflow_alive() -> None:
    workflow = Workflow.from_source(parse(TEXT))
    template_refs(workflow)
    ref = weakref.ref(workflow)
    del workflow
    gc.collect()
    assert ref() is None


def test_workflow_data_is_left_as_it_was() -> None:
    workflow = Workflow.from_source(parse(TEXT))
    before = dict(vars(workflow))
    template_refs(workflow)
    assert vars(workflow).keys() == before.keys()  # no attribute written into the workflow


def test_tag_spans() -> None:
    text = "a {{ b }} {% if c %}d{% endif %} {{ open"
    assert [text[s:e] for s, e in tag_spans(text)] == ["{{ b }}", "{% if c %}", "{% endif %}"]
    assert [text[s:e] for s, e in tag_spans(text, (("{{", "}}"),))] == ["{{ b }}"]
