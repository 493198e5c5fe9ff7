"""Secret masking: the stream masker at every split point, and a real run whose tasks print a
secret every way they can, after which the secret is nowhere: not in flowrun's stdout or stderr,
not in a log file, not in the bytes of the SQLite files."""

from __future__ import annotations

import base64
import json
import socket
import uuid
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from runner_helpers import cli_env, flowrun, query, write_workflow

from runner.run.masking import MASK, Masker, variants

# -- unit: Masker and StreamMasker ------------------------------------------------------------------

SECRET = "hunter2-Secret/Value+="


def _stream_all(masker: Masker, pieces: list[str]) -> str:
    stream = masker.stream()
    return "".join(stream.feed(p) for p in pieces) + stream.flush()


def test_mask_replaces_every_occurrence() -> None:
    masker = Masker([SECRET])
    assert masker.mask(f"a {SECRET} b {SECRET}") == f"a {MASK} b {MASK}"
    assert masker.mask("nothing here") == "nothing here"
    assert masker.mask("") == ""


def test_variants_cover_the_encodings() -> None:
    found = variants(SECRET)
    assert SECRET in found
    assert quote(SECRET, safe="") in found
    assert quote_plus(SECRET, safe="") in found
    assert quote(SECRET) in found  # "/" kept, as Jinja's urlencode does
    assert json.dumps('a"b\\c-secret')[1:-1] in variants('a"b\\c-secret')
    masker = Masker([SECRET])
    for prefix in (b"", b"x", b"xy"):
        for suffix in (b"", b"\n"):
            encoded = base64.b64encode(prefix + SECRET.encode() + suffix).decode()
            masked = masker.mask(f"<{encoded}>")
            assert MASK in masked
            # what is left of the encoded form is only the alignment-dependent edges
            assert len(masked.replace(MASK, "")) <= 2 + 8, masked


def test_multi_line_secret_lines_are_masked_each() -> None:
    masker = Masker(["first-line-1234\nsecond-line-5678"])
    assert masker.mask("x second-line-5678 y") == f"x {MASK} y"
    assert masker.mask("first-line-1234") == MASK


def test_mask_value_walks_plain_data() -> None:
    masker = Masker([SECRET])
    value = {"k": [SECRET, {"deep": f"pre {SECRET}"}], SECRET: 3, "n": 1, "none": None}
    assert masker.mask_value(value) == {"k": [MASK, {"deep": f"pre {MASK}"}], MASK: 3, "n": 1, "none": None}


def test_short_secret_is_reported() -> None:
    masker = Masker(["ab", SECRET])
    assert masker.short == ["ab"]
    assert masker.mask("xaby") == f"x{MASK}y"


def test_no_secret_passes_through_unchanged() -> None:
    masker = Masker([])
    assert not masker
    stream = masker.stream()
    assert stream.feed("abc") == "abc"
    assert stream.flush() == ""


TEXT = f"before {SECRET} middle {SECRET} after"
EXPECTED = f"before {MASK} middle {MASK} after"


@pytest.mark.parametrize("cut", range(len(TEXT) + 1))
def test_stream_masker_every_single_split(cut: int) -> None:
    assert _stream_all(Masker([SECRET]), [TEXT[:cut], TEXT[cut:]]) == EXPECTED


def test_stream_masker_every_pair_of_splits() -> None:
    masker = Masker([SECRET])
    text = f"<{SECRET}>"
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1):
            assert _stream_all(masker, [text[:i], text[i:j], text[j:]]) == f"<{MASK}>", (i, j)


def test_stream_masker_one_character_at_a_time() -> None:
    masker = Masker([SECRET, "another-secret-99"])
    text = f"x{SECRET}y another-secret-99 z {base64.b64encode(SECRET.encode()).decode()}"
    out = _stream_all(masker, list(text))
    assert SECRET not in out and "another-secret-99" not in out
    assert out.startswith(f"x{MASK}y {MASK} z ")
    assert out == masker.mask(text)


