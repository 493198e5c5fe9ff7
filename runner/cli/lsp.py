"""`flowrun lsp`: the language server over stdio (the `lsp` extra: pygls and lsprotocol).

Imported by `flowrun --help` like every command, so light: pygls is imported only when the
command runs.
"""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer


def lsp(
    debounce: Annotated[Optional[int], typer.Option("--debounce", min=0, metavar="MS",  # noqa: UP045
                                                     help="Milliseconds to wait after a change before linting (default 150).")] = None,
) -> int:
    """Run the language server over stdio (diagnostics, quick fixes, hover, go to definition)."""
    try:
        from runner.lsp.server import DEBOUNCE, serve
    except ImportError as exc:
        if exc.name is None or exc.name.split(".")[0] not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        print("flowrun: the language server needs pygls; install it with: pip install 'flowrun[lsp]'", file=sys.stderr)
        return 2
    serve(DEBOUNCE if debounce is None else debounce / 1000)
    return 0
