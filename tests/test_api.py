"""The Python API of SPEC section 7, without running anything."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

import runner
from runner import CycleError, Workflow, WorkflowError, lint_paths, load_workflow
from runner.api import Validation

ETL: dict[str, Any] = {
    "dagId": "etl",
    "tasks": [
        {"taskId": "extract", "operator": "dummy"},
        {"taskId": "audit", "operator": "dummy"},
        {"taskId": "transform", "operator": "dummy", "dependencies": ["extract"]},
        {"taskId": "load", "operator": "dummy", "dependencies": ["transform", "audit"]},
        {"taskId": "report", "operator": "dummy", "dependencies": ["extract", "load"]},
    ],
}

ETL_YAML = """\
dagId: etl
tasks:
  - taskId: extract
    operator: dummy
  - taskId: audit
    operator: dummy
  - taskId: transform
    operator: dummy
    dependencies: [extract]
  - taskId: load
    operator: dummy
    dependencies: [transform, audit]
  - taskId: report
    operator: dummy
    dependencies: [extract, load]
"""


@pytest.fixture
def wf() -> Workflow:
    return Workflow.from_dict(ETL)


def test_public_names_are_exported() -> None:
    assert set(runner.__all__) >= {"Workflow", "load_workflow", "lint_paths", "CycleError", "WorkflowError"}
    with pytest.raises(AttributeError):
        runner.no_such_name  # noqa: B018


def test_load_workflow_and_from_dict_agree(tmp_path: Path, wf: Workflow) -> None:
    path = tmp_path / "etl.yaml"
    path.write_text(ETL_YAML, encoding="utf-8")
    loaded = load_workflow(path)
    assert loaded.data == ETL
    assert loaded.path == str(path)
    assert loaded.topological_order() == wf.topological_order()


def test_load_workflow_of_broken_yaml_raises_workflow_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("dagId: [\n", encoding="utf-8")
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    assert str(info.value).startswith(f"{path}:1:9: invalid YAML")


def test_from_dict_copies_its_input() -> None:
    data = copy.deepcopy(ETL)
    wf = Workflow.from_dict(data)
    data["tasks"].clear()
    assert len(wf.tasks) == 5


def test_from_dict_refuses_a_non_mapping() -> None:
    with pytest.raises(TypeError):
        Workflow.from_dict([1, 2])  # type: ignore[arg-type]


def test_validate_of_a_valid_workflow(wf: Workflow) -> None:
    result = wf.validate()
    assert result == Validation(True, [])
    assert result.valid is True and result.errors == []


def test_validate_reports_errors_only(wf: Workflow) -> None:
    data = copy.deepcopy(ETL)
    data["tasks"][4]["dependencies"] = ["extract", "load", "ghost"]  # FR102 warning + FR004 error
    data["tasks"][1]["operator"] = "docker"  # FR002
    result = Workflow.from_dict(data).validate()
    assert result.valid is False
    assert sorted(f.code for f in result.errors) == ["FR002", "FR004"]
    assert all(f.severity == "error" for f in result.errors)


def test_validate_of_a_cycle(wf: Workflow) -> None:
    data = copy.deepcopy(ETL)
    data["tasks"][0]["dependencies"] = ["report"]
    result = Workflow.from_dict(data).validate()
    assert not result.valid
    assert [f.message for f in result.errors] == [
        "circular dependency: extract -> report -> extract",
        "circular dependency: extract -> transform -> load -> report -> extract",
    ]


def test_topological_order_has_ties_in_file_order(wf: Workflow) -> None:
    assert wf.topological_order() == ["extract", "audit", "transform", "load", "report"]


def test_roots_and_leaves(wf: Workflow) -> None:
    assert wf.root_tasks() == ["extract", "audit"]
    assert wf.leaf_tasks() == ["report"]


def test_stages_follow_the_longest_upstream_path(wf: Workflow) -> None:
    # report depends on extract (stage 0) and load (stage 2): its longest path has 3 edges
    assert wf.stages() == [["extract", "audit"], ["transform"], ["load"], ["report"]]


def test_graph_methods_raise_cycle_error_naming_the_tasks() -> None:
    data = copy.deepcopy(ETL)
    data["tasks"][0]["dependencies"] = ["report"]
    wf = Workflow.from_dict(data)
    for method in (wf.topological_order, wf.stages):
        with pytest.raises(CycleError) as info:
            method()
        cycle = info.value.args[1]
        assert cycle[0] == cycle[-1]
        assert set(cycle) <= {"extract", "transform", "load", "report"}
        assert "circular dependency: " in str(info.value.args[0])


def test_add_task(wf: Workflow) -> None:
    task = wf.add_task({"taskId": "t", "operator": "dummy", "dependencies": ["report"]})
    assert task.task_id == "t" and task.dependencies == ["report"]
    assert wf.leaf_tasks() == ["t"]
    assert wf.stages()[-1] == ["t"]
    assert wf.validate().valid


def test_add_task_refuses_a_duplicate_id(wf: Workflow) -> None:
    with pytest.raises(ValueError, match="already exists"):
        wf.add_task({"taskId": "load", "operator": "dummy"})
    assert len(wf.tasks) == 5


def test_add_task_that_closes_a_cycle_leaves_the_workflow_unchanged() -> None:
    data = copy.deepcopy(ETL)
    data["tasks"][0]["dependencies"] = ["t"]  # extract waits for a task that does not exist yet
    wf = Workflow.from_dict(data)
    before = copy.deepcopy(wf.data)
    with pytest.raises(CycleError):
        wf.add_task({"taskId": "t", "operator": "dummy", "dependencies": ["report"]})
    assert wf.data == before
    assert "t" not in wf.by_id and len(wf.tasks) == 5


def test_set_dependencies(wf: Workflow) -> None:
    wf.set_dependencies("audit", ["extract"])
    assert wf.stages() == [["extract"], ["audit", "transform"], ["load"], ["report"]]
    assert wf.data["tasks"][1]["dependencies"] == ["extract"]


def test_set_dependencies_raising_cycle_error_leaves_the_workflow_unchanged(wf: Workflow) -> None:
    before = copy.deepcopy(wf.data)
    order = wf.topological_order()
    with pytest.raises(CycleError):
        wf.set_dependencies("extract", ["load"])
    assert wf.data == before
    assert wf.topological_order() == order
    assert wf.by_id["extract"].dependencies == []
    with pytest.raises(CycleError):
        wf.set_dependencies("audit", ["audit"])
    assert wf.data == before


def test_set_dependencies_of_unknown_tasks(wf: Workflow) -> None:
    with pytest.raises(KeyError):
        wf.set_dependencies("nope", [])
    with pytest.raises(KeyError):
        wf.set_dependencies("load", ["ghost"])


def test_editing_a_loaded_workflow_drops_stale_positions(tmp_path: Path) -> None:
    path = tmp_path / "etl.yaml"
    path.write_text(ETL_YAML, encoding="utf-8")
    wf = load_workflow(path)
    wf.set_dependencies("report", ["load", "audit"])  # audit is redundant now
    (finding,) = wf.findings()
    assert finding.code == "FR102"
    assert (finding.line, finding.column) == (1, 1)  # no longer a position in the file


def test_lint_paths(tmp_path: Path) -> None:
    (tmp_path / "etl.yaml").write_text(ETL_YAML, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "broken.yml").write_text("dagId: d\ndagId: e\n", encoding="utf-8")
    result = lint_paths(str(tmp_path))
    assert result.files == [str(tmp_path / "etl.yaml"), str(tmp_path / "sub" / "broken.yml")]
    assert [(Path(f.path).name, f.line, f.column, f.code) for f in result.findings] == [
        ("etl.yaml", 15, 20, "FR102"),
        ("broken.yml", 2, 1, "FR001"),
    ]
    assert result.failed("warning") and result.failed("error")
    only_file = lint_paths([str(tmp_path / "etl.yaml")])
    assert [f.code for f in only_file.findings] == ["FR102"]
    assert only_file.failed("warning") and not only_file.failed("error")
