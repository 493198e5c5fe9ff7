"""The example workflows lint clean, plan, and the ones that need no outside service run."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "workflows").glob("*.yaml"))
SELF_CONTAINED = ["daily_sales_report", "branch_full_or_incremental", "validated_import", "ml_training_queues"]


def _flowrun(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runner.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_examples_lint_clean_even_at_info_level() -> None:
    proc = _flowrun("lint", "workflows", "--fail-on", "info", cwd=ROOT)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.startswith("No problems found in")
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_plans(path: Path, tmp_path: Path) -> None:
    proc = _flowrun("run", str(path), "--dry-run", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == []  # a dry run writes nothing


@pytest.mark.parametrize("name", SELF_CONTAINED)
def test_self_contained_examples_run(name: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    proc = _flowrun("run", f"workflows/{name}.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ": success" in proc.stdout.splitlines()[-1]


def test_circuit_breaker_example_falls_back_without_its_server(tmp_path: Path) -> None:
    """Nothing listens on its port: the call fails, the fallback writes the rates all the same,
    and three such runs open the breaker, after which the call is not even tried."""
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    with socket.socket() as probe:  # a free port, closed again: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ("run", "workflows/exchange_rates_circuit_breaker.yaml", "--param", f"port={port}", "--state", "s.db")
    for _ in range(3):
        proc = _flowrun(*args, cwd=tmp_path)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert any(line.split()[:2] == ["use_cached_rates", "success"] for line in proc.stdout.splitlines())
    assert len(list((tmp_path / "out" / "exchange_rates").glob("rates_*.json"))) == 1
    proc = _flowrun(*args, cwd=tmp_path)
    assert "fetch_rates: failed: circuit open: exchange-rates-api (3 consecutive failures" in proc.stdout
    assert (tmp_path / "out" / "alerts" / "rates_breaker_opened.json").is_file()
