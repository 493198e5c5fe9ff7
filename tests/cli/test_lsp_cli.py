"""`flowrun lsp` without the `lsp` extra: one line saying what to install, exit 2."""

from __future__ import annotations

import subprocess
import sys

WITHOUT_PYGLS = """
import sys
sys.modules["pygls"] = None  # as if not installed: importing it raises ImportError
sys.modules["lsprotocol"] = None
sys.argv = ["flowrun", "lsp"]
from runner.cli import main
main()
"""


def test_without_pygls_says_what_to_install() -> None:
    proc = subprocess.run([sys.executable, "-c", WITHOUT_PYGLS], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["flowrun: the language server needs pygls; install it with: pip install 'flowrun[lsp]'"]
    assert proc.stdout == ""


def test_help_lists_lsp() -> None:
    proc = subprocess.run([sys.executable, "-m", "runner.cli", "lsp", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--debounce" in proc.stdout
