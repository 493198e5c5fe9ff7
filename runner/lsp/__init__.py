"""`flowrun lsp`: the linter as a language server over stdio (pygls, the `lsp` extra).

`text` converts positions between the linter (1-based lines, code points) and the editor (the
negotiated encoding); `analysis` lints one document; `features` answers the editor's requests
from an analysis; `server` wires them to pygls, debounced, linting in one worker thread. Only
`server` (and `features`, for the protocol's types) import pygls or lsprotocol.
"""
