"""The secret masker: cost of registering a secret, and masking throughput (issue 12 item 5).

    python benchmarks/bench_masking.py [--lengths 16,160,1600,16000,64000] [--sizes 65536,1048576,8388608]

Registering (`Masker([secret])`) for secrets of each length: seconds and peak traced memory
(tracemalloc), next to the baseline of computing the secret's forms alone (`forms(secret)`), the
least any masker must do. Both should grow linearly: per-1000-character figures stay flat.

Masking: text of each size, log-like lines with the secret in it every 64 KiB ("log") or base64
of random bytes wrapped at 76 columns ("base64": every line is looked up for blocks of the
secret's base64 forms), with one 40-character secret and with one 16,000-character secret; `mask(text)` in one call and through a stream in
64 KiB pieces, next to the baseline of `str.replace` of every form in turn (which finds the same
literal forms, but neither masks base64 as whole tokens nor covers overlaps). MB/s should stay flat
as the text grows. Last, 1 to 200 secrets registered at once: the cost grows with the number of
forms (one C-speed find pass each). One run each (medians of 3 for the fast cases); figures depend on the machine.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.run.masking import MASK, Masker, forms

CHUNK = 64 * 1024
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=-_."


def secret_of(length: int) -> str:
    digest = b"".join(hashlib.sha256(f"{length}:{i}".encode()).digest() for i in range(length // 32 + 1))
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:length])


def text_of(size: int, secret: str) -> str:
    line = "2026-12-04T16:00:00Z INFO worker-3 processed batch 1234 of 9999 in 0.25s (ok)\n"
    block = line * (CHUNK // len(line))
    parts: list[str] = []
    total = 0
    while total < size:
        piece = block + "token=" + secret + "\n"
        parts.append(piece)
        total += len(piece)
    return "".join(parts)[:size]


def base64_text_of(size: int) -> str:
    """Base64 of random bytes, wrapped at 76 columns (a task printing a file with `base64`)."""
    import base64
    import random

    data = random.Random(size).randbytes(size * 3 // 4)
    return base64.encodebytes(data).decode("ascii")[:size]


def timed(action: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def traced_peak(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def bench_add(lengths: list[int]) -> None:
    print("register one secret: Masker([secret]) against computing its forms alone")
    print(f"{'length':>8}  {'add s':>9}  {'add MB':>7}  {'us/1000ch':>9}  {'forms s':>9}  {'forms MB':>8}")
    for length in lengths:
        secret = secret_of(length)
        repeat = 3 if length <= 16000 else 1
        add_s = timed(lambda s=secret: Masker([s]), repeat)
        add_mb = traced_peak(lambda s=secret: Masker([s]))
        forms_s = timed(lambda s=secret: forms(s), repeat)
        forms_mb = traced_peak(lambda s=secret: forms(s))
        print(f"{length:>8}  {add_s:>9.5f}  {add_mb:>7.2f}  {add_s / length * 1e9:>9.1f}  {forms_s:>9.5f}  {forms_mb:>8.2f}")


def replace_all(text: str, all_forms: list[str]) -> str:
    for form in all_forms:
        text = text.replace(form, MASK)
    return text


def stream_all(masker: Masker, text: str) -> str:
    stream = masker.stream()
    out = [stream.feed(text[i:i + CHUNK]) for i in range(0, len(text), CHUNK)]
    out.append(stream.flush())
    return "".join(out)


def bench_mask(sizes: list[int], secret_lengths: list[int]) -> None:
    print("\nmask text: MB/s of mask(text), of a stream in 64 KiB pieces, and of str.replace of every form")
    print(f"{'secret':>7}  {'text':>6}  {'text MB':>8}  {'mask MB/s':>9}  {'stream MB/s':>11}  {'replace MB/s':>12}  same")
    for length in secret_lengths:
        secret = secret_of(length)
        masker = Masker([secret])
        literal, cores = forms(secret)
        all_forms = sorted(literal | cores, key=len, reverse=True)
        for size, kind in [(size, kind) for size in sizes for kind in ("log", "base64")]:
            text = text_of(size, secret) if kind == "log" else base64_text_of(size)
            repeat = 3 if size <= 1024 * 1024 else 1
            mb = len(text) / 1e6
            mask_s = timed(lambda t=text, m=masker: m.mask(t), repeat)
            stream_s = timed(lambda t=text, m=masker: stream_all(m, t), repeat)
            replace_s = timed(lambda t=text, f=all_forms: replace_all(t, f), repeat)
            same = masker.mask(text) == stream_all(masker, text) and secret not in masker.mask(text)
            print(f"{length:>7}  {kind:>6}  {mb:>8.2f}  {mb / mask_s:>9.1f}  {mb / stream_s:>11.1f}  {mb / replace_s:>12.1f}  {same}")


def bench_many(counts: list[int]) -> None:
    print("\nmany secrets: MB/s of mask(text) and of a stream over 2 MiB of log text, one find pass per form")
    print(f"{'secrets':>8}  {'forms':>6}  {'mask MB/s':>9}  {'stream MB/s':>11}")
    for count in counts:
        secrets = [secret_of(40 + i) for i in range(count)]
        masker = Masker(secrets)
        text = text_of(2 * 1024 * 1024, secrets[0])
        mb = len(text) / 1e6
        mask_s = timed(lambda t=text, m=masker: m.mask(t), 1)
        stream_s = timed(lambda t=text, m=masker: stream_all(m, t), 1)
        print(f"{count:>8}  {len(variants_of(secrets)):>6}  {mb / mask_s:>9.1f}  {mb / stream_s:>11.1f}")


def variants_of(secrets: list[str]) -> set[str]:
    out: set[str] = set()
    for secret in secrets:
        literal, cores = forms(secret)
        out |= literal | cores
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="16,160,1600,16000,64000")
    parser.add_argument("--sizes", default=f"{CHUNK},{1024 * 1024},{8 * 1024 * 1024}")
    parser.add_argument("--mask-secrets", default="40,16000")
    parser.add_argument("--counts", default="1,10,50,200", help="numbers of secrets registered at once")
    args = parser.parse_args()
    bench_add([int(x) for x in args.lengths.split(",")])
    bench_mask([int(x) for x in args.sizes.split(",")], [int(x) for x in args.mask_secrets.split(",")])
    bench_many([int(x) for x in args.counts.split(",")])


if __name__ == "__main__":
    main()
