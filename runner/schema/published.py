"""Where the workflow schema is published, for editors (yaml-language-server, VS Code, SchemaStore).

`schemas/workflow.schema.json` has the stable `$id` SCHEMA_ID, and always holds the newest format.
Each format version is also kept as `schemas/v<N>/workflow.schema.json` (its `$id` the versioned
URL, otherwise the same bytes as the newest while N is current; frozen once a v<N+1> exists), so a
file that names `v1` keeps meaning what it meant when it was written. A flowrun reads the format
SCHEMA_VERSION: its modeline names that version's URL.

A release whose format is not read the same way by the previous flowrun (a key removed or
renamed, a value newly refused) makes v<N+1>: bump SCHEMA_VERSION, copy the newest schema to
`schemas/v<N+1>/` with that `$id`, add v<N>'s sha256 to FROZEN in
tests/schema/test_schema_editors.py, give the examples the new modeline, publish `schemas/` under
BASE_URL and add the version to the SchemaStore entry. A new optional key is no new version.
"""

from __future__ import annotations

SCHEMA_VERSION = 1
BASE_URL = "https://flowrun.dev/schemas/"
SCHEMA_ID = BASE_URL + "workflow.schema.json"


def versioned_url(version: int = SCHEMA_VERSION) -> str:
    """The URL of format `version` of the schema, e.g. https://flowrun.dev/schemas/v1/workflow.schema.json."""
    return f"{BASE_URL}v{version}/workflow.schema.json"


def modeline(version: int = SCHEMA_VERSION) -> str:
    """The comment that tells yaml-language-server (VS Code's YAML extension, Neovim, Helix...) which
    schema a workflow file follows, without any editor setting."""
    return f"# yaml-language-server: $schema={versioned_url(version)}"