@pytest.mark.parametrize("cut", range(1, 40))
def test_stream_masker_base64_split(cut: int) -> None:
    masker = Masker([SECRET])
    encoded = base64.b64encode(SECRET.encode()).decode()
    text = f"token: {encoded}\n"
    assert _stream_all(masker, [text[:cut], text[cut:]]) == masker.mask(text)
    assert encoded[4:-4] not in masker.mask(text)


def test_stream_masker_holds_back_only_what_may_begin_a_secret() -> None:
    masker = Masker([SECRET])
    stream = masker.stream()
    assert stream.feed("." * 100) == "." * 100  # nothing here can start a secret: written at once
    assert stream.feed("line ending in " + SECRET[:5]) == "line ending in "
    assert stream.flush() == SECRET[:5]  # a prefix alone is not the secret
    assert stream.feed("x " + SECRET[:-1]) == "x "
    assert stream.feed(SECRET[-1] + " y") == f"{MASK} y"
    assert stream.flush() == ""


# -- end to end ---------------------------------------------------------------------------------------


def _forms(secret: str) -> dict[str, str]:
    """What must not appear: the secret and its encodings (base64 without its alignment edges)."""
    raw = secret.encode()
    forms = {
        "plain": secret,
        "quote": quote(secret, safe=""),
        "quote_slash": quote(secret),  # what Jinja's urlencode filter makes
        "quote_plus": quote_plus(secret, safe=""),
        "json": json.dumps(secret)[1:-1],
    }
    for name, data in (("b64", raw), ("b64x", b"x" + raw), ("b64xy", b"xy" + raw), ("b64nl", raw + b"\n")):
        forms[name] = base64.b64encode(data).decode()[4:-4]
    return forms


PRINTER = r"""
import base64, json, os, sys, time
from urllib.parse import quote, quote_plus
t = os.environ["TOKEN"]
print("plain:", t, flush=True)
sys.stdout.write("split:" + t[:6]); sys.stdout.flush(); time.sleep(0.3)
sys.stdout.write(t[6:] + "\n"); sys.stdout.flush()
sys.stderr.write("err-split:" + t[:9]); sys.stderr.flush(); time.sleep(0.3)
sys.stderr.write(t[9:] + "\n"); sys.stderr.flush()
for prefix in (b"", b"x", b"xy"):
    print("b64:", base64.b64encode(prefix + t.encode()).decode())
print("b64nl:", base64.b64encode(t.encode() + b"\n").decode())
print("url:", quote(t, safe=""), quote_plus(t, safe=""))
print(json.dumps({"token": t, "count": 1}))
print(t)
"""

