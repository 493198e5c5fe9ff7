"""The masker's forms of a secret (issue 13 B.4, issue 12 item 5): base64 at every alignment with
no edge left over, overlapping occurrences, a secret that begins another, numbers, and a long
secret registered without building a table of its prefixes. Streams are cut at every position."""

from __future__ import annotations

import base64
import hashlib
import tracemalloc

import pytest

from runner.run.masking import MASK, Masker

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!@#%^&*()+=/?"


def _secret(length: int) -> str:
    """A fixed, random-looking secret of `length` characters."""
    digest = b"".join(hashlib.sha256(f"{length}:{i}".encode()).digest() for i in range(length // 32 + 1))
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:length])


def _stream(masker: Masker, pieces: list[str]) -> str:
    stream = masker.stream()
    return "".join(stream.feed(p) for p in pieces) + stream.flush()


def _secret_bits_start(prefix_len: int) -> int:
    """Index of the first base64 character that holds a bit of what follows `prefix_len` bytes."""
    return prefix_len * 8 // 6


PREFIXES = [b"", b"x", b"xy", b"xyz", b"wxyz", b"vwxyz", b"\x00\xff\x10"]
SUFFIXES = [b"", b"\n", b"Q", b"QR", b"QRSTU"]


@pytest.mark.parametrize("length", range(4, 41))
def test_base64_of_a_secret_is_masked_as_a_whole_token(length: int) -> None:
    """`printf %s "$K" | base64` left `***MjI=` for `hunter22` ("22"): now no base64 character
    of the token is left, whatever comes before and after the secret, in both alphabets and with
    or without padding."""
    secret = _secret(length)
    masker = Masker([secret])
    for prefix in PREFIXES:
        for suffix in SUFFIXES:
            data = prefix + secret.encode() + suffix
            for encoded in (base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode().rstrip("=")):
                text = f"token: {encoded}\nnext line"
                assert masker.mask(text) == f"token: {MASK}\nnext line", (prefix, suffix, encoded)


def test_hunter22_leaves_nothing_to_decode() -> None:
    for secret in ("hunter22", "abcde"):
        encoded = base64.b64encode(secret.encode()).decode()
        assert Masker([secret]).mask(encoded) == MASK
        assert Masker([secret]).mask(f"[{encoded}]") == f"[{MASK}]"


@pytest.mark.parametrize("length", [4, 5, 6, 7, 11, 24, 40])
def test_base64_in_a_stream_cut_anywhere_leaks_no_bit_of_the_secret(length: int) -> None:
    """Written before the core is seen may be only characters that encode the prefix alone."""
    secret = _secret(length)
    masker = Masker([secret])
    for prefix in PREFIXES:
        for suffix in (b"", b"\n", b"QRSTU"):
            encoded = base64.b64encode(prefix + secret.encode() + suffix).decode()
            text = f"key: {encoded} end"
            for cut in range(len(text) + 1):
                out = _stream(masker, [text[:cut], text[cut:]])
                assert out.startswith("key: ") and out.endswith(f"{MASK} end"), (prefix, suffix, cut, out)
                shown = out[len("key: "):-len(f"{MASK} end")]
                assert encoded[:_secret_bits_start(len(prefix))].startswith(shown), (prefix, suffix, cut, out)


@pytest.mark.parametrize("length", [4, 9, 33])
def test_every_form_split_at_every_position(length: int) -> None:
    secret = _secret(length) + "\"\\ /é"
    masker = Masker([secret])
    encoded = base64.b64encode(secret.encode() + b"\n").decode()  # (other alignments: the test above)
    text = f"a {secret} b {secret!r} c {encoded} d"
    whole = masker.mask(text)
    assert secret not in whole and encoded[4:-4] not in whole
    for cut in range(len(text) + 1):
        assert _stream(masker, [text[:cut], text[cut:]]) == whole, cut
    assert _stream(masker, list(text)) == whole


def test_a_secret_that_begins_another_is_not_masked_early() -> None:
    """`abcd1234` and `abcd1234wxyz5678`: the longer one arriving in two pieces, the first piece
    being the shorter secret, used to be written as `***` and then `wxyz5678` in clear."""
    masker = Masker(["abcd1234", "abcd1234wxyz5678"])
    text = "x abcd1234wxyz5678 y"
    for cut in range(len(text) + 1):
        out = _stream(masker, [text[:cut], text[cut:]])
        assert "wxyz" not in out and "5678" not in out, (cut, out)
        assert out == f"x {MASK} y", (cut, out)


def test_overlapping_occurrences_are_all_covered() -> None:
    secret = "abcXYabc"
    masker = Masker([secret])
    assert masker.mask("abcXYabcXYabc") == MASK  # the occurrence at 5 overlaps the one at 0
    assert masker.mask("<abcXYabcXYabcXYabc>") == f"<{MASK}>"
    assert masker.mask("aaaaaaaa" * 3) == "aaaaaaaa" * 3
    assert Masker(["aaaa"]).mask("xaaaaaaaaaay") == f"x{MASK}y"
    # two secrets that overlap in the text: neither is left in part
    assert Masker(["abcdef", "defghi"]).mask("<abcdefghi>") == f"<{MASK}>"


