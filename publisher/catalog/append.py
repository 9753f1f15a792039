"""Append one entry to the catalog file, changing no other byte of it.

Editors' comments, key order, quoting and folding are theirs, so the file is never
re-dumped as a whole: the new entry is rendered with ruamel.yaml in the file's own
indentation and spliced in after the last entry. The result is checked twice before it
replaces the file: ruamel must read the new entry back as the last one, and
`load_catalog` must validate the whole candidate (written to a temp file beside the
catalog). Only then is the temp file fsynced and renamed over the catalog.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString

from publisher.catalog.load import load_catalog
from publisher.errors import CatalogError, OutputError, Problem
from publisher.output.writer import replace_atomically, temp_path_beside

WRAP = 88  # where long summaries are folded, like the shipped catalog's


@dataclass(frozen=True)
class Layout:
    """How the file indents its entries list: `  - id: …` is dash=2, key=4."""

    dash: int = 2
    key: int = 4
    blank_between: bool = True  # entries separated by an empty line


@dataclass(frozen=True)
class Appended:
    text: str  # the whole new file
    entry_text: str  # just the lines added
    line: int  # 1-based line of the new entry's first key


def append_entry(
    path: Path,
    fields: Mapping[str, Any],
    *,
    write: bool = True,
    comments: Mapping[str, str] | None = None,
) -> Appended:
    """Add `fields` as the last entry of the catalog at `path`; validated, atomic.
    `comments` end the lines of the fields they name (`# …`)."""
    original = path.read_bytes().decode("utf-8")
    appended = splice(original, fields, comments or {})
    if "\r\n" in original:  # keep Windows line endings where an editor uses them
        appended = Appended(
            appended.text.replace("\r\n", "\n").replace("\n", "\r\n"),
            appended.entry_text,
            appended.line,
        )
    _write_validated(path, appended.text, write)
    return appended


def splice(
    original: str, fields: Mapping[str, Any], comments: Mapping[str, str] | None = None
) -> Appended:
    """The file's text with the entry inserted after its last entry, nothing else changed."""
    text = original.replace("\r\n", "\n")
    root = YAML(typ="rt").compose(io.StringIO(text))
    entries = _entries_node(root)
    if entries is None or not isinstance(entries, SequenceNode) or not entries.value:
        raise OutputError(
            "the catalog has no block list of entries to append to",
            advice="write `entries:` and a first entry by hand, then run `publisher add` again",
        )
    if entries.flow_style:
        raise OutputError(
            "the catalog's entries are a [flow] list",
            advice="write them as a block list (`- id: …` lines), then run `publisher add` again",
        )
    layout = detect_layout(text, entries)
    at = _end_of(text, entries.value[-1])
    if text and not text.endswith("\n") and at == len(text):
        text += "\n"
        at += 1
    block = render_entry(fields, layout, comments or {})
    prefix = "\n" if layout.blank_between else ""
    new_text = text[:at] + prefix + block + text[at:]
    line = text.count("\n", 0, at) + len(prefix) + 1
    _check_read_back(new_text, len(entries.value) + 1, fields["id"])
    return Appended(new_text, prefix + block, line)


def _entries_node(root: Node | None) -> Node | None:
    if not isinstance(root, MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == "entries":
            return value
    return None


def detect_layout(text: str, entries: SequenceNode) -> Layout:
    """The dash and key columns of the existing entries, and whether blank lines part them."""
    lines = text.split("\n")
    first = entries.value[0]
    key = first.start_mark.column
    line = lines[first.start_mark.line]
    dash = line.rfind("-", 0, key)
    dash = dash if dash >= 0 else max(0, key - 2)
    blank = False
    if len(entries.value) > 1:
        before = entries.value[-1].start_mark.line - 1
        blank = before >= 0 and not lines[before].strip()
    return Layout(dash=dash, key=key, blank_between=blank or len(entries.value) == 1)


def _end_of(text: str, node: Node) -> int:
    """The offset just after the line on which `node`'s content ends (comments stay put)."""
    while isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    end = node.end_mark.index
    if node.end_mark.column == 0:  # a block scalar: its end includes trailing blank lines
        end = len(text[:end].rstrip("\n")) if text[:end].strip() else end
    newline = text.find("\n", end)
    return len(text) if newline < 0 else newline + 1


def render_entry(
    fields: Mapping[str, Any], layout: Layout, comments: Mapping[str, str] | None = None
) -> str:
    """The entry as YAML lines in the file's layout: quoted title, folded summary."""
    entry = CommentedMap()
    for name, value in fields.items():
        entry[name] = _styled(name, value, layout)
    for name, comment in (comments or {}).items():
        if name in entry:
            entry.yaml_add_eol_comment(comment, name)
    yaml = YAML(typ="rt")
    yaml.width = 4096  # folding is decided per scalar below, never by the emitter
    offset = layout.key - layout.dash
    yaml.indent(mapping=offset, sequence=offset, offset=0)
    out = io.StringIO()
    yaml.dump([entry], out)
    return "".join(" " * layout.dash + line for line in out.getvalue().splitlines(True))


def _styled(name: str, value: Any, layout: Layout) -> Any:
    if name == "title":
        return DoubleQuotedScalarString(value)
    if name == "authors":
        names = CommentedSeq(value)
        names.fa.set_flow_style()
        return names
    if name == "summary" and len(value) > WRAP - layout.key - 2:
        folded = FoldedScalarString(value)
        folded.fold_pos = fold_positions(value, WRAP - layout.key - 2)
        return folded
    return value


def fold_positions(text: str, width: int) -> list[int]:
    """Indexes of the spaces at which to break `text` into lines of at most `width`."""
    positions, line_start, last_space = [], 0, -1
    for index, char in enumerate(text):
        if char == " " and 0 < index < len(text) - 1 and text[index + 1] != " ":
            if index - line_start > width and last_space > line_start:
                positions.append(last_space)
                line_start = last_space + 1
            last_space = index
    if len(text) - line_start > width and last_space > line_start:
        positions.append(last_space)
    return positions


def _check_read_back(new_text: str, count: int, entry_id: str) -> None:
    """ruamel must see the spliced entry as the last one, with the whole file intact."""
    data = YAML(typ="safe", pure=True).load(new_text)
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or len(entries) != count or entries[-1].get("id") != entry_id:
        raise OutputError(
            "the new entry could not be placed after the last one",
            advice="add it by hand; the catalog was not changed",
        )


def _write_validated(path: Path, text: str, write: bool) -> None:
    """Validate `text` as a catalog in a temp file beside `path`, then replace `path`."""
    mode = path.stat().st_mode & 0o7777
    try:
        with temp_path_beside(path, suffix=".yaml") as temp:
            write_candidate(temp, text.encode("utf-8"))
            _validate_as(temp, path)
            if write:
                replace_atomically(temp, path, mode)  # the catalog keeps its permissions
    except OSError as error:
        # the temp file's name means nothing to the editor; the catalog's does
        raise type(error)(error.errno, error.strerror, str(path)) from error


def write_candidate(temp: Path, data: bytes) -> None:
    with temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _validate_as(temp: Path, path: Path) -> None:
    try:
        load_catalog(temp)
    except CatalogError as error:
        raise CatalogError(
            [Problem(str(path), p.line, p.field, p.message, p.hint) for p in error.problems]
        ) from None
