"""`flowrun runs report RUN_ID -o FILE.html`: one self-contained HTML file per run.

Checked on a real run (see test_history.make_demo): self-contained (no external reference at
all), one Gantt bar per try, SLA and never-ran markers, metrics, escaped errors, and rendered by
headless Chromium into a screenshot whose pixels show the chart's state colours.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from test_history import Demo, make_demo

from runner.history import query as history
from runner.history import text as history_text
from runner.history.report import COLORS, render_report
from runner.model import Workflow
from runner.run.session import run_workflow

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return make_demo(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def page(demo: Demo) -> str:
    return render_report(history.load_run(demo.run_id, str(demo.state)))


def test_cli_writes_the_report(run_cli: Cli, demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    proc = run_cli("runs", "report", demo.run_id, "-o", str(out), "--state", str(demo.state))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"wrote {out}\n"
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert demo.run_id in html
    # default name, and '-' for stdout
    proc = run_cli("runs", "report", "last", "--state", str(demo.state))
    assert proc.returncode == 0 and (tmp_path / f"{demo.other_run_id}.html").is_file()
    proc = run_cli("runs", "report", demo.run_id, "-o", "-", "--state", str(demo.state))
    assert proc.returncode == 0 and proc.stdout.startswith("<!DOCTYPE html>")


def test_unknown_run_id_writes_nothing(run_cli: Cli, demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    proc = run_cli("runs", "report", "nope", "-o", str(out), "--state", str(demo.state))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "'nope'" in proc.stderr
    assert not out.exists()


def test_self_contained(page: str) -> None:
    assert not re.search(r"""\b(?:src|href|xlink:href)\s*=""", page, re.IGNORECASE)
    assert not re.search(r"https?://", page)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "@import" not in page and "url(" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_one_bar_per_try(page: str, demo: Demo) -> None:
    bars = re.findall(r'<g class="try" data-task="([^"]+)" data-try="(\d+)" data-state="([^"]+)">', page)
    assert len(bars) == 7
    assert [(t, n, s) for t, n, s in bars if t == "flaky"] == [("flaky", "1", "up_for_retry"), ("flaky", "2", "success")]
    assert ("bad", "1", "failed") in bars
    assert f'fill="{COLORS["up_for_retry"]}"' in page and f'fill="{COLORS["failed"]}"' in page
    never = re.findall(r'<g class="never-ran" data-task="([^"]+)" data-state="([^"]+)">', page)
    assert never == [("path_b", "skipped"), ("after_bad", "upstream_failed")]
    assert page.count('<g class="sla-flag">') == 1
    assert "slow: SLA missed" in page


def test_tables(page: str) -> None:
    tasks = page.split("<h2>Tasks</h2>")[1].split("</table>")[0]
    assert tasks.count("<tr>") == 1 + 8  # header + one row per task
    assert "SLA missed" in tasks and "the command exited with status 1" in tasks
    metrics = page.split("<h2>Metrics</h2>")[1].split("</section>")[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", metrics)
    assert cells == ["extract", "#1", "rows", "12", "extract", "#1", "ms", "3.5"]
    events = page.split("<h2>Events</h2>")[1].split("</section>")[0]
    assert "sla_missed" in events and "task_retry" in events


def test_task_errors_are_escaped(tmp_path: Path) -> None:
    """A branch condition that yields markup: the task error holds it, the page shows it as text."""
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    result = run_workflow(Workflow.from_dict({
        "dagId": "evil",
        "params": {"pick": {"type": "string", "default": evil}},
        "tasks": [
            {"taskId": "choose", "operator": "branch",
             "params": {"condition": "params.pick", "branches": {"a": "after"}}},
            {"taskId": "after", "operator": "bash", "dependencies": ["choose"], "params": {"command": "true"}},
        ],
    }), state=str(tmp_path / "s.db"), cwd=str(tmp_path))
    assert result.tasks["choose"].state == "failed"
    assert evil in (result.tasks["choose"].error or "")
    page = render_report(history.load_run(result.run_id, str(tmp_path / "s.db")))
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&quot;pick&quot;: &quot;&lt;script&gt;" in page  # the run's params are escaped too


def test_running_run_draws_open_bars(tmp_path: Path) -> None:
    """A live run: the running try's bar reaches 'now', pending tasks are listed."""
    import time

    from runner.run.store import Store

    store = Store(tmp_path / "s.db")
    store.create_run("r1", "d", "wf.yaml", "h", {}, {}, "2026-01-01T00:00:00+00:00", ["a", "b"])
    store.start_try("r1", "a", 1, "/tmp/a.log")
    store.close()
    detail = history.load_run("r1", str(tmp_path / "s.db"))
    assert detail.run.live and detail.run.shown_state == "running"
    page = render_report(detail, now=time.time() + 5)
    assert re.findall(r'<g class="try" data-task="a" data-try="1" data-state="running">', page)
    assert ">pending</text>" in page
    assert "running" in history_text.show_text(detail)


# -- rendering with headless Chromium ---------------------------------------------------------------


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _png_pixels(data: bytes) -> tuple[int, int, set[tuple[int, int, int]]]:
    """Width, height and the set of RGB colours of an 8-bit RGB(A) non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = depth = color_type = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color_type = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert depth == 8 and color_type in (2, 6), (depth, color_type)
    bpp = 4 if color_type == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours: set[tuple[int, int, int]] = set()
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        if y % 2 == 0:  # every other row is plenty to find the bars
            colours.update(zip(line[0::bpp], line[1::bpp], line[2::bpp], strict=True))
        prev = line
    return width, height, colours


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def test_chromium_renders_the_report(page: str, tmp_path: Path) -> None:
    """Headless Chromium renders the page offline; the screenshot shows the bars' colours.

    Skipped on a machine without Chromium, except in CI (CI=true), where it must run: .ci/run
    installs Debian's chromium.
    """
    binary = _chromium()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed")
    report = tmp_path / "report.html"
    report.write_text(page, encoding="utf-8")
    png = tmp_path / "report.png"
    proc = subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
         "--window-size=1400,900", "--hide-scrollbars", report.as_uri()],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert png.is_file(), proc.stderr[-3000:]
    data = png.read_bytes()
    assert len(data) > 30_000  # a blank or error page compresses to a few KB
    width, height, colours = _png_pixels(data)
    assert (width, height) == (1400, 900)
    assert len(colours) > 50  # text anti-aliasing alone gives hundreds
    for state in ("success", "failed", "up_for_retry"):
        assert _rgb(COLORS[state]) in colours, f"no {state} bar in the screenshot"
