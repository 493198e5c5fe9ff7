"""## What it does
Reports a credential written into the file: well-known token shapes (AWS access keys and
secret access keys, GitHub, GitLab, Slack, Stripe, OpenAI and Google API keys, private key
blocks, JWTs), `Bearer`/`Basic` literals, URLs with `user:password@`, a literal value under a
key named like a credential (`password`, `DB_PASSWORD`, `PGPASSWORD`, `apiToken`, `api_key`,
...) in `env`, `headers` or a JSON body, assignments to such a name in shell or Python
(`PASSWORD=...`, `password = "..."`, `connect(password="...")`), and long random-looking
literals. Templates (`{{ var.secret.x }}`), references (`$TOKEN`, `${TOKEN}`, `$(cat file)`),
placeholders (`changeme`, `<token>`, `xxx`), paths to a secrets file, URLs without credentials,
and the example credentials vendors publish in their own documentation
(`AKIAIOSFODNN7EXAMPLE`, Stripe's `sk_test_4eC39HqLyjWDarjtT1zdp7dc`, jwt.io's token, ...) are
not reported. A value under a name that only contains a credential word (`PGPASSWORD`,
`dbPassword`) is reported from 8 characters on; under a name that is one (`password`,
`DB_PASSWORD`), from 4.

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
from runner.lint.rules._positions import finding_at
from runner.model import PathT, Workflow

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
NOT_A_SECRET_NAME = re.compile(
    r"[_-](?:FILE|PATH|DIR|URL|URI|NAME|TTL|LENGTH|LEN|TYPE|HEADER|ID|ARN|COUNT|LIMIT|MAX|MIN|SIZE|EXPIRY|EXPIRES"
    r"|EXPIRATION|TIMEOUT|ENDPOINT|FIELD|PARAM|VAR|ENV|REF|POLICY|MODE|PROMPT|HINT|ENABLED|REQUIRED|ROTATION"
    r"|ENCODING|MODEL|FORMAT|SCOPES?|AUDIENCE|ISSUER|ALGORITHM|ALG|VERSION|BACKEND|PROVIDER|MANAGER|STORE|SOURCE"
    r"|LOCATION|HOST|PORT|USER|USERNAME|EMAIL|REGION)$"
    r"|^(?:MAX|MIN|NUM|N|USE|ENABLE|NO|IS|HAS)[_-]",
    re.IGNORECASE,
)
# a name that holds a credential, written in snake case (see `_snake`): the word anywhere, at the
# end of the name or before `_` (`pgpassword`, `db_password`, `api_token_value`, `mysql_pwd`)
CREDENTIAL_WORD = re.compile(
    r"(?:password|passwd|passphrase|secret|token|api_?key|access_?key|private_?key|auth_?key|app_?key"
    r"|client_?key|credentials?)s?(?=_|$)|(?:^|_)(?:pwd|pass|db_pass)(?=_|$)"
)
SECRET_KEY = re.compile(
    r"(?:^|[_-])(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?token|credentials?)$"
    r"|^(?:authorization|x-api-key|api-key|x-auth-token|cookie)$",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(
    r"^(?:<[^>]*>|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$\d+|%\([^)]*\)s|%[A-Za-z_]+%|@[A-Za-z_]+@|%[sdr]|\{\d{0,2}\}"
    r"|\{[A-Za-z_][\w.]*\}|\$\(.*\)|`.*`|\*+|x{3,}|\.{3,}|-+|(.)\1*)$"
    # a placeholder word at the start of the value or after a separator (not inside random text)
    r"|(?:^|[^a-z0-9])(?:changeme|change[_-]me|changeit|placeholder|example|dummy|redacted|your[_-]|replace[_-]?me"
    r"|todo|fixme|fake|sample|not[_-]?a[_-]?real|notreal|insert[_-])"
    r"|^(?:none|null|nil|undefined|true|false|yes|no|on|off|enabled|disabled|required|optional|default|empty|string"
    r"|secret|password|passwd|token|test|<redacted>)$",
    re.IGNORECASE,
)
# The example credentials vendors publish in their own documentation: not secrets (gitleaks and
# detect-secrets leave them too). AWS ends its examples with EXAMPLE / EXAMPLEKEY.
DOCUMENTED = frozenset({
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # AWS
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",  # AWS
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",  # Stripe
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",  # Stripe
    "pk_test_TYooMQauvdEDq54NiTphI7jx",  # Stripe
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",  # Azurite
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIy"
    "fQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",  # jwt.io
    "xoxb-not-a-real-token-this-will-not-work",  # Slack
    "mysecretpassword",  # the postgres image's documentation
    "my-secret-pw",  # the mysql image's documentation
})
FILLER = re.compile(r"(.)\1{7,}|EXAMPLE(?:KEY)?$")  # `T00000000/B00000000/XXXXXXXX`, AKIA...EXAMPLE
SECRET_FILE = re.compile(r"\.(?:txt|pem|key|crt|cer|json|ya?ml|env|gpg|asc|p12|pfx|jks|kdbx|secret)$", re.IGNORECASE)
AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
AWS_SECRET_ASSIGNMENT = re.compile(
    r"aws_?secret_?(?:access_?)?key[\w]{0,16}[\"']?[ \t]{0,4}[=:][ \t]{0,4}[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])", re.IGNORECASE
)
# `password = "..."`, `PGPASSWORD='...'`, `self.token: str = "..."`, `connect(password="...")`
CODE_ASSIGNMENT = re.compile(
    r"(?<![\w$])([A-Za-z_][A-Za-z0-9_]{0,64})[ \t]{0,8}(?::[ \t]{0,4}[A-Za-z_][\w.]{0,30}[ \t]{0,4})?:?=[ \t]{0,8}"
    r"([rRbBuUfF]{0,2})([\"'])([^\"'\n\\]{1,256})\3"
)
# `password: hunter2` on a line of its own inside a string (a config file written by a command)
LINE_PAIR = re.compile(r"(?m)^[ \t]{0,64}([A-Za-z_][\w.-]{0,64})[ \t]{0,8}:[ \t]{1,8}([\"']?)([^\s\"'#]{1,256})\2[ \t]*$")
# a quoted "key": "value" pair inside a string (a JSON body written as text)
JSON_PAIR = re.compile(r"([\"'])([A-Za-z0-9_-]{1,64})\1[ \t]{0,8}:[ \t]{0,8}([\"'])([^\"'\n]{0,256})\3")
ENTROPY_TOKEN = re.compile(r"[A-Za-z0-9+/_=-]{32,}")
MIN_ENTROPY = 4.3  # bits per character; random base64 of 32+ characters is above 4.5
# runs of one letter case or of digits (`Region`, `EU`, `2026`): their mean length is under 2 in
# random base64 and 3.5 or more in camelCase identifiers and paths
WORD_SEGMENT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
MAX_MEAN_SEGMENT = 3.0


def is_placeholder(value: str) -> bool:
    value = value.strip().strip("'\"")
    return (
        not value or "{{" in value or "{%" in value or "${" in value or bool(PLACEHOLDER.search(value))
        or documented(value) or _sequential(value)
    )


def documented(token: str) -> bool:
    """A credential published in its vendor's documentation, or a filler (`XXXXXXXX`)."""
    return token in DOCUMENTED or FILLER.search(token) is not None


