"""Masking of secret values, as a stream filter applied before anything is written.

Lessons of Airflow's and GitHub's maskers (FACTS.md): mask the stream, holding back the tail
that may begin a secret, so a secret split across two reads is still caught and other text is
written at once; mask the common encodings of each secret (JSON-escaped, Python repr, URL-quoted,
each line of a multi-line secret, base64). Secrets shorter than `MIN_VARIANT_LENGTH` are masked as
they are, without encoded variants (an encoded 2-character string would mask noise). No masker
catches arbitrary transforms (a secret printed reversed or character by character).

Base64: the characters that encode only the secret's own bits depend on where the secret starts
in the encoded stream (three alignments), and the characters at both edges mix in the bits of
what comes before and after it. The masker registers the inner part ("core") for each alignment
and, where one is found, masks the whole run of base64 characters around it, so no edge is left.
Base64 wrapped over lines (`base64` without `-w0`, 76 columns) splits a long core: a line that
holds 23 or more of a core's characters holds one of its 12-character blocks, and is masked whole.
(Fewer: the first or last line of a wrapped encoding may show up to 22 characters, ~16 bytes.)

Cost (issue 12 item 5): registering a secret is linear in its length (its forms only, no
prefix tables); masking is one C-speed `str.find` pass per form over the text, and the held-back
tail is found with anchored `find`s, not by trying every tail length. Every character covered by
any occurrence of any form is masked (overlaps included); `***` replaces each masked stretch.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_VARIANT_LENGTH = 4  # shorter secrets are masked verbatim only
SHORT_SECRET_WARNING = 4  # a secret shorter than this masks every occurrence of a common string
B64_BODY = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"  # standard and URL-safe
B64_CHARS = B64_BODY + "="  # `=` only ends a token (padding): a run is widened over it to the right only
B64_SET = frozenset(B64_BODY)
ANCHOR = 8  # characters of a form searched for when looking for a held-back tail
BLOCK = 12  # base64 characters of a block of a long core: 72 bits, never met by chance
WRAPPED = 2 * BLOCK - 1  # a run holding this many characters of a core holds one of its blocks
LONG_RUN = re.compile(f"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{{{WRAPPED},}}")  # (text that is not ASCII)
RUN_BYTES = bytes(ord("a") if chr(i) in B64_BODY else ord(" ") for i in range(256))  # ASCII text, mapped
RUN_NEEDLE = b"a" * WRAPPED
PIECE = 255  # characters of a run looked up at a time (their slices are made once per length)
WINDOW = 4096  # characters examined at a time when a base64 run is extended


def _base64_cores(raw: bytes) -> set[str]:
    """The characters of the base64 encoding of `raw` that depend on `raw` alone, at each of the
    three alignments, in the standard and the URL-safe alphabet."""
    out: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii").rstrip("=")
        start = (0, 2, 3)[shift]  # before: characters that hold bits of what precedes the secret
        end = len(encoded) - (1 if (shift + len(raw)) % 3 else 0)  # the last one mixes in what follows
        core = encoded[start:end]
        if len(core) >= MIN_VARIANT_LENGTH:
            out.add(core)
            out.add(core.replace("+", "-").replace("/", "_"))
    return out


def forms(secret: str) -> tuple[set[str], set[str]]:
    """(literal forms, base64 cores) of a secret."""
    literal = {secret}
    if len(secret) < MIN_VARIANT_LENGTH:
        return literal, set()
    literal.add(json.dumps(secret)[1:-1])
    literal.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    literal.add(repr(secret)[1:-1])  # exception messages quote values with repr
    literal.add(quote(secret, safe=""))
    literal.add(quote(secret))  # safe="/": Jinja's `urlencode` filter, most URL builders
    literal.add(quote_plus(secret, safe=""))
    lines = secret.splitlines()
    for line in lines:
        if len(line.strip()) >= MIN_VARIANT_LENGTH:
            literal.add(line.strip())
    if len(lines) > 1:  # flattened to one line: newlines as spaces, or every whitespace run as one
        literal.add(secret.replace("\n", " "))
        literal.add(secret.replace("\r", " ").replace("\n", " "))
        literal.add(" ".join(secret.split()))
    cores = _base64_cores(secret.encode("utf-8", "surrogatepass"))
    return {v for v in literal if v}, cores - literal


def variants(secret: str) -> set[str]:
    """Every string searched for on behalf of `secret`."""
    literal, cores = forms(secret)
    return literal | cores


class Masker:
    """Replaces every form of every registered secret with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: dict[str, bool] = {}  # form -> is a base64 core
        self._blocks: set[str] = set()  # every BLOCK-th slice of the long cores (wrapped base64)
        self.short: list[str] = []
        self.longest = 0
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not secret:
            return
        if len(secret) < SHORT_SECRET_WARNING:
            self.short.append(secret)
        literal, cores = forms(secret)
        for form in literal:
            self._forms[form] = False
        for form in cores:
            self._forms.setdefault(form, True)
            self._blocks.update(form[i:i + BLOCK] for i in range(0, len(form) - BLOCK + 1, BLOCK)
                                if len(form) >= WRAPPED)
        self.longest = max(self.longest, *(len(f) for f in literal | cores))

    def __bool__(self) -> bool:
        return bool(self._forms)

    # -- finding --------------------------------------------------------------------------------

    def _occurrences(self, text: str) -> list[tuple[int, int, bool]]:
        """(start, end, is a base64 core) of the occurrences of every form, overlaps joined.

        Occurrences of one form are found left to right; after one, the last occurrence that
        overlaps it (`abcab` occurs at 0 and 3 in `abcabcab`) is looked for in the next 2m - 2
        characters, so the union is covered with O(1) searches per m characters covered."""
        spans: list[tuple[int, int, bool]] = []
        for form, is_b64 in self._forms.items():
            m = len(form)
            at = text.find(form)
            while at != -1:
                first, end = at, at + m
                while True:  # overlapping occurrences: jump to the last one that overlaps
                    later = text.rfind(form, at + 1, end + m - 1)
                    if later == -1:
                        break
                    at, end = later, later + m
                spans.append((first, end, is_b64))
                at = text.find(form, end)
        return spans

    def _held(self, text: str) -> int:
        """Where the longest tail of `text` that is a proper prefix of a form begins (len(text) if none)."""
        n = len(text)
        best = n
        for form in self._forms:
            m = len(form)
            start = max(0, n - m + 1)
            if start >= best:
                continue
            anchor = form[:ANCHOR]
            k = len(anchor)
            at = text.find(anchor, start) if k < m else -1
            while at != -1 and at < best:
                if form.startswith(text[at:]):
                    best = at
                    break
                at = text.find(anchor, at + 1)
            for at in range(max(start, n - k + 1), min(best, n)):
                if form.startswith(text[at:]):
                    best = at
                    break
        return best

    def _cover(self, text: str, lead: bool) -> tuple[list[tuple[int, int]], list[tuple[int, int]],
                                                     list[tuple[int, int]]]:
        """(merged masked stretches, literal occurrences, base64 runs). A base64 core is widened to
        its whole run of base64 characters; with `lead`, the text continues a masked run, so its
        leading run of base64 characters is masked too."""
        stretches: list[tuple[int, int]] = []
        literal: list[tuple[int, int]] = []
        runs: list[tuple[int, int]] = []
        for start, end, is_b64 in self._occurrences(text):
            if is_b64:
                runs.append((_run_start(text, start), _run_end(text, end)))
            else:
                literal.append((start, end))
        if lead:
            runs.append((0, _run_end(text, 0)))
        if self._blocks:
            runs.extend(self._wrapped(text))
        stretches = sorted(s for s in literal + runs if s[0] < s[1])
        merged: list[tuple[int, int]] = []
        for start, end in stretches:
            if merged and start < merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        return merged, literal, runs

    def _wrapped(self, text: str) -> list[tuple[int, int]]:
        """Runs of base64 characters that hold a block of a long core: the lines of base64 wrapped
        at 76 columns (`base64` without `-w0`), where no line holds a whole core. Any WRAPPED
        characters of a core hold one of its blocks, so a line holding that many is found. One
        set lookup per character of a run of WRAPPED or more base64 characters (a C-speed scan
        finds those): plain text costs nothing more."""
        blocks, found = self._blocks, []
        for start, end in _long_runs(text):
            for low in range(start, end - BLOCK + 1, PIECE - BLOCK + 1):
                piece = text[low:min(end, low + PIECE)]
                if not blocks.isdisjoint(map(piece.__getitem__, _slices(len(piece)))):
                    found.append((start, _run_end(text, end)))
                    break
        return found

    # -- masking --------------------------------------------------------------------------------

    def mask(self, text: str) -> str:
        if not self._forms or not text:
            return text
        try:
            merged, _, _ = self._cover(text, False)
            return _render(text, merged, len(text), False)
        except Exception:  # never let clear text through on a masking error
            return "[masking failed: content withheld]"

    def mask_value(self, value: object) -> object:
        """Mask every string inside plain data (outputs, events); a number that shows a secret
        (`{"pin": 12345678}`) becomes the masked string."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask(str(k)): self.mask_value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask_value(v) for v in value]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shown = str(value)
            masked = self.mask(shown)
            return value if masked == shown else masked
        return value

    def stream(self) -> StreamMasker:
        return StreamMasker(self)


def _long_runs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every run of WRAPPED or more base64 characters (`=` aside). ASCII text is
    mapped to `a` (base64) and ` ` (the rest) by bytes.translate and searched with bytes.find."""
    if not text.isascii():
        for run in LONG_RUN.finditer(text):
            yield run.span()
        return
    mapped = text.encode("ascii").translate(RUN_BYTES)
    at = mapped.find(RUN_NEEDLE)
    while at != -1:
        end = mapped.find(b" ", at + WRAPPED)
        end = len(mapped) if end == -1 else end
        yield at, end
        at = mapped.find(RUN_NEEDLE, end)


