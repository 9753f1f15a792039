"""Reading YAML as located nodes, safely.

The catalog is composed into YAML nodes, never constructed into Python objects, so no
tag can run code and every value keeps its line number. Duplicate keys, explicit tags,
text that is not clean UTF-8, nesting too deep and aliases that repeat too much become
`Problem`s instead of silent surprises (or a crash). Parsing uses libyaml (PyYAML's C
parser) when present: it reads a 10,000-entry catalog in about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.error import MarkedYAMLError, YAMLError
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from publisher.catalog.yamlrepair import double_quoted, line_at, repaired, unquoted_colon
from publisher.errors import CatalogError, Problem
from publisher.formats.text import CONTROL_CHARACTERS, describe

YAML_TAG = "tag:yaml.org,2002:"
PLAIN_TAGS = {f"{YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}
CONTAINER_TAGS = {f"{YAML_TAG}map", f"{YAML_TAG}seq"}


@dataclass(frozen=True)
class Located:
    """A node with the name of the file it came from, for messages."""

    file: str
    node: Node

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1


def read_text(path: Path) -> str:
    """The file's text; a BOM, bad UTF-8 or control characters are located problems."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CatalogError(
            [
                Problem(
                    name,
                    0,
                    "file",
                    f"cannot read it: {error.strerror}",
                    "check the path, or give the catalog with --catalog",
                )
            ]
        ) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raise CatalogError(
            [
                Problem(
                    name, 1, "file", "starts with a byte-order mark", "save it as UTF-8 without BOM"
                )
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CatalogError(
            [
                Problem(
                    name,
                    line,
                    "file",
                    f"is not UTF-8 (byte 0x{raw[error.start]:02x})",
                    "save the file as UTF-8",
                )
            ]
        ) from None
    problems = [
        Problem(
            name,
            text.count("\n", 0, match.start()) + 1,
            "file",
            f"contains {describe(match.group())}",
            "delete it",
        )
        for match in CONTROL_CHARACTERS.finditer(text)
    ]
    if problems:
        raise CatalogError(problems)
    return text


# Only the parser's events are used (the nodes are built by `_Composer`); libyaml's parser
# when present is many times faster than the pure-Python one.
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Every untagged value keeps its kind's plain tag, scalars as text: the catalog's fields
# say what each value is, and YAML 1.1's guessing (`no` is false, `1:20` is 80) would
# only get in the way.
DEFAULT_TAGS = {
    ScalarNode: f"{YAML_TAG}str",
    SequenceNode: f"{YAML_TAG}seq",
    MappingNode: f"{YAML_TAG}map",
}


def compose(text: str, file: str) -> Node | None:
    """The document's node tree, or a CatalogError at the line YAML stopped at.

    The nodes are built here from libyaml's events, in a loop rather than by recursion:
    that is where nesting depth and aliases are bounded (a catalog thousands of levels
    deep overflows the C composer's stack, and a 1 KB "billion laughs" expands to a
    billion values for anything that walks it) and explicit tags are refused.
    """
    parser = _Parser(text)
    try:
        composer = _Composer(file)
        while not composer.done:
            composer.feed(parser.get_event())
    except MarkedYAMLError as error:
        problem = _yaml_problem(error, file, text)
        fixed = repaired(error, text)
        if fixed is not None:
            raise _Repairable(problem, fixed, error.problem_mark.index) from None
        raise CatalogError([problem]) from None
    except YAMLError as error:
        raise CatalogError([Problem(file, 0, "yaml", str(error))]) from None
    finally:
        parser.dispose()
    if composer.problems:
        raise CatalogError(composer.problems)
    return composer.root


# A catalog's values are at most five levels deep (entries, an entry, authors, a name);
# anything near this is a mistake or an attack, and is refused before it is walked.
MAX_DEPTH = 64
TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep"
TOO_DEEP_HINT = "a catalog needs a few levels; check the brackets and the indentation"
# Aliases may repeat at most as many values as the document writes out (or this many,
# in a short document): a shared `owner` is fine, an alias bomb is not.
ALIAS_FLOOR = 10_000


@dataclass
class _Open:
    """A sequence or mapping whose end event has not come yet."""

    event: Event
    children: list[Node]
    size: int = 1  # values inside it once aliases are expanded, itself included


class _Composer:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.root: Node | None = None
        self.done = False
        self.documents = 0
        self.stack: list[_Open] = []
        self.anchors: dict[str, tuple[Node, int]] = {}  # name -> (node, expanded size)
        self.written = 0  # nodes written out in the text
        self.repeated = 0  # nodes added by aliases

    def feed(self, event: Event) -> None:
        kind = type(event)  # `is` on the exact class: this runs once per value of the file
        if kind is ScalarEvent:
            node = ScalarNode(
                self._tag(event, ScalarNode), event.value, event.start_mark, event.end_mark,
                style=event.style,
            )  # fmt: skip
            self._add(node, 1, event.anchor)
        elif kind is SequenceStartEvent or kind is MappingStartEvent:
            if len(self.stack) >= MAX_DEPTH:
                raise self._refuse(event, TOO_DEEP, TOO_DEEP_HINT)
            self.stack.append(_Open(event, []))
        elif kind is SequenceEndEvent or kind is MappingEndEvent:
            self._close(event)
        elif kind is AliasEvent:
            self._alias(event)
        elif kind is DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise self._refuse(event, "a second document starts here", "a catalog is one")
        elif kind is StreamEndEvent:
            self.done = True

    def _close(self, event: Event) -> None:
        opened = self.stack.pop()
        start = opened.event
        if isinstance(start, SequenceStartEvent):
            kind, value = SequenceNode, opened.children
        else:
            pairs = zip(opened.children[::2], opened.children[1::2], strict=True)
            kind, value = MappingNode, list(pairs)
        node = kind(
            self._tag(start, kind), value, start.start_mark, event.end_mark,
            flow_style=start.flow_style,
        )  # fmt: skip
        self._add(node, opened.size, start.anchor)

    def _alias(self, event: AliasEvent) -> None:
        if event.anchor not in self.anchors:
            raise self._refuse(
                event,
                f"the alias *{event.anchor} has no complete &{event.anchor} before it",
                "an alias repeats a value given earlier, never the one it is inside",
            )
        node, size = self.anchors[event.anchor]
        self.repeated += size
        limit = max(ALIAS_FLOOR, self.written)
        if self.repeated > limit:
            raise self._refuse(
                event,
                f"aliases here repeat more than {limit:,} values",
                "write the values out; a catalog needs few aliases",
            )
        self._add(node, size, None, written=False)

    def _add(self, node: Node, size: int, anchor: str | None, written: bool = True) -> None:
        if anchor is not None:
            self.anchors[anchor] = (node, size)  # complete: an alias cannot loop back
        self.written += written
        if self.stack:
            self.stack[-1].children.append(node)
            self.stack[-1].size += size
        else:
            self.root = node

    def _tag(self, event: Event, kind: type[Node]) -> str:
        """The node's tag; explicit tags other than YAML's plain ones are problems."""
        tag = event.tag
        if tag is None or tag == "!":
            return DEFAULT_TAGS[kind]
        if tag not in PLAIN_TAGS | CONTAINER_TAGS:
            self.problems.append(
                Problem(
                    self.file,
                    event.start_mark.line + 1,
                    "yaml",
                    f"the tag {tag.removeprefix(YAML_TAG)!r} is not allowed",
                    "catalogs hold plain values; remove the tag",
                )
            )
        return tag

    def _refuse(self, event: Event, message: str, hint: str) -> CatalogError:
        line = event.start_mark.line + 1
        return CatalogError([*self.problems, Problem(self.file, line, "yaml", message, hint)])


FLOW_OPENERS = {"while parsing a flow sequence": "[", "while parsing a flow mapping": "{"}


def compose_repairing(text: str, file: str) -> tuple[Node | None, list[Problem]]:
    """`compose`, going on past the mistakes that have one obvious repair (a tab, an
    unquoted ": " inside a value): each is a problem with the hint that names the fix,
    and the rest of the file is still read, so that its other problems are reported in
    the same run instead of one per edit. A repair that does not help (YAML stops again
    on a line already repaired) ends it: what follows would be noise.

    Each repair reads the file again from its start up to the next mistake, so the
    repairs stop once they have read `REPAIR_READS` files' worth (or `REPAIR_CHARS`, for
    small files): a pasted block of tab-indented lines at the end of a large catalog
    costs a few reads of it, not one per line."""
    problems: list[Problem] = []
    repaired_lines: set[int] = set()
    budget = max(REPAIR_READS * len(text), REPAIR_CHARS)
    while len(problems) < MAX_REPAIRS and budget > 0:
        try:
            return compose(text, file), problems
        except _Repairable as repairable:
            if repairable.problem.line in repaired_lines:
                break
            problems.append(repairable.problem)
            repaired_lines.add(repairable.problem.line)
            text = repairable.repaired
            budget -= repairable.read
        except CatalogError as error:
            raise CatalogError([*problems, *error.problems]) from None
    raise CatalogError(problems)


MAX_REPAIRS = 50
REPAIR_READS = 4
REPAIR_CHARS = 2_000_000  # about a second of reading


class _Repairable(Exception):
    """A YAML mistake with one obvious repair: its problem, the text repaired, and how
    far YAML read to find it."""

    def __init__(self, problem: Problem, repaired: str, read: int):
        super().__init__(problem)
        self.problem = problem
        self.repaired = repaired
        self.read = read  # characters YAML read before it stopped


def _yaml_problem(error: MarkedYAMLError, file: str, text: str = "") -> Problem:
    what = error.problem or error.context or "invalid YAML"
    mark = error.problem_mark or error.context_mark
    hint = ""
    at = text[mark.index] if mark is not None and 0 <= mark.index < len(text) else ""
    if "nesting depth" in what:
        # The libyaml in newer PyYAML wheels (6.0.4) stops at 1,000 levels of its own, and
        # its scanner reads far enough ahead in `[[[[…` to get there before the composer
        # sees level 65: whichever layer notices, the editor reads the same problem.
        what, hint = TOO_DEEP, TOO_DEEP_HINT
    elif "tab" in what or "\\t" in what or at == "\t":
        what = "a tab character here"
        hint = "YAML indents with spaces only: replace the tab with spaces"
    elif "mapping values are not allowed" in what and (
        split := unquoted_colon(line_at(text, mark.index) if mark is not None else "")
    ):
        key, value = split[0].strip(" -"), split[1]
        what = f'a ": " inside the value of {key.rstrip(": ")} (YAML takes it for a new key)'
        shown = value if len(value) <= 60 else value[:59] + "…"
        hint = f"put the value in quotes: {key} {double_quoted(shown)}"
    elif "escape" in what:  # "\ud800" is half a character; "\q" is no escape
        hint = "write the character itself, or a \\uXXXX escape of a whole one"
    elif "end of stream" in what and "quoted" in (error.context or "") and error.context_mark:
        # The end of the file is where YAML noticed; the quote that never closed is the news.
        mark, what, hint = error.context_mark, "a quote is never closed", "close the quote"
    elif error.context_mark and (bracket := FLOW_OPENERS.get(error.context or "")):
        # where YAML gave up can be lines below the bracket that was never closed
        hint = f"close the {bracket} opened on line {error.context_mark.line + 1}"
    line = mark.line + 1 if mark else 0
    return Problem(file, line, "yaml", what, hint)


def mapping_items(node: MappingNode, file: str, problems: list[Problem], where: str):
    """(key text, key node, value node) of a mapping, reporting duplicate keys."""
    seen: dict[str, int] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, ScalarNode) else str(key.value)
        line = key.start_mark.line + 1
        if name in seen:
            problems.append(
                Problem(
                    file,
                    line,
                    f"{where}{name}",
                    f"duplicate key (first given at line {seen[name]})",
                    "keep one of them",
                )
            )
            continue
        seen[name] = line
        yield name, key, value
