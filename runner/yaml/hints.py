"""What to write instead, for the YAML traps everybody hits (issue 13, E.13).

A parser error says what the parser saw ("mapping values are not allowed in this context"); the
writer needs to know that `command: curl -H "Authorization: Bearer x"` holds a `: ` that starts a
mapping, and what the line looks like when it is right. `hint` looks at the line of the error and
returns the advice to append to the message, with the corrected line, or "" when no trap fits.
"""

from __future__ import annotations

import re

# `  key: value`, `  - key: value`, `- value`: the indentation and dashes, the key, the value
_PAIR = re.compile(r"^(?P<lead>[ ]*(?:-[ ]+)*)(?:(?P<key>[^\s#'\"{\[][^#]*?|'[^']*'|\"[^\"]*\"):[ \t]+)?(?P<value>.*?)[ \t]*$")
_FLOW_KEY = re.compile(r"([A-Za-z_$][\w.$-]*):[ ]+")
MAX_SHOWN = 160  # characters of a corrected line shown in a message


def quoted(value: str) -> str:
    """`value` as a single-quoted YAML scalar (every character stays as it is but `'`, doubled)."""
    return "'" + value.replace("'", "''") + "'"


def hint(text: str, line: int, column: int, problem: str, context: str) -> str:
    """Advice for the error at `line`:`column` (1-based), starting with "; ", or ""."""
    lines = re.split(r"\r\n?|\n", text)
    if not 1 <= line <= len(lines):
        return ""
    source = lines[line - 1]
    match = _PAIR.match(source)
    if match is None:  # pragma: no cover - the pattern matches every line
        return ""
    lead, key, value = match.group("lead"), match.group("key"), match.group("value")
    prefix = f"{lead}{key}: " if key is not None else lead
    if "\t" in source[: len(source) - len(source.lstrip())] or (column <= len(source) and source[column - 1 : column] == "\t"):
        return "; indent with spaces, not tabs"
    if value.startswith(("{{", "{%")):
        return f"; a value that starts with '{value[:2]}' is read as a YAML mapping: quote it{_shown(prefix, _double_quoted(value))}"
    if context == "while scanning an alias" or value.startswith("*"):
        return (f"; a value that starts with '*' is read as an alias: quote values that start with '*', "
                f"such as cron expressions: \"* * * * *\"{_shown(prefix, _double_quoted(value))}")
    if value[:1] in ("@", "`"):
        return f"; a value cannot start with '{value[0]}' in YAML: quote it{_shown(prefix, quoted(value))}"
    if value.startswith("!") and "tag" in problem:
        return f"; a value that starts with '!' is read as a YAML tag: quote it{_shown(prefix, quoted(value))}"
    if value[:1] in ("|", ">") and "block scalar" in context:
        return (f"; a value that starts with '{value[0]}' is read as a block of text on the next lines: "
                f"quote it{_shown(prefix, quoted(value))}")
    if value[:1] in ("'", '"') and _closes_early(value):
        return (f"; a value that starts with a quote ends at the closing quote: quote the whole value "
                f"(or write it as a '|' block){_shown(prefix, quoted(value))}")
    if "mapping values are not allowed" in problem and ": " in value:
        return (f"; ': ' inside a value starts a mapping: quote the whole value (or write it as a block: "
                f"'{key or 'command'}: |' and the value on the next lines, indented){_shown(prefix, quoted(value))}")
    if "flow" in context or "expected ',' or" in problem:
        return _flow_hint(source, column)
    return ""


def _flow_hint(source: str, column: int) -> str:
    """A `{key: value}` or `[...]` whose plain value holds quotes, brackets or `{{ }}`."""
    for opener in reversed(list(re.finditer(r"[{,\[][ ]*", source[: max(column - 1, 0)]))):
        pair = _FLOW_KEY.match(source, opener.end())
        if pair is None:
            continue
        value = source[pair.end():].rstrip()
        closing = max(value.rfind("}"), value.rfind("]"))
        value = (value[:closing] if closing > 0 else value).rstrip(" ,")
        return (f"; inside '{{ }}' or '[ ]', quote a value that holds ',', '{{', '}}', '[', ']' or quotes "
                f"(or write the mapping as indented lines){_shown(pair.group(1) + ': ', quoted(value))}")
    return ""  # (no `key: value` before the error: an unclosed bracket, say; the parser's words do)


def _closes_early(value: str) -> bool:
    """A quoted scalar followed by more text on its line (`"echo" hi`)."""
    quote = value[0]
    end = value.find(quote, 1)
    while quote == "'" and end >= 0 and value[end + 1 : end + 2] == "'":
        end = value.find(quote, end + 2)
    return 0 < end < len(value) - 1 and not value[end + 1 :].lstrip().startswith("#")


def _double_quoted(value: str) -> str:
    """`value` in double quotes when it holds none (nor a backslash), else in single quotes."""
    return '"' + value + '"' if '"' not in value and "\\" not in value else quoted(value)


def _shown(prefix: str, value: str) -> str:
    """`, as in: LINE`, the corrected line last in the message (it may hold any character)."""
    line = (prefix + value).strip()
    if len(line) > MAX_SHOWN:
        line = line[: MAX_SHOWN - 20] + " ... " + line[-15:]
    return f", as in: {line}"
