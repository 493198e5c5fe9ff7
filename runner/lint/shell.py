"""The shell tokenizer the command rules share (FR401, FR403, FR405): a `bash` command split
into words and steps without running anything, each result cached by the command's text.
Not a rule: the registry does not list it."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Sequence
from functools import lru_cache

from runner.templates.refs import TAGS, tag_spans

# -- shell ---------------------------------------------------------------------------------------
SEPARATORS = frozenset({";", "&&", "||", "\n", "&"})


@lru_cache(maxsize=4096)
def placeholders(command: str) -> tuple[str, dict[str, str]]:
    """Replace each `{{ ... }}` by a space-free placeholder, so the shell tokenizer keeps it whole.

    Cached (several rules read the same commands): the mapping is shared, do not change it."""
    mapping: dict[str, str] = {}
    parts: list[str] = []
    pos = 0
    for start, end in tag_spans(command, TAGS[:1]):
        key = f"__TPL{len(mapping)}__"
        mapping[key] = command[start:end]
        parts += [command[pos:start], key]
        pos = end
    parts.append(command[pos:])
    return "".join(parts), mapping


# Longer commands are not tokenized (the shell rules FR401, FR403 and FR405 skip them): shlex
# takes time quadratic in a token's length, and a 9 MiB command would take hours.
MAX_SHELL_CHARS = 16 * 1024


@lru_cache(maxsize=4096)
def shell_tokens(command: str) -> tuple[str, ...]:
    """Shell tokens (quotes kept, so a quoted '>>' is not an operator); newlines are tokens.

    The bodies of `$(...)` inside double-quoted words are tokenized too (appended after).
    Cached: three rules read the same commands. No tokens for a command over MAX_SHELL_CHARS.
    """
    if len(command) > MAX_SHELL_CHARS:
        return ()
    text = strip_heredocs(command).replace("\\\n", " ")
    lexer = shlex.shlex(text, posix=False, punctuation_chars=";&|()<>\n")
    lexer.whitespace = " \t\r"
    lexer.commenters = "#"
    out: list[str] = []
    nested: list[str] = []
    try:
        for token in lexer:
            if set(token) <= set(";&|()<>\n") and "\n" in token:
                stripped = token.replace("\n", "")
                if stripped:
                    out.append(stripped)
                out.append("\n")
                continue
            out.append(token)
            if token.startswith('"') and "$(" in token:
                nested.extend(_substitutions(token))
    except ValueError:  # unbalanced quotes: fall back to whitespace splitting
        return tuple(text.split())
    for body in nested:
        out.append("\n")
        out.extend(shell_tokens(body))
    return tuple(out)


HEREDOC = re.compile(r"(?<!<)<<(-?)[ \t]*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")  # not `<<<`, a here-string


def strip_heredocs(command: str) -> str:
    """Drop the bodies of here-documents (`<<EOF` ... `EOF`): their lines are data, not commands.

    A `<<WORD` without a terminating line (e.g. inside quotes) is left alone."""
    lines = command.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        i += 1
        for match in HEREDOC.finditer(line):
            dash, word = match.group(1), match.group(3)
            end = next((j for j in range(i, len(lines)) if (lines[j].lstrip("\t") if dash else lines[j]) == word), None)
            if end is None:
                break
            i = end + 1
    return "\n".join(out)


def _substitutions(word: str) -> Iterator[str]:
    i = 0
    while True:
        start = word.find("$(", i)
        if start < 0:
            return
        depth, j = 1, start + 2
        while j < len(word) and depth:
            depth += {"(": 1, ")": -1}.get(word[j], 0)
            j += 1
        yield word[start + 2:j - 1]
        i = j


def commands(tokens: Sequence[str]) -> list[list[str]]:
    """Split tokens into simple commands at `;`, `&&`, `||`, `&` and newlines (pipes stay whole)."""
    out: list[list[str]] = [[]]
    for token in tokens:
        if token in SEPARATORS:
            if out[-1]:
                out.append([])
        else:
            out[-1].append(token)
    return [c for c in out if c]


# Words that do no work of their own: a task running `set -e`, `cd dir` and one script runs one
# step. Shell keywords are stripped from the front of a command; a `for`/`case` header is no step.
SHELL_KEYWORDS = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac", "{", "}", "(", ")", "!", "time"})
HEADERS = frozenset({"for", "select", "case"})
SETUP_COMMANDS = frozenset({
    "set", "cd", "pushd", "popd", "export", "source", ".", "trap", "umask", "shopt", "unset", ":", "true",
    "echo", "printf", "local", "declare", "readonly", "test", "[", "[[", "read",
})
ASSIGNMENT_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


@lru_cache(maxsize=4096)
def steps(command: str) -> tuple[list[str], ...]:
    """The simple commands of a shell command that do work, keywords and assignments stripped
    (cached: shared, do not change the lists)."""
    text, _ = placeholders(command)
    out = []
    for words in commands(shell_tokens(text)):
        while words and (words[0] in SHELL_KEYWORDS or ASSIGNMENT_WORD.match(words[0])):
            words = words[1:]
        if words and words[0] not in HEADERS and words[0] not in SETUP_COMMANDS and words[0][0] not in "<>&|":
            out.append(words)
    return tuple(out)