def _sequential(value: str) -> bool:
    """`12345678`, `abcdefgh`, `qwertyuiop`: keyboard and alphabet runs."""
    lower = value.lower()
    return len(lower) >= 4 and any(lower in run for run in ("0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl"))


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("-", "_")


def credential_name(name: str) -> int | None:
    """The shortest literal worth reporting under this name (4 when the name is a credential
    word, 8 when it only contains one), or None when the name holds no credential."""
    if NOT_A_SECRET_NAME.search(name) or NOT_A_SECRET_NAME.search(_snake(name)):
        return None
    if SECRET_KEY.search(name):
        return 4
    return 8 if CREDENTIAL_WORD.search(_snake(name)) else None


def _literal(value: str, shortest: int) -> bool:
    """A value that is a credential written out, not a reference to one."""
    value = value.strip()
    return (
        len(value) >= shortest and not value.isdigit() and not is_placeholder(value) and not _location(value)
        and not SECRET_FILE.search(value) and re.search(r"\$[A-Z_][A-Z0-9_]*\b", value) is None
    )


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
# with one of these too: a credential name before `:` or `'` (`password: x`, `{'pwd': 'x'}`)
CREDENTIAL_WORDS = ("pass", "pwd", "secret", "key", "credential")
LONG_RUN = re.compile(r"[A-Za-z0-9+/_=-]{32}")


