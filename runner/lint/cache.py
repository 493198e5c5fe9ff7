"""Lint results kept between runs, as ruff and mypy keep theirs.

A file whose bytes, path, rule selection and flowrun code are all unchanged is not linted again:
its findings are read back from `.flowrun_cache/` in the working directory (`FLOWRUN_CACHE_DIR`
elsewhere; `--no-cache` or `FLOWRUN_NO_CACHE=1` to go without). A pre-commit hook that lints the
same files on every commit then costs the interpreter's start and a hash per file. The flowrun
code is fingerprinted by the size and modification time of every file of the package, so an
upgrade or an edit of a rule empties the cache in effect. An unreadable or corrupt entry is a
miss; a cache that cannot be written is silently skipped (linting never fails because of it).

The cache may sit in a checkout of a hostile repository, which can commit `.flowrun_cache`, `lint`
or a shard as a symlink, or an entry as a symlink to a pipe or a device. Every level is opened
without following a symlink (runner/safe_io.py), an entry is written to a new file and renamed
into place, and a cache whose directories are symlinks, belong to another user or may be
written by every user is not used at all (`check`, with one line saying why). A committed cache
could also hold entries forged to make a file look clean: entry names are therefore keyed with a
secret of this machine's user (`~/.cache/flowrun/cache.key`, 32 random bytes made on first use,
or `FLOWRUN_CACHE_KEY`), which a repository cannot know, so a forged entry is never found. No
key, no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from runner import safe_io
from runner.findings import Finding, Fix
from runner.lint.config import LintConfig

DEFAULT_DIR = ".flowrun_cache"


@cache
def _code_fingerprint() -> bytes:
    package = Path(__file__).resolve().parents[1]  # the whole runner package
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.digest()


KEY_ENV = "FLOWRUN_CACHE_KEY"  # a key given by the environment (a CI cache kept between jobs)
KEY_BYTES = 32


@cache
def local_key() -> bytes | None:
    """This user's secret cache key: FLOWRUN_CACHE_KEY, or the bytes of
    `$XDG_CACHE_HOME/flowrun/cache.key` (`~/.cache/...`), created 0600 on first use. None when
    there is none and none can be made (the cache is then not used)."""
    given = os.environ.get(KEY_ENV, "")
    if given:
        return given.encode()
    try:
        home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        directory = safe_io.open_dir(home / "flowrun", create=True)
    except (OSError, RuntimeError):  # RuntimeError: no home directory
        return None
    try:
        try:
            raw, status = safe_io.read_regular("cache.key", 1024, directory)
        except FileNotFoundError:
            # made at once (a crash leaves no short key); of two racing processes one key wins and
            # the other's entries are misses
            safe_io.replace_file(directory, "cache.key", os.urandom(KEY_BYTES), 0o600)
            raw, status = safe_io.read_regular("cache.key", 1024, directory)
        if len(raw) < KEY_BYTES or status.st_uid != os.geteuid() or status.st_mode & 0o077:
            return None  # not a key of this user's own
        return raw
    except OSError:
        return None
    finally:
        os.close(directory)


# An entry is at most this large (a file's findings; far more than any real file yields)
MAX_ENTRY_BYTES = 64 * 1024 * 1024


class LintCache:
    def __init__(self, config: LintConfig, root: str | Path | None = None) -> None:
        self.root = Path(root or os.environ.get("FLOWRUN_CACHE_DIR") or DEFAULT_DIR)
        selection = json.dumps([sorted(config.select), sorted(config.ignore), config.strict])
        key = local_key()
        self.salt = hashlib.sha256((key or b"") + _code_fingerprint() + selection.encode()).digest()
        self.writable = key is not None

    @staticmethod
    def enabled() -> bool:
        return os.environ.get("FLOWRUN_NO_CACHE", "") in ("", "0") and local_key() is not None

    def check(self) -> str | None:
        """Why this cache must not be used (a symlink, another user's or a world-writable
        directory at its root, at `lint` or at a shard), or None. Run once before linting."""
        try:
            root = safe_io.open_dir(self.root)
        except FileNotFoundError:
            return None  # created by the first entry
        except OSError as exc:
            return self._refusal(self.root, exc)
        try:
            try:
                lint = safe_io.open_dir("lint", root)
            except FileNotFoundError:
                return None
            except OSError as exc:
                return self._refusal(self.root / "lint", exc)
            try:
                for shard in os.listdir(lint):
                    try:
                        os.close(safe_io.open_dir(shard, lint))
                    except OSError as exc:
                        return self._refusal(self.root / "lint" / shard, exc)
            finally:
                os.close(lint)
        finally:
            os.close(root)
        return None

    @staticmethod
    def _refusal(path: Path, exc: OSError) -> str:
        return (f"not using the lint cache: '{path}': {exc.strerror or exc}; delete it, "
                "or set FLOWRUN_CACHE_DIR to a directory of your own (--no-cache goes without)")

    def key(self, path: str, raw: bytes) -> str:
        return hashlib.sha256(self.salt + os.fsencode(path) + b"\0" + raw).hexdigest()

    def _shard(self, key: str, create: bool) -> int:
        """A descriptor of the directory of the entry `key`; every level opened without following a symlink."""
        fd = safe_io.open_dir(self.root, create=False)
        try:
            for name in ("lint", key[:2]):
                parent, fd = fd, -1
                try:
                    fd = safe_io.open_dir(name, parent, create=create)
                finally:
                    os.close(parent)
            return fd
        except BaseException:
            if fd >= 0:
                os.close(fd)
            raise

    def get(self, key: str) -> list[Finding] | None:
        try:
            shard = self._shard(key, create=False)
            try:
                raw, _ = safe_io.read_regular(f"{key}.json", MAX_ENTRY_BYTES, shard)
            finally:
                os.close(shard)
            items = json.loads(raw)
            return [Finding(**{**item, "fix": Fix(tuple(item["fix"])) if item["fix"] is not None else None}) for item in items]
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, findings: list[Finding]) -> None:
        if not self.writable:
            return
        items = [{**vars(f), "fix": list(f.fix.path) if f.fix is not None else None} for f in findings]
        try:
            self._create_root()
            shard = self._shard(key, create=True)
            try:
                safe_io.replace_file(shard, f"{key}.json", json.dumps(items).encode(), 0o644)
            finally:
                os.close(shard)
        except OSError:
            self.writable = False

    def _create_root(self) -> None:
        """The root directory and its `.gitignore`, made by whoever creates the root."""
        if os.path.lexists(self.root):
            return
        if self.root.parent != self.root:
            self.root.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(self.root, 0o775)
        except FileExistsError:
            return  # another worker was first
        root = safe_io.open_dir(self.root)
        try:
            fd = os.open(".gitignore", safe_io.CREATE_FLAGS, 0o666, dir_fd=root)
            with os.fdopen(fd, "w") as fh:
                fh.write("# created by flowrun\n*\n")
        finally:
            os.close(root)
