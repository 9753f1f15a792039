"""Repairs of the YAML mistakes that have one obvious fix, so that the catalog reader can
report them with that fix and read on (`yamlnodes.compose_repairing`): a tab, and an
unquoted ": " inside a value. Text in, text out; the line numbers never move."""

from __future__ import annotations

import re

from yaml.error import MarkedYAMLError


def repaired(error: MarkedYAMLError, text: str) -> str | None:
    """The text with the mistake YAML stopped at repaired on its line, or None."""
    mark = error.problem_mark
    if mark is None or not 0 <= mark.index < len(text):
        return None
    start = text.rfind("\n", 0, mark.index) + 1
    end = text.find("\n", mark.index)
    end = len(text) if end < 0 else end
    line = text[start:end]
    if text[mark.index] == "\t":
        fixed = _untabbed(line, _indent_before(text, start))
    elif (split := unquoted_colon(line)) is not None:
        fixed = f"{split[0]}{double_quoted(split[1])}"
    else:
        return None
    return text[:start] + fixed + text[end:]


def _indent_before(text: str, start: int) -> int:
    """The indentation of the last line with content before `start` ("- " counts)."""
    for previous in reversed(text[:start].splitlines()):
        if previous.strip() and not previous.lstrip().startswith("#"):
            return len(previous) - len(previous.lstrip(" -"))
    return 0


def _untabbed(line: str, indent: int) -> str:
    body = line.lstrip(" \t")
    if "\t" in line[: len(line) - len(body)]:  # the tab indents: as the line above
        return " " * indent + body.replace("\t", " ")
    return line.replace("\t", " ")


# `key: value: more`, the value unquoted: YAML reads the second ": " as a new key.
_KEY_AND_VALUE = re.compile(r"^(\s*(?:-\s+)?[A-Za-z_][\w-]*:\s+)([^\s\"'\[{|>&*!#].*?)\s*$")


def unquoted_colon(line: str) -> tuple[str, str] | None:
    """(the line up to its value, the value) when the value is plain text holding ": "."""
    match = _KEY_AND_VALUE.match(line)
    if match is None or ": " not in match.group(2):
        return None
    value = match.group(2)
    comment = value.find(" #")
    return match.group(1), value if comment < 0 else value[:comment].rstrip()


def double_quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def line_at(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : len(text) if end < 0 else end]
