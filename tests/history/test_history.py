"""`flowrun runs` and `flowrun runs show`: run history read back from a real state store.

The runs are real (bash tasks, real processes, a real SQLite file): a task that fails once and
succeeds on its retry (a marker file), a task printing a JSON object (metrics), a task sleeping
past its SLA (an `sla_missed` event), a branch that skips one path and a failing task whose
downstream ends `upstream_failed`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runner.errors import UsageError
from runner.history import query as history
from runner.history import text as history_text
from runner.model import Workflow
from runner.run.session import run_workflow

Cli = Callable[..., subprocess.CompletedProcess[str]]


def demo_workflow(marker: Path, dag_id: str = "demo_pipeline") -> dict[str, Any]:
    return {
        "dagId": dag_id,
        "tasks": [
            {"taskId": "extract", "operator": "bash", "params": {"command": """echo '{"rows": 12, "ms": 3.5}'"""}},
            {
                "taskId": "flaky", "operator": "bash", "dependencies": ["extract"],
                "retryPolicy": {"maxRetries": 1, "retryDelay": "10ms"},
                "params": {"command": f"if [ -f {marker} ]; then echo ok; else touch {marker}; exit 3; fi"},
            },
            {
                "taskId": "slow", "operator": "bash", "dependencies": ["extract"], "timeout": {"sla": "100ms"},
                "params": {"command": "sleep 0.3"},
            },
            {
                "taskId": "pick", "operator": "branch", "dependencies": ["flaky"],
                "params": {"condition": "'a'", "branches": {"a": "path_a", "b": ["path_b"]}},
            },
            {"taskId": "path_a", "operator": "bash", "dependencies": ["pick"], "params": {"command": "echo a"}},
            {"taskId": "path_b", "operator": "bash", "dependencies": ["pick"], "params": {"command": "echo b"}},
            {"taskId": "bad", "operator": "bash", "dependencies": ["slow"], "params": {"command": "exit 1"}},
            {"taskId": "after_bad", "operator": "bash", "dependencies": ["bad"], "params": {"command": "echo x"}},
        ],
    }


TASK_ORDER = ["extract", "flaky", "slow", "pick", "path_a", "path_b", "bad", "after_bad"]


@dataclass
class Demo:
    state: Path
    run_id: str
    other_run_id: str  # a later run of another dag (newest)


def make_demo(directory: Path) -> Demo:
    state = directory / "s.db"
    result = run_workflow(Workflow.from_dict(demo_workflow(directory / "marker")), state=str(state),
                          cwd=str(directory))
    assert result.state == "failed", result
    other = run_workflow(Workflow.from_dict({"dagId": "tiny", "tasks": [
        {"taskId": "only", "operator": "bash", "params": {"command": "echo hi"}}]}), state=str(state),
        cwd=str(directory))
    assert other.state == "success"
    return Demo(state, result.run_id, other.run_id)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return make_demo(tmp_path_factory.mktemp("history"))


def _json(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# -- flowrun runs ---------------------------------------------------------------------------------


def test_runs_json_lists_newest_first(run_cli: Cli, demo: Demo) -> None:
    runs = _json(run_cli("runs", "--state", str(demo.state), "--format", "json"))
    assert [r["run_id"] for r in runs] == [demo.other_run_id, demo.run_id]
    first = runs[1]
    assert set(first) == {"run_id", "dag_id", "logical_date", "state", "live", "started_at", "ended_at", "duration"}
    assert first["dag_id"] == "demo_pipeline"
    assert first["state"] == "failed"
    assert first["live"] is False
    assert 0.3 <= first["duration"] < 30
    assert first["started_at"].endswith("Z") and first["logical_date"].startswith("20")


def test_runs_filters_by_dag_and_limits(run_cli: Cli, demo: Demo) -> None:
    only = _json(run_cli("runs", "--dag", "demo_pipeline", "--state", str(demo.state), "--format", "json"))
    assert [r["run_id"] for r in only] == [demo.run_id]
    limited = _json(run_cli("runs", "--limit", "1", "--state", str(demo.state), "--format", "json"))
    assert [r["run_id"] for r in limited] == [demo.other_run_id]
    assert _json(run_cli("runs", "--dag", "nope", "--state", str(demo.state), "--format", "json")) == []


def test_runs_text_table(run_cli: Cli, demo: Demo) -> None:
    proc = run_cli("runs", "--state", str(demo.state))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["RUN", "ID", "DAG", "LOGICAL", "DATE", "STATE", "STARTED", "(UTC)", "DURATION"]
    assert lines[1].startswith(demo.other_run_id) and " tiny " in lines[1] and " success " in lines[1]
    assert lines[2].startswith(demo.run_id) and " demo_pipeline " in lines[2] and " failed " in lines[2]
    assert lines[2].rstrip().endswith("ms")  # the duration (~0.3 s)


def test_runs_reads_flowrun_state_and_never_creates_a_store(run_cli: Cli, demo: Demo, tmp_path: Path) -> None:
    from conftest import cli_env

    proc = run_cli("runs", "--format", "json", env=cli_env(FLOWRUN_STATE=str(demo.state)))
    assert len(_json(proc)) == 2
    missing = tmp_path / "none" / "state.db"
    proc = run_cli("runs", "--state", str(missing))
    assert proc.returncode == 0
    assert proc.stdout == f"no runs in {missing}\n"
    assert _json(run_cli("runs", "--state", str(missing), "--format", "json")) == []
    assert not missing.exists() and not missing.parent.exists()


def test_runs_bad_options_exit_2(run_cli: Cli, demo: Demo) -> None:
    for args in (["--format", "xml"], ["--limit", "0"], ["show", demo.run_id, "--format", "yaml"]):
        proc = run_cli("runs", "--state", str(demo.state), *args)
        assert proc.returncode == 2, args
        assert "Traceback" not in proc.stderr


# -- flowrun runs show ----------------------------------------------------------------------------


def test_show_json_structure(run_cli: Cli, demo: Demo) -> None:
    doc = _json(run_cli("runs", "show", demo.run_id, "--state", str(demo.state), "--format", "json"))
    assert set(doc) == {"run", "tasks", "tries", "events", "metrics"}
    assert doc["run"]["run_id"] == demo.run_id and doc["run"]["state"] == "failed"
    tasks = {t["task_id"]: t for t in doc["tasks"]}
    assert [t["task_id"] for t in doc["tasks"]] == TASK_ORDER
    assert set(doc["tasks"][0]) == {"task_id", "state", "tries", "started_at", "ended_at", "duration",
                                    "exit_code", "error", "sla_missed", "short_circuited"}
    assert {k: t["state"] for k, t in tasks.items()} == {
        "extract": "success", "flaky": "success", "slow": "success", "pick": "success", "path_a": "success",
        "path_b": "skipped", "bad": "failed", "after_bad": "upstream_failed",
    }
    assert tasks["flaky"]["tries"] == 2 and tasks["flaky"]["exit_code"] == 0
    assert tasks["bad"]["exit_code"] == 1 and "status 1" in tasks["bad"]["error"]
    assert tasks["slow"]["sla_missed"] is True and tasks["extract"]["sla_missed"] is False
    assert tasks["slow"]["duration"] >= 0.3
    assert tasks["path_b"]["tries"] == 0 and tasks["path_b"]["duration"] is None

    flaky = [t for t in doc["tries"] if t["task_id"] == "flaky"]
    assert [(t["try_number"], t["state"], t["exit_code"]) for t in flaky] == [(1, "up_for_retry", 3), (2, "success", 0)]
    assert "status 3" in flaky[0]["error"] and flaky[1]["error"] is None
    assert flaky[0]["ended_at"] <= flaky[1]["started_at"]  # ISO strings in UTC compare as times
    assert set(flaky[0]) == {"task_id", "try_number", "state", "started_at", "ended_at", "duration", "exit_code",
                             "error", "log_path"}
    assert flaky[0]["log_path"].endswith("/flaky/1.log")
    assert len(doc["tries"]) == 7  # every task that ran once, flaky twice

    assert doc["metrics"] == [
        {"task_id": "extract", "try_number": 1, "name": "rows", "value": 12},
        {"task_id": "extract", "try_number": 1, "name": "ms", "value": 3.5},
    ]
    kinds = [(e["kind"], e["task_id"]) for e in doc["events"]]
    assert ("task_retry", "flaky") in kinds
    assert ("sla_missed", "slow") in kinds
    assert ("task_failed", "bad") in kinds
    assert kinds[-1] == ("run_failed", None)
    sla = next(e for e in doc["events"] if e["kind"] == "sla_missed")
    assert sla["payload"]["sla"] == pytest.approx(0.1)


def test_show_text(run_cli: Cli, demo: Demo) -> None:
    proc = run_cli("runs", "show", demo.run_id, "--state", str(demo.state))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f"run {demo.run_id} of 'demo_pipeline': failed\n")
    sections = [line for line in out.splitlines() if line and not line.startswith(" ")][1:]
    assert sections == ["tasks", "tries", "metrics", "events"]
    rows = {line.split()[0]: line.split() for line in out.split("\ntries\n")[0].splitlines()[8:]}
    assert rows["flaky"][1:3] == ["success", "2"]
    assert rows["slow"][1:4] == ["success", "(sla", "missed)"]
    assert rows["after_bad"][1:3] == ["upstream_failed", "0"]
    assert "the command exited with status 1" in out
    tries = out.split("\ntries\n")[1].split("\nmetrics\n")[0]
    assert [line.split()[:3] for line in tries.splitlines() if " flaky " in line] == [
        ["flaky", "#1", "up_for_retry"], ["flaky", "#2", "success"]]
    metrics = out.split("\nmetrics\n")[1].split("\nevents\n")[0].splitlines()
    assert [line.split() for line in metrics[1:]] == [["extract", "#1", "rows", "12"], ["extract", "#1", "ms", "3.5"]]
    assert any("sla_missed" in line and "slow" in line and "sla=100ms" in line for line in out.splitlines())


def test_show_state_before_the_subcommand_and_last(run_cli: Cli, demo: Demo) -> None:
    doc = _json(run_cli("runs", "--state", str(demo.state), "show", "last", "--format", "json"))
    assert doc["run"]["run_id"] == demo.other_run_id
    assert doc["metrics"] == [] and [t["task_id"] for t in doc["tasks"]] == ["only"]


def test_show_unknown_run_id_is_one_line_exit_2(run_cli: Cli, demo: Demo, tmp_path: Path) -> None:
    proc = run_cli("runs", "show", "manual__nope", "--state", str(demo.state))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "manual__nope" in proc.stderr
    missing = tmp_path / "absent.db"
    proc = run_cli("runs", "show", "x", "--state", str(missing))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert not missing.exists()


def test_library_raises_usage_error(demo: Demo) -> None:
    with pytest.raises(UsageError, match="no run 'zzz'"):
        history.load_run("zzz", str(demo.state))
    detail = history.load_run(demo.run_id, str(demo.state))
    assert [t.task_id for t in detail.tasks] == TASK_ORDER
    assert detail.run.shown_state == "failed"
    assert history.list_runs(str(demo.state), limit=5)[0].run_id == demo.other_run_id


def test_interrupted_run_is_shown_as_such(tmp_path: Path) -> None:
    """A run whose runner died (state running, pid gone) is not live: shown `interrupted`."""
    import sqlite3

    result = run_workflow(Workflow.from_dict({"dagId": "d", "tasks": [
        {"taskId": "t", "operator": "bash", "params": {"command": "true"}}]}), state=str(tmp_path / "s.db"),
        cwd=str(tmp_path))
    db = sqlite3.connect(tmp_path / "s.db")
    db.execute("UPDATE runs SET state='running', ended_at=NULL, pid=999999999 WHERE run_id=?", (result.run_id,))
    db.commit()
    db.close()
    [run] = history.list_runs(str(tmp_path / "s.db"))
    assert (run.state, run.live, run.shown_state) == ("running", False, "interrupted")
    assert history_text.run_json(run)["duration"] is None


def test_history_commands_do_not_import_the_runner(tmp_path: Path, demo: Demo) -> None:
    """`flowrun runs` must start fast: no trio, no engine."""
    for args in (["runs", "--state", str(demo.state)], ["runs", "show", demo.run_id, "--state", str(demo.state)]):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "runner.cli", *args],
                              capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert proc.returncode == 0, proc.stderr[-2000:]
        modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                   if line.startswith("import time:") and "|" in line}
        assert "runner.history.query" in modules
        for heavy in ("trio", "httpx", "runner.run.engine", "runner.run.session", "runner.run.operators"):
            assert heavy not in modules, f"flowrun {args[0]} imported {heavy}"
