"""What templates see at run time (SPEC section 2): identity, dates, params, variables, outputs."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from runner.errors import UsageError
from runner.run.masking import Masker
from runner.templates.render import TemplateProblem


class Lookup:
    """Where `var.value.NAME` / `var.secret.NAME` come from: env `FLOWRUN_<KIND>_<NAME>` (exact,
    then upper-cased), then the file. The runner's own object: templates never see it (its
    methods would list every secret); they see a `Names` view that reads one name at a time."""

    def __init__(self, prefix: str, values: Mapping[str, str], kind: str) -> None:
        self._prefix, self._values, self._kind = prefix, dict(values), kind

    def get(self, name: str) -> str | None:
        for key in (self._prefix + name, self._prefix + name.upper()):
            if key in os.environ:
                return os.environ[key]
        return self._values.get(name)

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise TemplateProblem(
                f"{self._kind} '{name}' is not set (environment {self._prefix}{name} or the --{self._kind}s file)"
            )
        return value

    def all_values(self) -> list[str]:
        values = list(self._values.values())
        values += [v for k, v in os.environ.items() if k.startswith(self._prefix)]
        return values


def _not_a_value(label: str) -> TemplateProblem:
    return TemplateProblem(f"'{label}' is not a value; name one: {label}.NAME or {label}['NAME']")


class Names:
    """What a template sees as `var.value` / `var.secret`: the value of one literal name
    (`var.secret.TOK`, `var.secret['TOK']`) and nothing else. No methods (a method name is read as
    a variable's name), no iteration, no membership test, no text of its own: each of those is a
    one-line TemplateProblem, so no template can list secrets it does not name (the linter's
    FR303 sees every name a template reads). Built per kind by `_names_type`, whose class name is
    the template's name for it (it shows in messages such as "object of type 'var.secret' has no
    len()")."""

    __slots__ = ("_label", "_resolve")
    _label: str
    _resolve: Callable[[str], str]

    def __init__(self, label: str, resolve: Callable[[str], str]) -> None:
        object.__setattr__(self, "_label", label)
        object.__setattr__(self, "_resolve", resolve)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._value(name)

    def __getitem__(self, name: object) -> Any:
        if not isinstance(name, str):
            raise TemplateProblem(f"{self._label}[{name!r}]: a {self._label} is read by its name, {self._label}['NAME']")
        return self._value(name)

    def _value(self, name: str) -> Any:
        """The value, or (not set) Jinja's strict undefined carrying the reason: rendering it
        fails naming the variable, while `| default('x')` and `is defined` work."""
        try:
            return self._resolve(name)
        except TemplateProblem as exc:
            from jinja2 import StrictUndefined

            return StrictUndefined(hint=str(exc))

    def __iter__(self) -> Iterator[str]:
        raise TemplateProblem(f"'{self._label}' cannot be listed or searched; name one: {self._label}.NAME")

    def __str__(self) -> str:
        raise _not_a_value(self._label)

    def __repr__(self) -> str:
        return f"<{self._label}>"


class TemplateVariables:
    """What a template sees as `var`: `var.value` and `var.secret`, nothing else."""

    __slots__ = ("secret", "value")

    def __init__(self, value: Names, secret: Names) -> None:
        self.value, self.secret = value, secret

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise TemplateProblem(f"'var.{name}' is not available; write var.value.NAME or var.secret.NAME")

    def __getitem__(self, name: object) -> Names:
        if name in ("value", "secret"):
            return self.value if name == "value" else self.secret
        raise TemplateProblem(f"'var[{name!r}]' is not available; write var.value.NAME or var.secret.NAME")

    def __iter__(self) -> Iterator[str]:
        raise TemplateProblem("'var' cannot be listed; write var.value.NAME or var.secret.NAME")

    def __str__(self) -> str:
        raise TemplateProblem("'var' is not a value; write var.value.NAME or var.secret.NAME")

    def __repr__(self) -> str:
        return "<var>"


def _names_type(label: str) -> type[Names]:
    return type(label, (Names,), {"__slots__": ()})


_VALUE_NAMES, _SECRET_NAMES = _names_type("var.value"), _names_type("var.secret")


class Variables:
    def __init__(self, values: Mapping[str, str] | None = None, secrets: Mapping[str, str] | None = None) -> None:
        self.value = Lookup("FLOWRUN_VAR_", values or {}, "var")
        self.secret = Lookup("FLOWRUN_SECRET_", secrets or {}, "secret")

    def masker(self) -> Masker:
        return Masker(v for v in self.secret.all_values() if v)

    def view(self) -> TemplateVariables:
        """`var` as templates see it."""
        return TemplateVariables(_VALUE_NAMES("var.value", self.value.require),
                                 _SECRET_NAMES("var.secret", self.secret.require))


class TaskInstance:
    """`ti.xcom_pull(task_ids=...)`: outputs of this run's tasks."""

    def __init__(self, outputs: Mapping[str, Any], known: frozenset[str] | None = None) -> None:
        self._outputs = outputs
        self._known = known

    def xcom_pull(self, task_ids: str | list[str] | None = None, key: str | None = None, **_: Any) -> Any:
        if task_ids is None:
            raise TemplateProblem("ti.xcom_pull needs task_ids")
        if isinstance(task_ids, str):
            return self._one(task_ids)
        return [self._one(t) for t in task_ids]

    def __str__(self) -> str:
        raise TemplateProblem("'ti' is not a value; write ti.xcom_pull(task_ids='TASK')")

    def __repr__(self) -> str:
        return "<ti>"

    def _one(self, task_id: str) -> Any:
        if self._known is not None and task_id not in self._known:
            raise TemplateProblem(f"ti.xcom_pull: no task '{task_id}' in this workflow")
        return self._outputs.get(task_id)


def template_context(dag_id: str, run_id: str, logical_date: datetime, task_id: str, try_number: int,
                     params: Mapping[str, Any], variables: Variables, ti: Any) -> dict[str, Any]:
    iso = logical_date.isoformat()
    return {
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "execution_id": run_id,
        "try_number": try_number,
        "execution_date": iso,
        "logical_date": iso,
        "ds": logical_date.strftime("%Y-%m-%d"),
        "ds_nodash": logical_date.strftime("%Y%m%d"),
        "ts": iso,
        "params": dict(params),
        "var": variables.view(),
        "ti": ti,
    }


def read_vars_file(path: str) -> dict[str, str]:
    """`.env` lines `NAME=value` (comments and `export` allowed) or a YAML mapping."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})") from None
    if path.endswith((".yaml", ".yml")):
        from runner.yaml.loader import parse
        from runner.yaml.nodes import YamlProblem

        try:
            data = parse(text, path).data
        except YamlProblem as exc:
            raise UsageError(f"{path}:{exc.line}:{exc.column}: {exc.message}") from None
        return {str(k): "" if v is None else str(v) for k, v in data.items()}
    values = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[7:].lstrip()
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"{path}:{number}:1: expected NAME=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def resolve_params(schema: Mapping[str, Any], given: Mapping[str, str]) -> dict[str, Any]:
    """Defaults, overridden by `--param NAME=VALUE` (a YAML scalar), each validated by its schema."""
    unknown = [name for name in given if name not in schema]
    if unknown:
        known = ", ".join(schema) or "none declared"
        raise UsageError(f"unknown parameter '{unknown[0]}' (declared: {known})")
    values: dict[str, Any] = {}
    for name, spec in schema.items():
        if name in given:
            values[name] = resolve_param(name, spec, given[name])
        elif "default" in spec:
            values[name] = check_param(name, spec, spec["default"])
        else:
            raise UsageError(f"parameter '{name}' has no default; pass --param {name}=VALUE")
    return values


def resolve_param(name: str, spec: Mapping[str, Any], raw: str) -> Any:
    """The value of `--param NAME=RAW`: the text for a string parameter, else a YAML scalar; checked."""
    from runner.yaml.loader import parse
    from runner.yaml.nodes import YamlProblem

    types = spec.get("type")
    if types == "string" or (isinstance(types, list) and "string" in types):
        value: Any = raw  # a string parameter takes the text as written
    else:
        try:
            value = parse(f"v: {raw}" if raw.strip() else "v: ''").data["v"]
        except (YamlProblem, KeyError):
            value = raw
    return check_param(name, spec, value)


def check_param(name: str, spec: Mapping[str, Any], value: Any) -> Any:
    """`value` if its schema accepts it and it is JSON data (`.nan` and `.inf` are YAML, not JSON:
    stored, they would make `runs show --format json` invalid); else UsageError."""
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        raise UsageError(f"parameter '{name}': NaN and infinity are not JSON numbers; give a finite number") from None
    from runner.schema.validate import (
        json_schema_errors,  # jsonschema: only for workflows with params
    )

    errors = json_schema_errors(dict(spec), value)
    if errors:
        raise UsageError(f"parameter '{name}': {errors[0].message}")
    return value
