"""Load: read `media_catalog.yaml` and validate it, once, into a `Catalog`.

Every problem is collected, located (file:line, field) and reported together, so an
editor fixes the whole file in one pass. After this module the code trusts its types.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from publisher import apple
from publisher.errors import CatalogError, Problem
from publisher.model import (
    AudioSettings,
    Catalog,
    Entry,
    Funding,
    Limits,
    Owner,
    Series,
    Site,
)
from publisher.yamlnodes import compose, mapping_items, read_text, tag_problems

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
SLUG_MAX = 64
LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*\Z")


class Invalid(Exception):
    """A value that does not fit its field; becomes a located Problem."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


Converter = Callable[["Reader", Node, str], Any]


@dataclass(frozen=True)
class Field:
    convert: Converter
    required: bool = False


# Converters: node -> value, or Invalid ---------------------------------------------


def _scalar(node: Node, expected: str) -> ScalarNode:
    if not isinstance(node, ScalarNode) or node.value in ("", "~", "null"):
        raise Invalid(f"expected {expected}")
    return node


def text(reader: Reader, node: Node, where: str) -> str:
    # Any scalar is text here: the node keeps the source's characters, so `language: no`
    # stays "no" and `title: 1917` stays "1917" (YAML 1.1 would make them false and 1917).
    return _scalar(node, "text").value.strip()


def required_text(reader: Reader, node: Node, where: str) -> str:
    value = text(reader, node, where)
    if not value:
        raise Invalid("is empty")
    return value


def url(reader: Reader, node: Node, where: str) -> str:
    value = required_text(reader, node, where)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(f"{value!r} is not an http(s) URL", "write it as https://…")
    return value


def base_url(reader: Reader, node: Node, where: str) -> str:
    value = url(reader, node, where)
    return value if value.endswith("/") else value + "/"


def source(reader: Reader, node: Node, where: str) -> str:
    value = required_text(reader, node, where)
    scheme = urlsplit(value).scheme.lower()
    if scheme == "file":
        raise Invalid("file:// URLs are not sources", "write the local file's path instead")
    if scheme and len(scheme) > 1 and scheme not in ("http", "https"):
        raise Invalid(f"the scheme {scheme!r} is not allowed", "use an http(s) URL or a path")
    return value


def slug(reader: Reader, node: Node, where: str) -> str:
    value = required_text(reader, node, where)
    check_slug(value)
    return value


def check_slug(value: str) -> None:
    if len(value) > SLUG_MAX:
        raise Invalid(f"is longer than {SLUG_MAX} characters")
    if not SLUG.match(value):
        suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")[:SLUG_MAX]
        hint = f"try {suggestion!r}" if suggestion else "use a-z, 0-9 and -"
        raise Invalid(
            f"{value!r} is not a slug (a-z, 0-9 and -, starting with a letter or digit)", hint
        )


def boolean(reader: Reader, node: Node, where: str) -> bool:
    value = _scalar(node, "true or false").value
    if value.lower() not in ("true", "false"):
        raise Invalid(f"expected true or false, got {value!r}")
    return value.lower() == "true"