def test_a_number_that_shows_a_secret_is_masked() -> None:
    masker = Masker(["12345678"])
    assert masker.mask_value({"pin": 12345678, "n": 7, "f": 1.5, "ok": True}) == {
        "pin": MASK, "n": 7, "f": 1.5, "ok": True,
    }


def test_python_repr_of_a_secret_is_masked() -> None:
    secret = "it's \"quoted\""
    masker = Masker([secret])
    assert repr(secret) == "'it\\'s \"quoted\"'"  # not JSON's escaping: \' and a bare "
    assert masker.mask(f"KeyError({secret!r})") == f"KeyError('{MASK}')"


def test_a_long_secret_is_registered_without_a_table_of_its_prefixes() -> None:
    """A 16,000-character secret (a kubeconfig) cost 816 MB: every prefix of every form."""
    secret = _secret(8000)
    tracemalloc.start()
    try:
        masker = Masker([secret])
        stream = masker.stream()
        out = stream.feed("a " + secret[:5000]) + stream.feed(secret[5000:] + " b") + stream.flush()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out == f"a {MASK} b"
    assert peak < 2_000_000, peak  # the forms (~10 x 8,000 characters), a few copies of the text


def test_a_label_before_a_base64_token_stays() -> None:
    """`=` is padding: it ends a token, so `token=` before one is not part of it."""
    secret = _secret(20)
    encoded = base64.b64encode(b"xy" + secret.encode()).decode()
    assert Masker([secret]).mask(f"token={encoded}; next") == f"token={MASK}; next"


@pytest.mark.parametrize("length", [24, 57, 58, 100, 400])
def test_base64_wrapped_over_lines_is_masked_line_by_line(length: int) -> None:
    """`printf %s "$K" | base64` wraps at 76 columns: no line holds a whole core. Every line that
    holds WRAPPED (23) or more characters carrying the secret's bits is masked whole, in one
    piece or in a stream cut anywhere."""
    secret = _secret(length)
    masker = Masker([secret])
    for prefix in PREFIXES:
        for suffix in (b"", b"\n", b"QRSTU"):
            stream = base64.b64encode(prefix + secret.encode() + suffix).decode()
            wrapped = base64.encodebytes(prefix + secret.encode() + suffix).decode()  # 76 columns
            first = _secret_bits_start(len(prefix))
            last = -(-(len(prefix) + length) * 8 // 6)  # end of the characters with bits of the secret
            text = f"begin\n{wrapped}end\n"
            outs = [masker.mask(text)]
            outs += [_stream(masker, [text[:cut], text[cut:]]) for cut in range(0, len(text), 7)]
            for out in outs:
                offset = 0
                for line in wrapped.splitlines():
                    bits = max(0, min(offset + len(line), last) - max(offset, first))
                    if bits >= 23:
                        assert line not in out, (prefix, suffix, line)
                    offset += len(line)
                assert stream[first:last][:23] not in out.replace("\n", "")


def test_random_streams_show_no_form_of_any_secret() -> None:
    """Random mixes of secrets, their forms, pieces of them and noise, cut at random points."""
    import json as _json
    import random
    from urllib.parse import quote

    rng = random.Random(1213)
    secrets = [_secret(n) for n in (5, 13, 40, 90)] + ["abcd1234", "abcd1234wxyz5678"]
    masker = Masker(secrets)
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 8)):
            secret = rng.choice(secrets)
            parts.append(rng.choice([
                secret, secret[: rng.randint(1, len(secret))], _json.dumps(secret)[1:-1], quote(secret, safe=""),
                base64.b64encode(rng.randbytes(rng.randint(0, 4)) + secret.encode()).decode(),
                base64.encodebytes(rng.randbytes(rng.randint(0, 4)) + secret.encode()).decode(),
                "".join(rng.choice(" \nab=+/-x.") for _ in range(rng.randint(0, 12))),
            ]))
        text = "".join(parts)
        cuts = sorted(rng.sample(range(len(text) + 1), min(3, len(text) + 1)))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        for out in (masker.mask(text), _stream(masker, pieces)):
            for secret in secrets:
                assert secret not in out and quote(secret, safe="") not in out, (text, out)
            assert "wxyz5678" not in out, (text, out)


def test_a_multi_line_secret_flattened_to_one_line_is_masked() -> None:
    """An error message is made one line (newlines as spaces) before it is masked: the secret's
    short lines were left when only its lines of 4+ characters were forms."""
    secret = "first-part-of-it-9f2c\nZq7\n  ab"
    masker = Masker([secret])
    assert masker.mask("error: " + secret.replace("\n", " ")) == f"error: {MASK}"
    assert masker.mask("error: " + " ".join(secret.split())) == f"error: {MASK}"
