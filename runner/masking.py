"""Masking of secret values, as a stream filter applied before anything is written.

Lessons of Airflow's and GitHub's maskers (FACTS.md): mask the stream, holding back the tail
(at most longest variant - 1 characters) that may begin a secret, so a secret split across two
reads is still caught and other text is written at once; mask the
common encodings of each secret (JSON-escaped, URL-quoted, base64 at the three alignments, each
line of a multi-line secret); longest first. Secrets shorter than `MIN_VARIANT_LENGTH` are
masked as they are, without encoded variants (an encoded 2-character string would mask noise).
No masker catches arbitrary transforms (a secret printed reversed or character by character).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_VARIANT_LENGTH = 4  # shorter secrets are masked verbatim only
SHORT_SECRET_WARNING = 4  # a secret shorter than this masks every occurrence of a common string


def variants(secret: str) -> set[str]:
    out = {secret}
    if len(secret) < MIN_VARIANT_LENGTH:
        return out
    out.add(json.dumps(secret)[1:-1])
    out.add(quote(secret, safe=""))
    out.add(quote(secret))  # safe="/": Jinja's `urlencode` filter, most URL builders
    out.add(quote_plus(secret, safe=""))
    raw = secret.encode("utf-8")
    for payload in (raw, raw + b"\n"):
        for shift in range(3):
            encoded = base64.b64encode(b"\0" * shift + payload).decode("ascii").rstrip("=")
            # drop the characters that depend on the unknown prefix and the final partial group
            start = {0: 0, 1: 2, 2: 3}[shift]
            body = encoded[start:]
            usable = len(body) - (len(body) % 4 if (shift + len(payload)) % 3 else 0)
            if usable >= MIN_VARIANT_LENGTH:
                out.add(body[: max(usable, MIN_VARIANT_LENGTH)])
    for line in secret.splitlines():
        if len(line.strip()) >= MIN_VARIANT_LENGTH:
            out.add(line.strip())
    return {v for v in out if v}


class Masker:
    """Replaces every variant of every registered secret with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._variants: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._prefixes: set[str] = set()
        self.short: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not secret:
            return
        if len(secret) < SHORT_SECRET_WARNING:
            self.short.append(secret)
        self._variants |= variants(secret)
        ordered = sorted(self._variants, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        self._prefixes = {v[:i] for v in self._variants for i in range(1, len(v))}

    def unfinished(self, text: str) -> int:
        """Length of the longest tail of `text` that may be the start of a secret (to hold back)."""
        for size in range(min(self.longest - 1, len(text)), 0, -1):
            if text[-size:] in self._prefixes:
                return size
        return 0

    @property
    def longest(self) -> int:
        return max((len(v) for v in self._variants), default=0)

    def __bool__(self) -> bool:
        return self._pattern is not None

    def mask(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        try:
            return self._pattern.sub(MASK, text)
        except Exception:  # never let clear text through on a masking error
            return "[masking failed: content withheld]"

    def mask_value(self, value: object) -> object:
        """Mask every string inside plain data (outputs, events)."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask(str(k)): self.mask_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask_value(v) for v in value]
        return value

    def stream(self) -> StreamMasker:
        return StreamMasker(self)


class StreamMasker:
    """Masks text that arrives in pieces; `feed` returns what is safe to write now."""

    def __init__(self, masker: Masker) -> None:
        self.masker = masker
        self.pending = ""

    def feed(self, chunk: str) -> str:
        if not self.masker:
            return chunk
        text = self.masker.mask(self.pending + chunk)
        hold = self.masker.unfinished(text)  # only a tail that may begin a secret waits
        if hold <= 0:
            self.pending = ""
            return text
        self.pending = text[-hold:]
        return text[:-hold]

    def flush(self) -> str:
        text, self.pending = self.masker.mask(self.pending), ""
        return text
