"""`http`: one request with httpx (on trio through anyio); `expectStatus` (default any 2xx);
output is the body, parsed JSON when the response is JSON, else text.

Redirects (`followRedirects`, default true) are followed here, one hop at a time, not by httpx
(which strips only `Authorization` when a redirect leaves the origin). To another origin
(scheme, host or port; http -> https on the same host with default ports excepted, as requests
and httpx do), every header with a credential-like name (`Authorization`, `Cookie`, `X-Api-Key`,
`PRIVATE-TOKEN`, ...) or whose value holds a secret is not sent, and a body that holds a secret
fails the try instead of being re-sent (307/308). A redirect from https to http fails the try.

The excerpt of a failed response's body in the error is masked before it is cut, so a secret
the server echoes across the cut cannot leave its first part behind.
"""

from __future__ import annotations

import json
import re
from typing import Any

from runner.durations import seconds
from runner.errors import plain
from runner.run.operators.base import MAX_OUTPUT, TaskFailure, TryContext

DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 20  # hops followed (httpx's own default)
SNIPPET = 200  # characters of a failed response's body quoted in the error, after masking
CREDENTIAL_NAME = re.compile(
    r"auth|token|secret|passw|cookie|session|credential|signature|api[-_]?key|access[-_]?key|private|csrf|xsrf",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def _expected(params: dict[str, Any]) -> tuple[set[int] | None, str]:
    expect = params.get("expectStatus")
    if expect is None:
        return None, "2xx"
    codes = {int(expect)} if isinstance(expect, int) else {int(c) for c in expect}
    return codes, " or ".join(str(c) for c in sorted(codes))


def _origin(url: Any) -> tuple[str, str, int | None]:
    scheme = str(url.scheme)
    return scheme, str(url.host), url.port or DEFAULT_PORTS.get(scheme)


def _same_origin(old: Any, new: Any) -> bool:
    """Same scheme, host and port; or an upgrade from http to https on the default ports."""
    was, now = _origin(old), _origin(new)
    return was == now or (was == ("http", now[1], 80) and now == ("https", was[1], 443))


def next_hop(ctx: TryContext, request: Any, response: Any, following: Any, content: bytes) -> Any:
    """The next hop, without what must not go to its origin (TaskFailure when it cannot go);
    `content` is the body `request` sent, re-sent by `following` when the method is kept."""
    if request.url.scheme == "https" and following.url.scheme != "https":
        raise TaskFailure(
            f"{request.method} {request.url} was redirected (HTTP {response.status_code}) to "
            f"'{following.url}': a redirect from https to another scheme is not followed; "
            "use the final https URL, or set followRedirects: false to get the redirect itself"
        )
    ctx.log(f"HTTP {response.status_code}: redirected to {following.method} {following.url}\n")
    if _same_origin(request.url, following.url):
        return following
    headers = [(name.decode("latin-1"), value.decode("utf-8", "replace")) for name, value in request.headers.raw]
    held = sorted({name for name, value in headers if CREDENTIAL_NAME.search(name) or ctx.mask(value) != value},
                  key=str.lower)
    for name in held:
        following.headers.pop(name, None)
    text = content.decode("utf-8", "replace") if following.method == request.method else ""
    if text and ctx.mask(text) != text:
        raise TaskFailure(
            f"{request.method} {request.url} was redirected (HTTP {response.status_code}) to another origin, "
            f"'{following.url}', with its body, which holds a secret: the body is not sent there; "
            "use the final URL"
        )
    if held:
        names = ", ".join(held)
        ctx.log(f"another origin: the headers {names} are not sent there\n")
    return following


async def _read(response: Any) -> bytes:
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > MAX_OUTPUT:
            raise TaskFailure(
                "response body is larger than 1 MiB; have the service write it somewhere and return its location"
            )
    return bytes(body)


class Http:
    async def execute(self, ctx: TryContext) -> Any:
        import httpx

        params = ctx.params
        method = str(params.get("method", "GET")).upper()
        url = str(params["url"])
        timeout = seconds(params.get("timeout", "30s")) or DEFAULT_TIMEOUT
        follow = params.get("followRedirects", True) is not False
        headers = {str(k): str(v) for k, v in (params.get("headers") or {}).items()}
        kwargs: dict[str, Any] = {"headers": headers}
        if "json" in params:
            kwargs["json"] = params["json"]
        elif "body" in params:
            kwargs["content"] = str(params["body"]).encode("utf-8")
        ctx.log(f"{method} {url}\n")
        try:
            async with httpx.AsyncClient(timeout=timeout, follow_redirects=False, trust_env=False) as client:
                request = client.build_request(method, url, **kwargs)
                content = request.content  # (bytes given: already read)
                for _hop in range(MAX_REDIRECTS + 1):
                    response = await client.send(request, stream=True)
                    try:
                        following = response.next_request if follow else None
                        if following is None:
                            body = await _read(response)
                            break
                    finally:
                        await response.aclose()
                    following = next_hop(ctx, request, response, following, content)
                    content = content if following.method == request.method else b""
                    request = following
                else:
                    raise TaskFailure(f"{method} {url}: more than {MAX_REDIRECTS} redirects")
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
            snippet = " ".join(ctx.mask(text).split())[:SNIPPET]  # masked first, cut after
            raise TaskFailure(f"{method} {url} returned HTTP {status}, expected {wanted}: {snippet}", status)
        if "json" in response.headers.get("content-type", ""):
            try:
                return json.loads(text)
            except ValueError:
                return text
        return text
