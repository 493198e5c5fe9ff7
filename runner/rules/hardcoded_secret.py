"""## What it does
Reports a credential written into the file: well-known token shapes (AWS access keys, GitHub,
GitLab, Slack, Stripe, OpenAI and Google API keys, private key blocks, JWTs), `Bearer`/`Basic`
literals, URLs with `user:password@`, a literal value under a key named like a credential
(`password`, `token`, `secret`, `api_key`, ...) in `env`, `headers` or a JSON body, assignments
such as `PASSWORD=...` in commands, and long random-looking literals. Templates
(`{{ var.secret.x }}`), placeholders (`changeme`, `<token>`, `${TOKEN}`, `xxx`), file paths and
URLs without credentials are not reported.

## Why is this bad?
Workflow files live in version control and CI logs: a secret written there is leaked to
everyone who can read the repository, forever (it stays in the history). Secrets belong in
`var.secret.NAME`, which flowrun reads from the environment or a secrets file and masks in
every log.

## Example
```yaml
dagId: etl
tasks:
  - taskId: call
    operator: http
    retryPolicy: {maxRetries: 2, retryDelay: 10s}
    params:
      url: https://api.example.com/v1/items
      headers: {Authorization: "Bearer sk-1234567890abcdef"}
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

import math
import re
from collections import Counter
from collections.abc import Iterator

from runner.findings import Finding
from runner.model import PathT, Workflow
from runner.rules._support import distinct_strings, finding_at

CODE = "FR301"
NAME = "hardcoded-secret"
SEVERITY = "error"
FIXABLE = False

TOKEN_SHAPES: list[tuple[str, re.Pattern[str]]] = [
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Slack webhook", re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}")),
    ("a Stripe key", re.compile(r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("an OpenAI-style key", re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("a JWT", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
]
AUTH_SCHEME = re.compile(r"^\s*(?:Bearer|Basic|Token)\s+", re.IGNORECASE)
AUTH_LITERAL = re.compile(r"\b(Bearer|Basic|Token)\s+([^\s\"']{8,})")
# Repetitions that can backtrack are bounded ({0,31}, {0,64}): unbounded, `'a.' * 10**6` or
# `'PASSWORD' * 10**6` made these searches quadratic (hours on a 9 MiB value).
URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]{0,31}://([^:/@\s]+):([^@/\s]+)@")
ASSIGNMENT = re.compile(
    r"(?:^|[\s;&|'\"(])(?:--)?((?:[A-Za-z_][A-Za-z0-9_-]{0,64}?)?(?:PASSWORD|PASSWD|SECRET|TOKEN|API[_-]?KEY|ACCESS[_-]?KEY)[A-Za-z0-9_]{0,64})[=](['\"]?)([^\s'\";&|]{4,})",
    re.IGNORECASE,
)
# `TOKEN_FILE=...`, `PASSWORD_MIN_LENGTH=...`: names about a credential, not holding one
NOT_A_SECRET_NAME = re.compile(r"[_-](?:FILE|PATH|DIR|URL|URI|NAME|TTL|LENGTH|TYPE|HEADER)$", re.IGNORECASE)
SECRET_KEY = re.compile(
    r"(?:^|[_-])(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?token|credentials?)$"
    r"|^(?:authorization|x-api-key|api-key|x-auth-token|cookie)$",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(
    r"^(?:<[^>]*>|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|%\([^)]*\)s|\*+|x{3,}|\.{3,}|-+)$"
    r"|changeme|change[_-]me|placeholder|example|dummy|redacted|your[_-]|replace[_-]?me|todo|fixme|^(?:none|null|secret|password|token|test|<redacted>)$",
    re.IGNORECASE,
)
# a quoted "key": "value" pair inside a string (a JSON body written as text)
JSON_PAIR = re.compile(r"\"([A-Za-z0-9_-]+)\"\s*:\s*\"([^\"]*)\"")
ENTROPY_TOKEN = re.compile(r"[A-Za-z0-9+/_=-]{32,}")
MIN_ENTROPY = 4.3  # bits per character; random base64 of 32+ characters is above 4.5
# runs of one letter case or of digits (`Region`, `EU`, `2026`): their mean length is under 2 in
# random base64 and 3.5 or more in camelCase identifiers and paths
WORD_SEGMENT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
MAX_MEAN_SEGMENT = 3.0


def is_placeholder(value: str) -> bool:
    value = value.strip().strip("'\"")
    return not value or "{{" in value or "{%" in value or bool(PLACEHOLDER.search(value))


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _random_looking(token: str) -> bool:
    if token.startswith("__TPL") or re.fullmatch(r"[0-9a-fA-F-]+", token):
        return False  # hex: checksums, commit ids and UUIDs are not secrets
    classes = sum(bool(re.search(p, token)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    if classes < 3 or entropy(token) < MIN_ENTROPY:
        return False
    segments = WORD_SEGMENT.findall(token)
    return sum(map(len, segments)) / len(segments) < MAX_MEAN_SEGMENT  # words: an identifier or a path


def _location(value: str) -> bool:
    """A path or a URL without credentials: names where a secret is, not the secret."""
    return bool(re.match(r"^(?:/|\./|\.\./|~/|https?://|file:|s3://|gs://)", value))


# Something every search below needs (a superset, lower case): most strings have none of it, and
# are done with a few substring tests instead of fifteen regular expressions.
MAYBE_WORDS = (
    "akia", "asia", "agpa", "aida", "aroa", "anpa", "anva", "aipa", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "glpat-", "xox", "_live_", "_test_", "sk-", "aiza", "private key", "eyj", "bearer", "basic",
    "token", "://", "=", '"',
)
LONG_RUN = re.compile(r"[A-Za-z0-9+/_=-]{32}")


def _maybe_secret(text: str) -> bool:
    lower = text.lower()
    for word in MAYBE_WORDS:
        if word in lower:
            return True
    return LONG_RUN.search(text) is not None


# fields that name things or times, never hold a credential (nor do dependency lists)
NOT_CREDENTIALS = frozenset({
    "description", "dagId", "taskId", "$schema", "operator", "triggerRule", "queue", "schedule", "timezone",
    "startDate",
})


def find_secret(text: str, key: str | None = None) -> tuple[int, str] | None:
    """(offset, what) of the first credential in `text` (a value under `key`), or None."""
    if not _maybe_secret(text) and not (key is not None and SECRET_KEY.search(key)):
        return None
    for what, pattern in TOKEN_SHAPES:
        match = pattern.search(text)
        if match:
            return match.start(), what
    match = AUTH_LITERAL.search(text)
    if match and not is_placeholder(match.group(2)):
        return match.start(), f"a literal {match.group(1)} credential"
    match = URL_CREDENTIALS.search(text)
    if match and not is_placeholder(match.group(2)):
        return match.start(2), "a password in a URL"
    for match in ASSIGNMENT.finditer(text):
        value = match.group(3)
        if NOT_A_SECRET_NAME.search(match.group(1)):
            continue
        if not is_placeholder(value) and not value.isdigit() and not _location(value):
            return match.start(1), f"a literal {match.group(1)}"
    for match in JSON_PAIR.finditer(text):
        name, value = match.groups()
        if SECRET_KEY.search(name) and not is_placeholder(value) and not _location(value) and len(value.strip()) >= 4:
            return match.start(2), f"a literal value for '{name}'"
    credential = AUTH_SCHEME.sub("", text)  # `Authorization: Bearer ${TOKEN}` holds a placeholder
    if (
        key is not None and SECRET_KEY.search(key) and not is_placeholder(credential)
        and not _location(credential) and len(credential.strip()) >= 4
    ):
        return 0, f"a literal value for '{key}'"
    for match in ENTROPY_TOKEN.finditer(text):
        if _random_looking(match.group(0)):
            return match.start(), "a long random-looking literal"
    return None


def _place(path: PathT) -> str | None:
    """What of a string's place the search reads: None where it does not look, else the key."""
    key = path[-1] if path and isinstance(path[-1], str) else ""
    if key in NOT_CREDENTIALS or (len(path) >= 2 and path[-2] == "dependencies"):
        return None
    return key if SECRET_KEY.search(key) else ""


def check(workflow: Workflow) -> Iterator[Finding]:
    # each string once per kind of place (an aliased value is searched and reported once)
    for path, value in distinct_strings(workflow, place=_place):
        key = path[-1] if path and isinstance(path[-1], str) else None
        if _place(path) is None:
            continue
        found = find_secret(value, key)
        if found is not None:
            offset, what = found
            yield finding_at(
                workflow, CODE, f"hardcoded secret: {what}; pass it as {{{{ var.secret.NAME }}}} instead", path, offset
            )
