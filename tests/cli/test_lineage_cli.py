"""`flowrun lineage RUN_ID|last [--format json|mermaid]`: the datasets of a real run, from its store."""

from __future__ import annotations

import json
from pathlib import Path

from runner_helpers import STATE, dedent, flowrun, write_workflow

WORKFLOW = dedent("""
    dagId: lin_cli
    defaults: {timeout: {execution: 1m}}
    tasks:
      - taskId: extract
        operator: bash
        inlets: ["s3://raw/{{ ds }}.csv"]
        outlets: [{namespace: file, name: /stage/orders.json}]
        params:
          command: |
            echo '{"rows": 2}'
      - taskId: report
        operator: bash
        dependencies: [extract]
        params:
          command: |
            echo '{"n": {{ ti.xcom_pull(task_ids="extract").rows | int }}, "lineage": {"inputs": [{"namespace": "file", "name": "/stage/orders.json"}], "outputs": ["postgres://db/shop.report"]}}'
""")


def _run(tmp_path: Path) -> None:
    write_workflow(tmp_path, WORKFLOW)
    proc = flowrun(tmp_path, "run", "wf.yaml", "--state", STATE, "--execution-date", "2026-03-01")
    assert proc.returncode == 0, proc.stderr


def test_lineage_text_json_and_mermaid(tmp_path: Path) -> None:
    _run(tmp_path)
    text = flowrun(tmp_path, "lineage", "last", "--state", STATE)
    assert text.returncode == 0, text.stderr
    assert "extract\n    reads: s3://raw/2026-03-01.csv\n    writes: /stage/orders.json" in text.stdout
    assert "report\n    reads: /stage/orders.json\n    writes: postgres://db/shop.report" in text.stdout
    assert "uses the output of: extract" in text.stdout
    doc = json.loads(flowrun(tmp_path, "lineage", "last", "--state", STATE, "--format", "json").stdout)
    assert doc["dag_id"] == "lin_cli"
    assert [t["task_id"] for t in doc["tasks"]] == ["extract", "report"]
    assert doc["tasks"][0]["inputs"] == [{"namespace": "s3://raw", "name": "2026-03-01.csv"}]
    assert doc["tasks"][1]["outputs"] == [{"namespace": "postgres://db", "name": "shop.report"}]
    assert doc["tasks"][1]["reads"] == ["extract"]
    same = json.loads(flowrun(tmp_path, "lineage", doc["run_id"], "--state", STATE, "--format", "json").stdout)
    assert same == doc
    mermaid = flowrun(tmp_path, "lineage", "last", "--state", STATE, "--format", "mermaid").stdout
    lines = mermaid.splitlines()
    assert lines[0] == "flowchart LR"
    assert '  d1[("s3://raw/2026-03-01.csv")] --> t0' in lines
    assert "  t0 -.->|xcom| t3" in lines
    # the dataset extract writes is the one report reads: one node
    assert sum('("/stage/orders.json")' in line for line in lines) == 2
    assert len({line.split("[")[0].split()[-1] for line in lines if '("/stage/orders.json")' in line}) == 1


def test_lineage_of_an_unknown_run_and_a_bad_format(tmp_path: Path) -> None:
    _run(tmp_path)
    missing = flowrun(tmp_path, "lineage", "nope", "--state", STATE)
    assert missing.returncode != 0 and "nope" in missing.stderr and "Traceback" not in missing.stderr
    bad = flowrun(tmp_path, "lineage", "last", "--state", STATE, "--format", "dot")
    assert bad.returncode == 2 and "unknown format 'dot'" in bad.stderr


def test_lint_of_the_lineage_keys(tmp_path: Path) -> None:
    write_workflow(tmp_path, dedent("""
        dagId: bad
        openlineage: {namespace: x}
        tasks:
          - taskId: a
            operator: bash
            timeout: {execution: 1m}
            inlet: ["s3://b/p"]
            outlets: [{namespace: "s3://b"}, 3]
            params: {command: echo}
    """))
    proc = flowrun(tmp_path, "lint", "wf.yaml")
    assert proc.returncode == 1
    out = proc.stdout
    assert "wf.yaml:2:1: FR002 [error] unknown key 'openlineage' in the workflow: write 'lineage: {namespace: my-team}'" in out
    assert "wf.yaml:7:5: FR002 [error] unknown key 'inlet' in task 'a': write inlets:" in out
    assert "missing required key 'name' in outlets[0] of task 'a'" in out
    assert "outlets[1]" in out and "Traceback" not in proc.stderr
    good = write_workflow(tmp_path, WORKFLOW, "good.yaml")
    assert flowrun(tmp_path, "lint", str(good)).returncode == 0