def _maybe_secret(text: str) -> bool:
    lower = text.lower()
    for word in MAYBE_WORDS:
        if word in lower:
            return True
    if ("'" in text or ":" in text) and any(word in lower for word in CREDENTIAL_WORDS):
        return True
    return LONG_RUN.search(text) is not None


# fields that name things or times, never hold a credential (nor do dependency lists)
NOT_CREDENTIALS = frozenset({
    "description", "dagId", "taskId", "$schema", "operator", "triggerRule", "queue", "schedule", "timezone",
    "startDate",
})


def find_secret(text: str, key: str | None = None) -> tuple[int, str] | None:
    """(offset, what) of the first credential in `text` (a value under `key`), or None."""
    shortest = credential_name(key) if key is not None else None
    if not _maybe_secret(text) and shortest is None:
        return None
    for example in DOCUMENTED:  # blanked out, offsets kept: no search below sees a part of one
        if example in text:
            text = text.replace(example, " " * len(example))
    for what, pattern in TOKEN_SHAPES:
        for shape in pattern.finditer(text):
            if not documented(shape.group(0)):
                return shape.start(), what
    found = _aws_secret(text, key)
    if found is not None:
        return found
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
        if re.match(r"[A-Za-z_]\w*[),]", value):
            continue  # `connect(password=password)`: a keyword argument given a variable
        if not is_placeholder(value) and not value.isdigit() and not _location(value):
            return match.start(1), f"a literal {match.group(1)}"
    for pattern, name_group, value_group, needs in ((CODE_ASSIGNMENT, 1, 4, "="), (JSON_PAIR, 2, 4, ":"), (LINE_PAIR, 1, 3, ":")):
        for match in pattern.finditer(text) if needs in text else ():
            name, value = match.group(name_group), match.group(value_group)
            least = credential_name(name)
            if pattern is CODE_ASSIGNMENT and "f" in match.group(2).lower() and "{" in value:
                continue  # an f-string: a value computed from others
            if least is not None and _literal(value, least):
                return match.start(value_group), f"a literal value for '{name}'"
    credential = AUTH_SCHEME.sub("", text)  # `Authorization: Bearer ${TOKEN}` holds a placeholder
    if key is not None and shortest is not None and _literal(credential, shortest):
        return 0, f"a literal value for '{key}'"
    for match in ENTROPY_TOKEN.finditer(text):
        if _random_looking(match.group(0)) and not documented(match.group(0)):
            return match.start(), "a long random-looking literal"
    return None


def _aws_secret(text: str, key: str | None) -> tuple[int, str] | None:
    """An AWS secret access key: 40 characters of base64's alphabet, under or after its name."""
    what = "an AWS secret access key"
    if key is not None and "secret" in _snake(key) and ("aws" in _snake(key) or "access_key" in _snake(key)):
        match = AWS_SECRET.fullmatch(text.strip())
        if match and not documented(text.strip()):
            return text.find(text.strip()), what
    for match in AWS_SECRET_ASSIGNMENT.finditer(text):
        if not documented(match.group(1)):
            return match.start(1), what
    return None


def _place(path: PathT) -> str | None:
    """What of a string's place the search reads: None where it does not look, else the key
    (the search judges a value by its key's name, so an aliased value is searched again only
    under another key, written in the file: linear in the file's size)."""
    key = path[-1] if path and isinstance(path[-1], str) else ""
    if key in NOT_CREDENTIALS or (len(path) >= 2 and path[-2] == "dependencies"):
        return None
    return key


def _ids_only(path: PathT) -> bool:
    """A list that holds only task ids (never searched): not walked at all."""
    return bool(path) and path[-1] == "dependencies"


def check(workflow: Workflow) -> Iterator[Finding]:
    # each string once per kind of place (an aliased value is searched and reported once)
    for path, value in workflow.distinct_strings(place=_place, prune=_ids_only):
        key = path[-1] if path and isinstance(path[-1], str) else None
        if _place(path) is None:
            continue
        found = find_secret(value, key)
        if found is not None:
            offset, what = found
            yield finding_at(
                workflow, CODE, f"hardcoded secret: {what}; pass it as {{{{ var.secret.NAME }}}} instead", path, offset
            )