@lru_cache(maxsize=PIECE + 1)
def _slices(length: int) -> list[slice]:
    return [slice(i, i + BLOCK) for i in range(length - BLOCK + 1)]


def _run_start(text: str, at: int) -> int:
    """Start of the run of base64 characters that ends at `at`."""
    while at > 0:
        window = text[max(0, at - WINDOW):at]
        kept = window.rstrip(B64_BODY)
        if kept:
            return at - (len(window) - len(kept))
        at -= len(window)
    return 0


def _run_end(text: str, at: int) -> int:
    """End of the run of base64 characters that starts at `at`."""
    n = len(text)
    while at < n:
        window = text[at:at + WINDOW]
        kept = window.lstrip(B64_CHARS)
        if kept:
            return at + len(window) - len(kept)
        at += len(window)
    return n


def _render(text: str, merged: list[tuple[int, int]], cut: int, lead: bool) -> str:
    """text[:cut] with each stretch replaced by MASK (a stretch at 0 that continues a run
    already shown as MASK by nothing)."""
    parts: list[str] = []
    pos = 0
    for start, end in merged:
        if start >= cut:
            break
        parts.append(text[pos:start])
        parts.append("" if lead and start == 0 else MASK)
        pos = min(end, cut)
    parts.append(text[pos:cut])
    return "".join(parts)


