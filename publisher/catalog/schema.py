"""The catalog's field types: each converts one YAML node into one typed value.

A converter returns the value or raises `Invalid` with a message and a hint; the reader
in `publisher.catalog.load` turns that into a Problem located at the node's line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from yaml.nodes import Node, ScalarNode, SequenceNode

from publisher.formats import apple
from publisher.sources import is_url, is_web_url

if TYPE_CHECKING:
    from publisher.catalog.load import Reader

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
                f"{value!r} is not one of: {', '.join(options)}", did_you_mean(value, options)
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
    def convert(reader: Reader, node: Node, where: str) -> Any:
        values = reader.mapping(node, schema, where + ".")
        missing = [name for name, spec in schema.items() if spec.required and name not in values]
        if values is None or missing:
            return None
        return build(**values)

    return convert


def did_you_mean(value: str, options) -> str:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""
