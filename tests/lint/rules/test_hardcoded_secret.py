"""FR301 hardcoded-secret on a corpus: credentials it must find, and look-alikes it must leave.

Every entry is checked twice: through `find_secret(text, key)`, the detector itself, and by
linting a workflow that holds the text under the key (in a bash task's `env`), so the YAML
walk and the positions are covered too. The credentials are made up; none was ever valid.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from runner.lint.rules.hardcoded_secret import find_secret

Lint = Callable[..., list[tuple[int, int, str]]]
Findings = Callable[..., list[Any]]

# (text, key it is written under or None)
POSITIVE: list[tuple[str, str | None]] = [
    # well-known token shapes
    ("aws s3 cp x s3://bucket --key ASIAY34FZKBOKMUTVV7A", None),
    ("ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", None),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV", None),
    ("glpat-xR4nd0mT0k3nV4lu3zzz", None),
    ("xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", None),
    ("https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/abcdefghijklmnopqrstuvwx", None),
    ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", None),
    ("sk-1234567890abcdef1234567890abcdef", None),
    ("sk-proj-AbCdEf1234567890GhIjKl", None),
    ("AIzaSyA1234567890abcdefghijklmnopqrstuv", None),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n", None),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", None),
    ("-----BEGIN PRIVATE KEY-----", None),
    (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        None,
    ),
    # authorization literals
    ("Bearer sk-1234567890abcdef", None),
    ("Bearer abcdef123456", "Authorization"),
    ("Basic dXNlcjpwYXNzd29yZA==", "Authorization"),
    ("Token 9f8e7d6c5b4a", None),
    # credentials in URLs
    ("https://admin:s3cr3tpw@db.example.com/x", None),
    ("postgres://app:hunter2xyz@db.internal:5432/app", None),
    # literal values under credential keys (env, headers, json)
    ("hunter2xyz", "password"),
    ("hunter2xyz", "DB_PASSWORD"),
    ("s3cr3t-value", "token"),
    ("abcd1234efgh", "api_key"),
    ("abcd1234efgh", "X-Api-Key"),
    ("q9w8e7r6t5", "client_secret"),
    # assignments and options in commands, JSON written as text
    ("DB_PASSWORD=hunter2xyz ./run.sh", None),
    ("./deploy.sh --token=abc123def456", None),
    ("./deploy.sh --api-key=Zx81kQ9w", None),
    ("export API_KEY='q8Zr2LmN'", None),
    ('{"user": "bob", "password": "hunter2xyz"}', None),
    # issue 13 B.5, in the spirit of gitleaks' aws and generic-api-key rules and detect-secrets'
    # KeywordDetector (a denylist of credential words before `=` or `:`), written here anew:
    # an AWS secret access key (40 characters of base64's alphabet) under or after its name, even
    # when it has no digit, holds a word or starts with '/'
    ("Kd/TodoPqxZvbnMwLrtYsHcGfJeAuBiCoDkElFmN", "AWS_SECRET_ACCESS_KEY"),
    ("/hLqTodoRwXzVbNmKjHgFdSaPoIuYtReWqAsDfGh", "aws_secret_access_key"),
    ("export AWS_SECRET_ACCESS_KEY=Kd/TodoPqxZvbnMwLrtYsHcGfJeAuBiCoDkElFmN", None),
    ('aws_secret_access_key = "/hLqTodoRwXzVbNmKjHgFdSaPoIuYtReWqAsDfGh"', None),
    # a name that contains a credential word holds any literal of 8+ characters
    ("hunter2hunter2", "PGPASSWORD"),
    ("correcthorsebattery", "MYSQL_PWD"),
    ("Tr0ub4dor&3", "dbPassword"),
    ("s3cr3tvalue99", "githubToken"),
    ("hunter2hunter2", "REDIS_PASS"),
    ("letmein-now-please", "SMTP_PASSWD"),
    # assignments in Python and shell, with spaces, quotes, annotations, keyword arguments
    ('password = "correct-horse-battery"', None),
    ("db = connect(host='db', user='app', password='Tr0ub4dor&3')", None),
    ('PGPASSWORD="correct horse battery" psql -h db app', None),
    ("self.api_token: str = 'x9Lk2Pq7Rw4Tz'", None),
    ("client_secret='Hx82kLmq0Zr' python -m app", None),
    ("{'user': 'bob', 'password': 'hunter2xyz'}", None),
    # a configuration written by the command: `name: value` on its own line
    ("cat > app.yaml <<EOF\ndatabase:\n  password: Tr0ub4dor&3\nEOF\n./app", None),
    # long random-looking literals (base64 of random bytes)
    ("Qm9vb2FyYmF6cXV4Wm9vbVpvb21GbHVmZnlCdW5ueTEyMzQ1Njc4OTA", None),
    ("8fJ2kLmN9pQrStUvWxYz0aBcDeFgHiJk", None),
    ("secret blob: x7Kp2Lq9Zr4Mw8Nt1Vb6Yc3Hd5Jf0Gs2Ae7Ru", None),
]

NEGATIVE: list[tuple[str, str | None]] = [
    # templates
    ("{{ var.secret.x }}", None),
    ("{{ var.secret.x }}", "password"),
    ("Bearer {{ var.secret.t }}", None),
    ("Bearer {{ var.secret.api_token }}", "Authorization"),
    ("./deploy.sh --token={{ var.secret.deploy_token }}", None),
    ("{{ ti.xcom_pull(task_ids='login') }}", "token"),
    # placeholders
    ("changeme", "password"),
    ("<token>", "token"),
    ("${TOKEN}", "token"),
    ("$TOKEN", "api_key"),
    ("xxx", "password"),
    ("****", "password"),
    ("your-api-key", "api_key"),
    ("Bearer <token>", None),
    ("Bearer ${TOKEN}", "Authorization"),
    ('DB_PASSWORD="$DB_PASSWORD" ./run.sh', None),
    ("./deploy.sh --token=<token>", None),
    # paths and URLs without credentials
    ("/run/secrets/db", "password_file"),
    ("/run/secrets/db", "password"),
    ("./secrets/token.txt", "token"),
    ("--password-file=/run/secrets/db", None),
    ("TOKEN_FILE=tokens.txt ./run.sh", None),
    ("https://api.example.com/v1/items", None),
    ("https://user@example.com/repo.git", None),
    ("postgres://localhost:5432/app", None),
    ("/opt/data/Exports2026/RegionEU/Quarterly_Report_Final.csv", None),
    ("s3://acme-data-lake/raw/Events/2026-01-01/part-00000.parquet", None),
    # example credentials vendors publish in their own documentation, and fillers
    ("AKIAIOSFODNN7EXAMPLE", None),
    ("AKIAI44QH8DHBEXAMPLE", "AWS_ACCESS_KEY_ID"),
    ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_ACCESS_KEY"),
    ("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None),
    ("sk_test_4eC39HqLyjWDarjtT1zdp7dc", None),
    ("pk_test_TYooMQauvdEDq54NiTphI7jx", "STRIPE_KEY"),
    (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        None,
    ),
    ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==", None),
    ("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", None),
    ("xoxb-not-a-real-token-this-will-not-work", "SLACK_TOKEN"),
    ("ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", None),
    ("mysecretpassword", "POSTGRES_PASSWORD"),
    # references to a credential kept elsewhere, under credential names
    ("$PGPASSWORD", "PGPASSWORD"),
    ("${DB_PASSWORD}", "dbPassword"),
    ("$(cat /run/secrets/pg)", "PGPASSWORD"),
    ("/run/secrets/pg", "PGPASSWORD"),
    ("secrets/db_password.txt", "PGPASSWORD"),
    ("@DB_PASSWORD@", "password"),
    ("%DB_PASSWORD%", "password"),
    ("password = os.environ['DB_PASSWORD']", None),
    ('password = f"{prefix}-{suffix}"', None),
    ("token: {{ var.secret.api }}\n", None),
    ('if password == "":', None),
    ("psycopg.connect(host=host, password=password)", None),
    # placeholders and non-credentials under credential-looking names
    ("aaaaaaaa", "password"),
    ("abcdefgh", "PGPASSWORD"),
    ("disabled", "TOKEN_AUTH"),
    ("true", "PASSWORD_REQUIRED"),
    ("bert-base-uncased", "TOKENIZER"),
    ("cl100k_base", "TOKEN_ENCODING"),
    ("4096", "max_tokens"),
    ("SECRET_ARN=arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db ./run.sh", None),
    ("printf 'password_policy: strict\n' > policy.yaml", None),
    # numbers and ids that are not credentials
    ("100", "max_tokens"),
    ("TOKEN_TTL=3600 ./run.sh", None),
    ("da39a3ee5e6b4b0d3255bfef95601890afd80709", None),  # a git commit id
    ("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", None),
    ("123e4567-e89b-12d3-a456-426614174000", None),
    ("arn:aws:iam::123456789012:role/FlowrunExecutionRole2026", None),
    # prose, schedules, identifiers
    ("Pull, check and publish threat data from the upstream feed every six hours", None),
    ("The token bucket refills every second; see the password policy document.", None),
    ("password reset reminder", "subject"),
    ("0 */6 * * *", None),
    ("*/15 9-17 * * MON-FRI", None),
    ("processIncomingOrdersForRegionalWarehouseDistribution", None),
    ("handleOAuth2CallbackForTenantRegionEU1", None),
    ("getUserById2FromDatabaseConnectionPool", None),
    ("python -m etl.jobs.load --batch-size 5000 --region eu-west-1", None),
]


def test_corpus_sizes() -> None:
    assert len(POSITIVE) >= 30 and len(NEGATIVE) >= 30


@pytest.mark.parametrize(("text", "key"), POSITIVE, ids=[f"pos{i}" for i in range(len(POSITIVE))])
def test_find_secret_finds_credentials(text: str, key: str | None) -> None:
    found = find_secret(text, key)
    assert found is not None, (text, key)
    offset, what = found
    assert 0 <= offset < len(text) and what


@pytest.mark.parametrize(("text", "key"), NEGATIVE, ids=[f"neg{i}" for i in range(len(NEGATIVE))])
def test_find_secret_leaves_lookalikes(text: str, key: str | None) -> None:
    assert find_secret(text, key) is None


def workflow_with(text: str, key: str | None) -> str:
    """A workflow holding `text` under `key` in a bash task's env, on line 8 (JSON quoting is
    valid YAML and keeps multi-line values on one line)."""
    return (
        "dagId: d\n"
        "tasks:\n"
        "  - taskId: t\n"
        "    operator: bash\n"
        "    params:\n"
        "      command: ./run.sh\n"
        "      env:\n"
        f"        {key or 'VALUE'}: {json.dumps(text)}\n"
    )


@pytest.mark.parametrize(("text", "key"), POSITIVE, ids=[f"pos{i}" for i in range(len(POSITIVE))])
def test_lint_reports_credentials_on_their_line(lint: Lint, text: str, key: str | None) -> None:
    found = lint(workflow_with(text, key), "FR301")
    assert [(line, code) for line, _, code in found] == [(8, "FR301")]


@pytest.mark.parametrize(("text", "key"), NEGATIVE, ids=[f"neg{i}" for i in range(len(NEGATIVE))])
def test_lint_leaves_lookalikes(lint: Lint, text: str, key: str | None) -> None:
    assert lint(workflow_with(text, key), "FR301") == []


# -- positions -------------------------------------------------------------------------------------


def test_bearer_literal_is_reported_at_the_token(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: call
            operator: http
            retryPolicy: {maxRetries: 2}
            params:
              url: https://api.example.com/v1/items
              headers: {Authorization: "Bearer sk-1234567890abcdef"}
        """
    assert lint(text, "FR301") == [(8, 40, "FR301")]


