"""Lint settings from `[tool.flowrun.lint]` of the nearest `pyproject.toml`, or `[lint]` of the
nearest `.flowrun.toml` (searched from the working directory upwards; `.flowrun.toml` wins in
the same directory, as `ruff.toml` does over `pyproject.toml`).

A configuration file may come from a hostile repository: it is read only if it is a regular file
of at most 1 MiB, or a symlink to one in the same directory (or below it); a symlink leading
elsewhere, a named pipe or a device is one clear error (runner/safe_io.py opens without blocking)."""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner import safe_io
from runner.errors import UsageError, plain
from runner.findings import SEVERITIES

KEYS = ("select", "ignore", "fail-on", "exclude", "strict")


@dataclass
class LintConfig:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str = "warning"
    exclude: list[str] = field(default_factory=list)
    root: Path | None = None  # directory of the config file; exclude globs are relative to it
    strict: bool = False  # lint every YAML file as a workflow (none is skipped as another tool's YAML)

    def selects(self, code: str) -> bool:
        """FR001 (the file does not parse) is reported unless ignored explicitly, as ruff does."""
        code = code.upper()
        if self.select and not any(code.startswith(p) for p in self.select) and code != "FR001":
            return False
        return not any(code.startswith(p) for p in self.ignore)

    def excludes(self, path: Path) -> bool:
        if not self.exclude:
            return False
        try:
            rel = path.resolve().relative_to((self.root or Path.cwd()).resolve())
        except ValueError:
            rel = path
        candidates = [rel.as_posix(), *(p.as_posix() for p in rel.parents if p.as_posix() != ".")]
        return any(fnmatch.fnmatch(c, g.rstrip("/")) for g in self.exclude for c in candidates)


def split_codes(values: list[str] | None) -> list[str]:
    """`["FR1,FR3", "FR401"]` -> `["FR1", "FR3", "FR401"]`."""
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return out


# A configuration file is at most this large (a pyproject.toml of a large monorepo is ~100 KB)
MAX_CONFIG_BYTES = 1024 * 1024


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        raw, _ = safe_io.read_regular(_followed(path), MAX_CONFIG_BYTES)
        loaded: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
        return loaded
    except safe_io.TooLarge as exc:
        raise UsageError(f"{path}: cannot read configuration: it is {exc.size:,} bytes; the limit is {MAX_CONFIG_BYTES:,}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: cannot read configuration: it is not UTF-8") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read configuration: {plain(exc)}") from None


def _followed(path: Path) -> str:
    """The file to read for `path`: itself, or the target of a symlink that stays in its directory."""
    if not path.is_symlink():
        return str(path)
    real = os.path.realpath(path)
    holder = os.path.realpath(path.parent)
    if not real.startswith(holder.rstrip(os.sep) + os.sep):
        raise UsageError(f"{path}: cannot read configuration: a symlink to '{real}', outside '{path.parent}'; "
                         "make it a regular file")
    return real


def _present(path: Path) -> bool:
    """Whether a configuration file stands at `path` (a symlink or a pipe is one, and is then refused)."""
    return os.path.lexists(path)


def find(start: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """The lint table of the nearest configuration file, and that file's path."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        dotfile = directory / ".flowrun.toml"
        if _present(dotfile):
            return _load_toml(dotfile).get("lint", {}), dotfile
        pyproject = directory / "pyproject.toml"
        if _present(pyproject):
            table = _load_toml(pyproject).get("tool", {}).get("flowrun", {})
            if "lint" in table:
                return table["lint"], pyproject
    return {}, None


def load(start: Path | None = None) -> LintConfig:
    table, path = find(start)
    config = LintConfig(root=path.parent if path else None)
    if not isinstance(table, dict):
        raise UsageError(f"{path}: the lint settings must be a table")
    for key, value in table.items():
        if key not in KEYS:
            raise UsageError(f"{path}: unknown lint setting '{key}'; expected one of: {', '.join(KEYS)}")
        if key == "fail-on":
            if value not in SEVERITIES:
                raise UsageError(f"{path}: fail-on must be one of: {', '.join(SEVERITIES)}")
            config.fail_on = value
            continue
        if key == "strict":
            if not isinstance(value, bool):
                raise UsageError(f"{path}: strict must be true or false")
            config.strict = value
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{path}: {key} must be a list of strings")
        if key == "exclude":
            config.exclude = list(value)
        else:
            setattr(config, key, split_codes(value))
    return config
