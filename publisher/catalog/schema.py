"""The catalog's schema machinery: field types and the walker that applies them.

Each converter turns one YAML node into one typed value, or raises `Invalid` with a
message and a hint; the `Reader` walks a mapping node against a schema (a dict of
`Field`s) and turns each `Invalid` into a Problem located at the node's line. The
schemas themselves, and the checks across entries, are in `publisher.catalog.load`.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from publisher.catalog.slugs import did_you_mean, slug_problem
from publisher.catalog.yamlnodes import mapping_items
from publisher.catalog.yamlrepair import double_quoted
from publisher.errors import Problem
from publisher.formats import apple
from publisher.formats.text import describe, first_control_character
from publisher.messages import problem_line
from publisher.output.urls import base_url_problem
from publisher.sources import is_url, is_web_url

LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*\Z")

log = logging.getLogger(__name__)


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


def scalar_node(node: Node, expected: str) -> ScalarNode:
    """Every field's value passes here, so every value is checked as YAML decoded it: an
    escape in quotes ("\\0", "\\e", "\\x85") writes a character no feed can carry."""
    if (typed := _colon_mapping(node)) is not None:
        raise Invalid(
            f'expected {expected}, but the ": " made it a key and a value',
            f"put the text in quotes: {double_quoted(typed)}",
        )
    if not isinstance(node, ScalarNode) or node.value in ("", "~", "null"):
        raise Invalid(f"expected {expected}")
    character = first_control_character(node.value)
    if character is not None:
        raise Invalid(f"contains {describe(character)}", "remove the escape that writes it")
    return node


def _colon_mapping(node: Node) -> str | None:
    """The text typed, when a ": " in it made YAML read a one-pair mapping where a value
    was meant (`- Alan Woods: the man`, `[Alan: Woods]`): YAML itself finds nothing wrong
    there, unlike in `title: a: b`, which `yamlrepair` explains."""
    if not isinstance(node, MappingNode) or len(node.value) != 1:
        return None
    key, value = node.value[0]
    if not (isinstance(key, ScalarNode) and isinstance(value, ScalarNode)):
        return None
    return f"{key.value}: {value.value}"


def text(reader: Reader, node: Node, where: str) -> str:
    # Any scalar is text here: the node keeps the source's characters, so `language: no`
    # stays "no" and `title: 1917` stays "1917" (YAML 1.1 would make them false and 1917).
    return scalar_node(node, "text").value.strip()


def required_text(reader: Reader, node: Node, where: str) -> str:
    value = text(reader, node, where)
    if not value:
        raise Invalid("is empty")
    return value


def title(reader: Reader, node: Node, where: str) -> str:
    """A show's or an episode's title: text that Apple Podcasts takes whole."""
    value = required_text(reader, node, where)
    if problem := apple.title_too_long(value):
        raise Invalid(problem, "shorten it; the summary can say the rest")
    return value


def url(reader: Reader, node: Node, where: str) -> str:
    value = required_text(reader, node, where)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(f"{value!r} is not an http(s) URL", "write it as https://…")
    return value


def email(reader: Reader, node: Node, where: str) -> str:
    """An e-mail address as Apple reads <itunes:email> (`check`'s rule)."""
    value = required_text(reader, node, where)
    if not apple.EMAIL.match(value):
        raise Invalid(f"{value!r} is not an e-mail address", "write it as name@example.org")
    return value


def language(reader: Reader, node: Node, where: str) -> str:
    """A BCP 47 language tag (en, en-GB, pt-BR): the feed's <language>, the page's lang."""
    value = required_text(reader, node, where)
    if not LANGUAGE.match(value):
        hyphens = value.replace("_", "-")  # a locale (pt_BR), as software writes them
        hint = f"a language tag has hyphens: {hyphens}" if LANGUAGE.match(hyphens) else ""
        raise Invalid(f"{value!r} is not a language code", hint or "e.g. en or en-GB")
    return "-".join(
        _subtag_case(part, first=index == 0) for index, part in enumerate(value.split("-"))
    )


def _subtag_case(part: str, first: bool) -> str:
    """BCP 47's usual case (tags are case-insensitive, but `EN` and `en` compared and
    grouped as two languages): en, Hant, TW, 419."""
    if not first and len(part) == 4 and part.isalpha():
        return part.title()  # a script
    if not first and len(part) == 2:
        return part.upper()  # a region
    return part.lower()


def uuid_text(reader: Reader, node: Node, where: str) -> str:
    """A UUID, written in its canonical lower-case form (podcast:guid)."""
    value = required_text(reader, node, where)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Invalid(f"{value!r} is not a UUID", "copy it from the show's feed") from None


def base_url(reader: Reader, node: Node, where: str) -> str:
    value = url(reader, node, where)
    if problem := base_url_problem(value):
        raise Invalid(problem, "give the folder's address alone, e.g. https://feeds.example.org/")
    return value if value.endswith("/") else value + "/"


def source(reader: Reader, node: Node, where: str) -> str:
    value = required_text(reader, node, where)
    if not is_url(value) or is_web_url(value):
        return value
    scheme = urlsplit(value).scheme.lower()
    if scheme == "file":
        raise Invalid("file:// URLs are not sources", "write the local file's path instead")
    raise Invalid(f"the scheme {scheme!r} is not allowed", "use an http(s) URL or a path")


def image(reader: Reader, node: Node, where: str) -> str:
    """Cover art: a URL, or a file that exists, relative to the catalog's folder."""
    value = required_text(reader, node, where)
    if is_web_url(value):
        return value
    if not (Path(reader.file).parent / value).is_file():
        raise Invalid(
            f"there is no file {value!r}", "give a path relative to the catalog, or a URL"
        )
    return value


def slug(reader: Reader, node: Node, where: str) -> str:
    value = required_text(reader, node, where)
    check_slug(value)
    return value


def check_slug(value: str) -> None:
    problem = slug_problem(value)
    if problem is not None:
        raise Invalid(*problem)


def boolean(reader: Reader, node: Node, where: str) -> bool:
    value = scalar_node(node, "true or false").value
    if value.lower() not in ("true", "false"):
        raise Invalid(f"expected true or false, got {value!r}")
    return value.lower() == "true"


def integer(minimum: int, maximum: int | None = None, why: str = "") -> Converter:
    """A whole number from `minimum` (to `maximum`, when `why` that is the most)."""

    def convert(reader: Reader, node: Node, where: str) -> int:
        text = scalar_node(node, "a whole number").value
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise Invalid(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise Invalid(f"must be at least {minimum}")
        if maximum is not None and value > maximum:
            raise Invalid(f"{value} is more than {maximum:,}, {why}")
        return value

    return convert


def choice(*options: str) -> Converter:
    def convert(reader: Reader, node: Node, where: str) -> str:
        value = required_text(reader, node, where)
        if value not in options:
            raise Invalid(
                f"{value!r} is not one of: {', '.join(options)}", did_you_mean(value, options)
            )
        return value

    return convert


def loudness(reader: Reader, node: Node, where: str) -> float | None:
    scalar = scalar_node(node, "a loudness in LUFS, or off")
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
        raise Invalid(why, did_you_mean(value, names) or "see Apple Podcasts' category list")
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


def url_templates(reader: Reader, node: Node, where: str) -> tuple[str, ...]:
    """URLs to call with a feed's URL in place of `{url}` (directory pings)."""
    templates = url_list(reader, node, where)
    for template in templates:
        if "{url}" not in template:
            hint = "write {url} where the feed's URL goes, e.g. ?url={url}"
            raise Invalid(f"{template!r} has no {{url}}", hint)
    return templates


def nested(schema: dict[str, Field], build: Callable[..., Any]) -> Converter:
    """A mapping read against its own schema; None (its problems reported) unless whole."""

    def convert(reader: Reader, node: Node, where: str) -> Any:
        values = reader.mapping(node, schema, where + ".")
        if values is None or not complete(values, schema):
            return None
        return build(**values)

    return convert


def complete(values: dict[str, Any], schema: dict[str, Field]) -> bool:
    return all(name in values for name, spec in schema.items() if spec.required)


# The walker ---------------------------------------------------------------------------


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

    def warn(self, node: Node, field: str, message: str, hint: str = "") -> None:
        """Not an error, but worth saying (validate and build print it as a warning)."""
        problem = Problem(self.file, node.start_mark.line + 1, field, message, hint)
        log.warning("%s", problem_line(problem))

    def mapping(self, node: Node, schema: dict[str, Field], where: str) -> dict[str, Any] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, where.rstrip(".") or "catalog", "expected a mapping of keys")
            return None
        values: dict[str, Any] = {}
        failed: set[str] = set()
        for name, key, value in mapping_items(node, self.file, self.problems, where):
            spec = schema.get(name)
            if spec is None:
                hint = did_you_mean(name, schema) or f"known keys: {', '.join(schema)}"
                self.problem(key, where + name, "unknown key", hint)
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


def field_node(node: Node, name: str) -> Node:
    """The value node of key `name` in a mapping node, so a problem points at its line."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == name:
                return value
    return node