def test_bearer_template_is_not_reported(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: call
            operator: http
            retryPolicy: {maxRetries: 2}
            params:
              url: https://api.example.com/v1/items
              headers: {Authorization: "Bearer {{ var.secret.api_token }}"}
        """
    assert lint(text, "FR301") == []


def test_credential_keys_in_headers_and_json_are_reported_at_the_value(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: login
            operator: http
            retryPolicy: {maxRetries: 2}
            params:
              url: https://api.example.com/login
              method: PUT
              headers:
                X-Api-Key: abcd1234efgh
                Accept: application/json
              json:
                user: bob
                password: hunter2xyz
                max_tokens: "100"
                password_file: /run/secrets/db
        """
    assert lint(text, "FR301") == [(10, 20, "FR301"), (14, 19, "FR301")]


def test_json_text_body_is_reported_at_the_value(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: login
            operator: http
            params:
              url: https://api.example.com/login
              body: '{"user": "bob", "api_key": "q8Zr2LmNp"}'
        """
    assert lint(text, "FR301") == [(7, 42, "FR301")]


def test_assignment_in_a_block_scalar_is_reported_on_its_line(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: run
            operator: bash
            params:
              command: |
                set -e
                cd /srv/app
                DB_PASSWORD=hunter2xyz ./run.sh
        """
    assert lint(text, "FR301") == [(9, 9, "FR301")]


def test_option_in_a_folded_scalar_is_reported_on_its_line(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: deploy
            operator: bash
            params:
              command: >
                ./deploy.sh
                --region eu
                --token=abc123def456
        """
    assert lint(text, "FR301") == [(9, 11, "FR301")]


def test_password_in_url_is_reported_at_the_password(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: dump
            operator: bash
            params:
              command: pg_dump postgres://app:hunter2xyz@db.internal:5432/app
        """
    assert lint(text, "FR301") == [(6, 39, "FR301")]


def test_private_key_block_is_reported_at_its_header(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: ssh
            operator: bash
            params:
              command: ./ssh.sh
              env:
                KEY: |
                  -----BEGIN OPENSSH PRIVATE KEY-----
                  b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ
                  -----END OPENSSH PRIVATE KEY-----
        """
    assert lint(text, "FR301") == [(9, 11, "FR301")]


def test_secrets_outside_tasks_are_reported_too(lint: Lint) -> None:
    text = """
        dagId: d
        alerts:
          - id: page
            on: [run_failed]
            notify:
              - webhook: https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/abcdefghijklmnopqrstuvwx
        tasks:
          - {taskId: a, operator: dummy}
        """
    assert lint(text, "FR301") == [(6, 18, "FR301")]


def test_description_and_ids_are_not_scanned(lint: Lint) -> None:
    text = """
        dagId: d
        description: "the old key was AKIAIOSFODNN7EXAMPLE; it is revoked"
        tasks:
          - taskId: a
            operator: dummy
            description: "rotate Bearer abcdef123456 monthly"
        """
    assert lint(text, "FR301") == []


def test_one_finding_per_string(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: run
            operator: bash
            params:
              command: "DB_PASSWORD=hunter2xyz ./run.sh --token=abc123def456"
        """
    assert lint(text, "FR301") == [(6, 17, "FR301")]


def test_python_assignment_is_reported_at_the_value_on_its_line(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: python
            params:
              pythonCode: |
                import psycopg
                password = "correct-horse-battery"
                psycopg.connect(password=password)
        """
    assert lint(text, "FR301") == [(8, 21, "FR301")]


def test_credential_named_env_key_is_reported_at_the_value(lint: Lint, findings: Findings) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params:
              command: psql -h db app
              env: {PGHOST: db, PGPASSWORD: hunter2hunter2, PGPASSFILE: /run/secrets/pgpass}
        """
    assert lint(text, "FR301") == [(7, 37, "FR301")]
    assert "'PGPASSWORD'" in findings(text, "FR301")[0].message


def test_aws_secret_access_key_is_named_as_such(findings: Findings) -> None:
    text = workflow_with("Kd/TodoPqxZvbnMwLrtYsHcGfJeAuBiCoDkElFmN", "AWS_SECRET_ACCESS_KEY")
    (found,) = findings(text, "FR301")
    assert (found.line, found.column) == (8, 33) and "an AWS secret access key" in found.message


def test_documented_examples_are_left_in_every_position(lint: Lint) -> None:
    text = """
        dagId: d
        tasks:
          - taskId: t
            operator: bash
            params:
              command: aws s3 ls --profile docs
              env:
                AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE
                AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
                STRIPE_API_KEY: sk_test_4eC39HqLyjWDarjtT1zdp7dc
        """
    assert lint(text, "FR301") == []