def integer(minimum: int) -> Converter:
    def convert(reader: Reader, node: Node, where: str) -> int:
        text = _scalar(node, "a whole number").value
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise Invalid(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise Invalid(f"must be at least {minimum}")
        return value

    return convert


def choice(*options: str) -> Converter:
    def convert(reader: Reader, node: Node, where: str) -> str:
        value = required_text(reader, node, where)
        if value not in options:
            raise Invalid(
                f"{value!r} is not one of: {', '.join(options)}", _did_you_mean(value, options)
            )
        return value

    return convert


def loudness(reader: Reader, node: Node, where: str) -> float | None:
    scalar = _scalar(node, "a loudness in LUFS, or off")
    if scalar.value.lower() in ("off", "false"):
        return None
    try:
        value = float(scalar.value)
    except ValueError:
        raise Invalid(
            f"expected a number of LUFS such as -16, or off, got {scalar.value!r}"
        ) from None
    if not -70 <= value <= -5:
        raise Invalid(f"{value} LUFS is outside -70…-5", "podcasts use -16 (stereo) or -19 (mono)")
    return value


def published(reader: Reader, node: Node, where: str) -> datetime:
    value = required_text(reader, node, where)
    try:
        if len(value) == 10:  # a plain date: midnight UTC, so feeds sort and compare
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        moment = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise Invalid(
            f"{value!r} is not a real date", "write 2017-07-20 or 2017-07-20T18:00:00+01:00"
        ) from None
    if moment.tzinfo is None:
        raise Invalid(f"{value!r} has no time zone", "add an offset, e.g. +00:00")
    return moment


def category(reader: Reader, node: Node, where: str) -> tuple[str, ...]:
    value = required_text(reader, node, where)
    parts, why = apple.parse_category(value)
    if parts is None:
        names = list(apple.CATEGORIES) + [
            f"{top} > {sub}" for top, subs in apple.CATEGORIES.items() for sub in subs
        ]
        raise Invalid(why, _did_you_mean(value, names) or "see Apple Podcasts' category list")
    return parts


def text_list(reader: Reader, node: Node, where: str) -> tuple[str, ...]:
    if isinstance(node, ScalarNode):
        return (required_text(reader, node, where),)
    if not isinstance(node, SequenceNode):
        raise Invalid("expected a list of names")
    return tuple(required_text(reader, child, where) for child in node.value)


def url_list(reader: Reader, node: Node, where: str) -> tuple[str, ...]:
    if not isinstance(node, SequenceNode):
        raise Invalid("expected a list of URLs")
    return tuple(url(reader, child, where) for child in node.value)


def nested(schema: dict[str, Field], build: Callable[..., Any]) -> Converter:
    def convert(reader: Reader, node: Node, where: str) -> Any:
        values = reader.mapping(node, schema, where + ".")
        missing = [name for name, spec in schema.items() if spec.required and name not in values]
        if values is None or missing:
            return None
        return build(**values)

    return convert


def _did_you_mean(value: str, options) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


# Schemas ---------------------------------------------------------------------------

OWNER = {"name": Field(required_text, True), "email": Field(required_text, True)}
FUNDING = {"url": Field(url, True), "text": Field(required_text, True)}
LIMITS = {"max_duration": Field(integer(1)), "max_filesize": Field(integer(1))}
AUDIO = {"format": Field(choice("m4a", "mp3")), "loudness": Field(loudness)}

SITE = {
    "title": Field(required_text, True),
    "base_url": Field(base_url, True),
    "link": Field(url, True),
    "language": Field(required_text, True),
    "author": Field(required_text, True),
    "owner": Field(nested(OWNER, Owner), True),
    "image": Field(required_text, True),
    "copyright": Field(text),
    "description": Field(text),
    "funding": Field(nested(FUNDING, Funding)),
    "license": Field(text),
    "hubs": Field(url_list),
    "feed_page_size": Field(integer(0)),
    "media_grace_days": Field(integer(0)),
    "limits": Field(nested(LIMITS, Limits)),
}

SERIES = {
    "title": Field(required_text, True),
    "description": Field(required_text, True),
    "author": Field(required_text, True),
    "category": Field(category, True),
    "explicit": Field(boolean),
    "type": Field(choice("serial", "episodic")),
    "image": Field(required_text),
    "audio": Field(nested(AUDIO, AudioSettings)),
    "video": Field(boolean),
    "link": Field(url),
    "update_frequency": Field(required_text),
}

ENTRY = {
    "id": Field(slug, True),
    "kind": Field(choice("video", "article"), True),
    "series": Field(slug),
    "title": Field(required_text, True),
    "source": Field(source),
    "link": Field(url),
    "published": Field(published, True),
    "authors": Field(text_list),
    "summary": Field(text),
    "episode": Field(integer(1)),
    "season": Field(integer(1)),
    "episode_type": Field(choice("full", "trailer", "bonus")),
    "explicit": Field(boolean),
    "guid": Field(required_text),
}

TOP = {"site", "series", "entries"}


class Reader:
    """Walks the node tree against the schemas, collecting every problem."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        # Series given but invalid: their own problems are reported, so entries naming
        # them do not also get "unknown series".
        self.invalid_series: set[str] = set()

    def problem(self, node: Node, field: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.file, node.start_mark.line + 1, field, message, hint))

    def mapping(self, node: Node, schema: dict[str, Field], where: str) -> dict[str, Any] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, where.rstrip(".") or "catalog", "expected a mapping of keys")
            return None
        values: dict[str, Any] = {}
        failed: set[str] = set()
        for name, key, value in mapping_items(node, self.file, self.problems, where):
            spec = schema.get(name)
            if spec is None:
                self.problem(key, where + name, "unknown key", _did_you_mean(name, schema))
                continue
            try:
                converted = spec.convert(self, value, where + name)
            except Invalid as error:
                self.problem(value, where + name, error.message, error.hint)
                failed.add(name)
                continue
            if converted is None and spec.required:
                failed.add(name)  # a nested mapping already reported its problems
            elif converted is not None:
                values[name] = converted
        for name, spec in schema.items():
            if spec.required and name not in values and name not in failed:
                self.problem(node, where + name, "is required")
        return values


def load_catalog(path: Path) -> Catalog:
    """The validated catalog, or a CatalogError listing every problem with file:line."""
    file = str(path)
    root = compose(read_text(path), file)
    if root is None:
        raise CatalogError([Problem(file, 1, "catalog", "the file is empty")])
    reader = Reader(file)
    reader.problems += tag_problems(root, file)
    if reader.problems:
        raise CatalogError(reader.problems)
    catalog = _read_catalog(reader, root, path)
    if reader.problems:
        raise CatalogError(reader.problems)
    assert catalog is not None
    return catalog


def _read_catalog(reader: Reader, root: Node, path: Path) -> Catalog | None:
    if not isinstance(root, MappingNode):
        reader.problem(root, "catalog", "expected a mapping with site, series and entries")
        return None
    sections = {}
    for name, key, value in mapping_items(root, reader.file, reader.problems, ""):
        if name not in TOP:
            reader.problem(
                key,
                name,
                "unknown key",
                _did_you_mean(name, TOP) or "expected site, series or entries",
            )
        else:
            sections[name] = value
    for name in ("site", "entries"):
        if name not in sections:
            reader.problem(root, name, "is required")
    site = _read_site(reader, sections.get("site"))
    series = _read_series(reader, sections.get("series"))
    entries = _read_entries(reader, sections.get("entries"), series)
    if site is None or reader.problems:
        return None
    return Catalog(path=path.resolve(), site=site, series=series, entries=tuple(entries))


def _read_site(reader: Reader, node: Node | None) -> Site | None:
    if node is None:
        return None
    values = reader.mapping(node, SITE, "site.")
    if values is None or any(n not in values for n, s in SITE.items() if s.required):
        return None
    language = values["language"]
    if not LANGUAGE.match(language):
        reader.problem(
            field_node(node, "language"),
            "site.language",
            f"{language!r} is not a language code",
            "e.g. en or en-GB",
        )
    return Site(**values)


def _read_series(reader: Reader, node: Node | None) -> dict[str, Series]:
    series: dict[str, Series] = {}
    if node is None:
        return series
    if not isinstance(node, MappingNode):
        reader.problem(node, "series", "expected a mapping of series ids to series")
        return series
    for series_id, key, value in mapping_items(node, reader.file, reader.problems, "series."):
        reader.invalid_series.add(series_id)
        try:
            check_slug(series_id)
        except Invalid as error:
            reader.problem(key, f"series.{series_id}", error.message, error.hint)
            continue
        known = len(reader.problems)
        values = reader.mapping(value, SERIES, f"series.{series_id}.")
        if values is not None and len(reader.problems) == known:
            series[series_id] = Series(id=series_id, line=key.start_mark.line + 1, **values)
            reader.invalid_series.discard(series_id)
    return series


def _read_entries(reader: Reader, node: Node | None, series: dict[str, Series]) -> list[Entry]:
    entries: list[Entry] = []
    if node is None:
        return entries
    if not isinstance(node, SequenceNode):
        reader.problem(node, "entries", "expected a list of entries")
        return entries
    first_line: dict[str, int] = {}
    for index, child in enumerate(node.value):
        where = f"entries[{index}]."
        values = reader.mapping(child, ENTRY, where)
        if values is None or any(n not in values for n, s in ENTRY.items() if s.required):
            continue
        line = child.start_mark.line + 1
        entry_id = values["id"]
        if entry_id in first_line:
            reader.problem(
                field_node(child, "id"),
                where + "id",
                f"duplicate id {entry_id!r} (first used at line {first_line[entry_id]})",
                "ids are never reused; pick another",
            )
            continue
        first_line[entry_id] = line
        if not _entry_series_ok(reader, child, where, values, series):
            continue
        entries.append(Entry(line=line, **values))
    return entries


def _entry_series_ok(reader, node, where, values, series) -> bool:
    series_id = values.get("series")
    if series_id is None:
        if values["kind"] == "video":
            reader.problem(
                node,
                where + "series",
                "is required for a video",
                _did_you_mean("", series) or f"one of: {', '.join(series)}",
            )
            return False
        return True
    if series_id in reader.invalid_series:
        return False  # that series' own problems are reported where it is defined
    if series_id not in series:
        reader.problem(
            field_node(node, "series"),
            where + "series",
            f"unknown series {series_id!r}",
            _did_you_mean(series_id, series) or f"known series: {', '.join(series) or 'none'}",
        )
        return False
    return True


def field_node(node: Node, name: str) -> Node:
    """The value node of key `name` in a mapping node, so a problem points at its line."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == name:
                return value
    return node