class StreamMasker:
    """Masks text that arrives in pieces; `feed` returns what is safe to write now.

    Held back (raw, in memory only): the longest tail that may begin a form; the base64
    character just before it when it ends a run of two or more (the one character before a
    core that mixes bits of the secret with what precedes it: a run of one cannot be that);
    and from the start of any occurrence that reaches into that tail. When what is written ends
    inside a masked base64 run, the run's continuation in the next piece is masked as well.
    """

    def __init__(self, masker: Masker) -> None:
        self.masker = masker
        self.pending = ""
        self.in_run = False  # what was written ends inside a masked base64 run

    def feed(self, chunk: str) -> str:
        if not self.masker:
            return chunk
        text = self.pending + chunk
        if not text:
            return ""
        try:
            return self._emit(text, final=False)
        except Exception:  # never let clear text through on a masking error
            self.pending, self.in_run = "", False
            return "[masking failed: content withheld]"

    def flush(self) -> str:
        text, self.pending = self.pending, ""
        if not text or not self.masker:
            self.in_run = False
            return text
        try:
            return self._emit(text, final=True)
        except Exception:
            return "[masking failed: content withheld]"
        finally:
            self.in_run = False

    def _emit(self, text: str, final: bool) -> str:
        masker = self.masker
        merged, literal, runs = masker._cover(text, self.in_run)
        cut = len(text)
        if not final:
            cut = masker._held(text)
            run = 0  # base64 characters just before the cut, up to what may be held
            while run < WRAPPED - 1 and cut - run > 0 and text[cut - run - 1] in B64_SET:
                run += 1
            if run >= 2:  # the character that mixes bits of a secret whose core comes next, and
                # with long cores, the start of a wrapped line too short yet to hold a block
                cut -= run if masker._blocks else 1
            moved = True
            while moved:  # an occurrence that reaches into the held tail is held from its start
                moved = False
                for start, end in literal:
                    if start < cut < end:
                        cut, moved = start, True
        lead = self.in_run and _run_end(text, 0) > 0
        out = _render(text, merged, cut, lead)
        if cut > 0:  # (nothing written: the held text is read again with the same `in_run`)
            self.in_run = any(start < cut <= end for start, end in runs)
        self.pending = text[cut:]
        return out
