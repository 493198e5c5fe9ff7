"""Lint results kept between runs, as ruff and mypy keep theirs.

A file whose bytes, path, rule selection and flowrun code are all unchanged is not linted again:
its findings are read back from `.flowrun_cache/` in the working directory (`FLOWRUN_CACHE_DIR`
elsewhere; `--no-cache` or `FLOWRUN_NO_CACHE=1` to go without). A pre-commit hook that lints the
same files on every commit then costs the interpreter's start and a hash per file. The flowrun
code is fingerprinted by the size and modification time of every file of the package, so an
upgrade or an edit of a rule empties the cache in effect. An unreadable or corrupt entry is a
miss; a cache that cannot be written is silently skipped (linting never fails because of it).
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from runner.config import LintConfig
from runner.findings import Finding, Fix

DEFAULT_DIR = ".flowrun_cache"


@cache
def _code_fingerprint() -> bytes:
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.digest()


class LintCache:
    def __init__(self, config: LintConfig, root: str | Path | None = None) -> None:
        self.root = Path(root or os.environ.get("FLOWRUN_CACHE_DIR") or DEFAULT_DIR)
        selection = json.dumps([sorted(config.select), sorted(config.ignore)])
        self.salt = hashlib.sha256(_code_fingerprint() + selection.encode()).digest()
        self.writable = True

    @staticmethod
    def enabled() -> bool:
        return os.environ.get("FLOWRUN_NO_CACHE", "") in ("", "0")

    def key(self, path: str, raw: bytes) -> str:
        return hashlib.sha256(self.salt + os.fsencode(path) + b"\0" + raw).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.root / "lint" / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[Finding] | None:
        try:
            items = json.loads(self._entry(key).read_bytes())
            return [Finding(**{**item, "fix": Fix(tuple(item["fix"])) if item["fix"] is not None else None}) for item in items]
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, findings: list[Finding]) -> None:
        if not self.writable:
            return
        items = [{**vars(f), "fix": list(f.fix.path) if f.fix is not None else None} for f in findings]
        entry = self._entry(key)
        try:
            if not self.root.exists():
                self.root.mkdir(parents=True)
                (self.root / ".gitignore").write_text("# created by flowrun\n*\n")
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = entry.with_name(f".{entry.name}.{os.getpid()}")
            tmp.write_text(json.dumps(items))
            os.replace(tmp, entry)
        except OSError:
            self.writable = False
