"""## What it does
Reports an `http` task that sends credentials (an `Authorization`, API-key, token or cookie
header, `user:password@` in the URL, or `var.secret` anywhere in the request) to a plain
`http://` URL that is not loopback (`127.0.0.0/8`, `localhost`, `[::1]`).

## Why is this bad?
Without TLS anyone on the network path can read the credential and replay it.

## Example
```yaml
dagId: etl
tasks:
  - taskId: call
    operator: http
    retryPolicy: {maxRetries: 2, retryDelay: 10s}
    params:
      url: http://api.example.com/v1/items
      headers: {Authorization: "Bearer {{ var.secret.api_token }}"}
```

## Use instead
```yaml
dagId: etl
tasks:
  - taskId: call
    operator: http
    retryPolicy: {maxRetries: 2, retryDelay: 10s}
    params:
      url: https://api.example.com/v1/items
      headers: {Authorization: "Bearer {{ var.secret.api_token }}"}
```
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from runner.findings import Finding
from runner.model import Workflow

CODE = "FR304"
NAME = "insecure-transport"
SEVERITY = "warning"
FIXABLE = False

CREDENTIAL_HEADER = re.compile(r"authorization|api[-_]?key|token|cookie|secret|password", re.IGNORECASE)


def is_loopback(host: str) -> bool:
    host = host.lower().strip("[]")
    return host in ("localhost", "::1") or host.endswith(".localhost") or host.startswith("127.")


def _credentials(params: dict[str, object]) -> str | None:
    url = str(params.get("url", ""))
    if urlsplit(url).password:
        return "a password in the URL"
    headers = params.get("headers")
    if isinstance(headers, dict):
        for name in headers:
            if CREDENTIAL_HEADER.search(str(name)):
                return f"the '{name}' header"
    if "var.secret" in json.dumps(params, default=str):
        return "a secret"
    return None


def check(workflow: Workflow) -> Iterator[Finding]:
    for task in workflow.tasks:
        url = task.params.get("url")
        if task.operator != "http" or not isinstance(url, str) or not url.lower().startswith("http://"):
            continue
        hostport = url.split("//", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]  # after any user:password@
        host = urlsplit("http://" + hostport).hostname or ""
        if "{{" in hostport or "{%" in hostport or is_loopback(host):
            continue  # a templated host cannot be judged; loopback never leaves the machine
        what = _credentials(task.params)
        if what:
            yield workflow.finding(
                CODE, f"task '{task.task_id}' sends {what} over plain http:// to {host}; use https://",
                (*task.path, "params", "url"),
            )