MASKING = """
dagId: masking
params:
  p: {type: string, default: ""}
tasks:
  - taskId: printer
    operator: python
    params:
      pythonCode: PRINTER
      env: {TOKEN: "{{ var.secret.TOKEN }}"}
  - taskId: shell
    operator: bash
    params:
      command: 'echo "$TOKEN" | base64; printf %s "$TOKEN" | base64; echo "the token is $TOKEN"; echo {{ params.p | shell_quote }}'
      env: {TOKEN: "{{ var.secret.TOKEN }}"}
  - taskId: dies
    operator: python
    params:
      pythonCode: 'import os, sys; sys.exit("cannot log in with " + os.environ["TOKEN"])'
      env: {TOKEN: "{{ var.secret.TOKEN }}"}
    retryPolicy: {maxRetries: 1, retryDelay: 10ms}
  - taskId: fails_with_output
    operator: bash
    params:
      command: 'echo "{\\"token\\": \\"$TOKEN\\"}"; exit 1'
      env: {TOKEN: "{{ var.secret.TOKEN }}"}
  - taskId: bad_template
    operator: bash
    params:
      command: "echo {{ params[var.secret.TOKEN] }}"
  - taskId: http_error
    operator: http
    params:
      url: "http://127.0.0.1:CLOSED_PORT/{{ var.secret.TOKEN | urlencode }}?t={{ var.secret.TOKEN }}"
  - taskId: consumer
    operator: bash
    dependencies: [printer]
    params:
      command: "echo got {{ ti.xcom_pull(task_ids='printer') | shell_quote }}"
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_secret_appears_nowhere(tmp_path: Path) -> None:
    secret = f'Sx"{uuid.uuid4().hex[:10]}/+={uuid.uuid4().hex[:10]}'
    text = MASKING.replace("PRINTER", json.dumps(PRINTER)).replace("CLOSED_PORT", str(_closed_port()))
    path = write_workflow(tmp_path, text)
    env = cli_env(FLOWRUN_SECRET_TOKEN=secret)
    procs = [
        flowrun(tmp_path, "run", str(path), "--param", f"p={secret}", env=env),
        flowrun(tmp_path, "run", str(path), "--log-format", "json", env=env),
    ]
    state = tmp_path / ".flowrun" / "state.db"

    # the run did what it should: the tasks saw the secret, and their records are there
    for proc in procs:
        assert proc.returncode == 1, proc.stdout + proc.stderr
    outputs = {r["task_id"]: r["output"] for r in query(state, "SELECT task_id, output FROM tasks")}
    assert json.loads(outputs["printer"]) == MASK
    assert json.loads(outputs["consumer"]) == f"got {MASK}"
    errors = {r["task_id"]: r["error"] for r in query(state, "SELECT task_id, error FROM tries WHERE error IS NOT NULL")}
    assert "undefined" in errors["bad_template"] and MASK in errors["bad_template"]
    assert MASK in errors["http_error"]
    assert query(state, "SELECT COUNT(*) AS n FROM tries WHERE task_id='dies'")[0]["n"] == 4
    logs = sorted((tmp_path / ".flowrun" / "logs").rglob("*.log"))
    assert len(logs) >= 14
    printer_log = next(p for p in logs if p.parent.name == "printer").read_text()
    assert f"plain: {MASK}" in printer_log and "err-split:" in printer_log
    # stdout and stderr interleave in the log; each masked on its own: 1 + 1 + 1 + 3 + 1 + 2 + 1 + 1
    assert printer_log.count(MASK) >= 11
    dies_log = next(p for p in logs if p.parent.name == "dies").read_text()
    assert f"cannot log in with {MASK}" in dies_log
    params = query(state, "SELECT params FROM runs")
    assert any(MASK in r["params"] for r in params)

    # and the secret is nowhere
    haystacks: dict[str, bytes] = {}
    for i, proc in enumerate(procs):
        haystacks[f"stdout {i}"] = proc.stdout.encode()
        haystacks[f"stderr {i}"] = proc.stderr.encode()
    for log in logs:
        haystacks[str(log)] = log.read_bytes()
    for suffix in ("", "-wal", "-shm"):
        db_file = Path(str(state) + suffix)
        if db_file.exists():
            haystacks[db_file.name] = db_file.read_bytes()
    assert "state.db" in haystacks
    for name, form in _forms(secret).items():
        for where, data in haystacks.items():
            assert form.encode() not in data, f"the {name} form of the secret is in {where}"


def test_secret_from_a_secrets_file_is_masked(tmp_path: Path) -> None:
    from runner_helpers import run_api

    secret = "file-secret-" + uuid.uuid4().hex[:12]
    (tmp_path / "secrets.yaml").write_text(f"DB_PASSWORD: {secret}\n")
    result = run_api(tmp_path, """
        dagId: secrets_file
        tasks:
          - taskId: t
            operator: bash
            params:
              command: 'echo "connecting with $PW"; echo "$PW" >&2; echo "$PW"'
              env: {PW: "{{ var.secret.DB_PASSWORD }}"}
    """, secrets_file=str(tmp_path / "secrets.yaml"))
    assert result.tasks["t"].output == MASK
    log = next((tmp_path / "logs").rglob("1.log")).read_text()
    assert f"connecting with {MASK}" in log
    assert secret not in log
    for suffix in ("", "-wal", "-shm"):
        db_file = tmp_path / f"s.db{suffix}"
        if db_file.exists():
            assert secret.encode() not in db_file.read_bytes()
