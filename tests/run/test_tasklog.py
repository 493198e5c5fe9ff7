"""runner/run/tasklog.py: the log file of one try (SPEC section 3: `.flowrun/logs/<dagId>/<runId>/
<taskId>/<try>.log`), created on the first byte, private, bounded, never written through a
symbolic link, and fed through the masking streams of the try's stdout and stderr."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from runner.run.masking import Masker
from runner.run.tasklog import MaskedLog, TryLog


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The logs directory below the state directory (which exists once the store is open)."""
    (tmp_path / ".flowrun").mkdir(mode=0o700)
    return tmp_path / ".flowrun" / "logs"


def log_path(root: Path) -> Path:
    return root / "etl" / "run_1" / "extract" / "1.log"


def test_a_silent_try_creates_no_file(root: Path) -> None:
    with TryLog(log_path(root), root) as log:
        log.write("")
    assert not root.exists() and log.problem is None


def test_the_first_write_creates_a_private_file_and_later_ones_append(root: Path) -> None:
    path = log_path(root)
    with TryLog(path, root) as log:
        log.write("first\n")
        log.write("second\n")
    assert path.read_text() == "first\nsecond\n" and log.size == 13
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for directory in (root, root / "etl", root / "etl" / "run_1", path.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_a_log_over_its_limit_keeps_the_start_and_says_how_much_was_dropped(root: Path) -> None:
    path = log_path(root)
    with TryLog(path, root, limit=10) as log:
        log.write("0123456789abc")
        log.write("more output\n")
        log.write("[flowrun: a note of its own]\n", always=True)
        log.end_of_output()
    text = path.read_text()
    assert text.startswith("0123456789\n[flowrun: this log is limited to ")
    assert "abc" not in text and "more output" not in text
    assert text.endswith("[flowrun: a note of its own]\n[flowrun: 15 more bytes of output were not kept]\n")


def test_the_cut_keeps_whole_characters(root: Path) -> None:
    path = log_path(root)
    with TryLog(path, root, limit=5) as log:
        log.write("ab\u00e9\u00e9\u00e9")  # a, b, then 2 bytes each: the limit falls inside the second é
    assert path.read_bytes().decode("utf-8").startswith("ab\u00e9\n[flowrun:")


def test_a_planted_directory_link_fails_the_log_not_the_runner(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root.mkdir(mode=0o700)
    os.symlink(elsewhere, root / "etl")
    with TryLog(log_path(root), root) as log:
        log.write("secret output\n")  # no exception
        log.write("more\n")
    assert log.problem is not None and log.problem.startswith(f"cannot write its log {log_path(root)}: ")
    assert list(elsewhere.iterdir()) == []


def test_a_link_at_the_log_file_is_replaced_not_written_through(root: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.txt"
    target.write_text("keep me\n")
    path = log_path(root)
    path.parent.mkdir(parents=True, mode=0o700)
    for directory in (root, root / "etl", root / "etl" / "run_1"):
        directory.chmod(0o700)
    os.symlink(target, path)
    with TryLog(path, root) as log:
        log.write("new log\n")
    assert log.problem is None
    assert target.read_text() == "keep me\n"
    assert not path.is_symlink() and path.read_text() == "new log\n"


def test_secrets_are_masked_in_each_stream_even_when_split(root: Path) -> None:
    path = log_path(root)
    with TryLog(path, root) as log:
        streams = MaskedLog(log, Masker(["hunter2"]))
        streams.stderr("error: password hun")
        streams.stdout("progress 50%\n")  # stdout text between the two halves of the secret on stderr
        streams.stderr("ter2 rejected\n")
        streams.stdout("token hunter")
        streams.stdout("2\n")
        streams.flush()
    text = path.read_text()
    assert "hunter2" not in text and "hun" not in text.replace("***", "")
    assert text.count("***") == 2 and "token ***\n" in text and "progress 50%\n" in text
    assert streams.tail.last_line() == "error: password *** rejected"  # the stderr stream alone
