"""`http`: one request with httpx (on trio through anyio); `expectStatus` (default any 2xx);
output is the body, parsed JSON when the response is JSON, else text."""

from __future__ import annotations

import json
from typing import Any

from runner.durations import seconds
from runner.errors import plain
from runner.operators.base import MAX_OUTPUT, TaskFailure, TryContext

DEFAULT_TIMEOUT = 30.0


def _expected(params: dict[str, Any]) -> tuple[set[int] | None, str]:
    expect = params.get("expectStatus")
    if expect is None:
        return None, "2xx"
    codes = {int(expect)} if isinstance(expect, int) else {int(c) for c in expect}
    return codes, " or ".join(str(c) for c in sorted(codes))


class Http:
    async def execute(self, ctx: TryContext) -> Any:
        import httpx

        params = ctx.params
        method = str(params.get("method", "GET")).upper()
        url = str(params["url"])
        timeout = seconds(params.get("timeout", "30s")) or DEFAULT_TIMEOUT
        headers = {str(k): str(v) for k, v in (params.get("headers") or {}).items()}
        kwargs: dict[str, Any] = {"headers": headers}
        if "json" in params:
            kwargs["json"] = params["json"]
        elif "body" in params:
            kwargs["content"] = str(params["body"]).encode("utf-8")
        ctx.log(f"{method} {url}\n")
        try:
            async with (
                httpx.AsyncClient(timeout=timeout, follow_redirects=True, trust_env=False) as client,
                client.stream(method, url, **kwargs) as response,
            ):
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_OUTPUT:
                        raise TaskFailure(
                            "response body is larger than 1 MiB; have the service write it somewhere and return its location"
                        )
        except httpx.TimeoutException:
            raise TaskFailure(f"{method} {url} timed out after {timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise TaskFailure(f"{method} {url} failed: {plain(exc)}") from None
        status = response.status_code
        ctx.log(f"HTTP {status}, {len(body)} bytes\n")
        codes, wanted = _expected(params)
        ok = status in codes if codes is not None else 200 <= status < 300
        text = body.decode(response.encoding or "utf-8", errors="replace")
        if not ok:
            snippet = text[:200].replace("\n", " ")
            raise TaskFailure(f"{method} {url} returned HTTP {status}, expected {wanted}: {snippet}", status)
        if "json" in response.headers.get("content-type", ""):
            try:
                return json.loads(text)
            except ValueError:
                return text
        return text
