"""The catalog's fields for fetching and following: site.fetch (pacing, the budget and a
cookies file), series.follow (playlists, each with an optional date and title rule) and
the time budget of site.transcribe."""

from __future__ import annotations

import re
from pathlib import Path

from yaml.nodes import Node, ScalarNode, SequenceNode

from publisher.catalog.schema import (
    Field,
    Invalid,
    Reader,
    nested,
    published,
    required_text,
    scalar_node,
    url,
)
from publisher.model import Follow

COOKIE_FIELDS = 7  # domain, subdomains, path, secure, expires, name, value


def _number_of(node: Node, unit: str) -> float:
    text = scalar_node(node, f"a number of {unit}").value
    try:
        return float(text)
    except ValueError:
        raise Invalid(f"expected a number of {unit}, got {text!r}") from None


def seconds(reader: Reader, node: Node, where: str) -> float:
    value = _number_of(node, "seconds")
    if not 0 <= value <= 600:
        raise Invalid(f"{value:g} s is outside 0…600")
    return value


def minutes(reader: Reader, node: Node, where: str) -> float:
    """A time budget in minutes (site.transcribe.max_minutes): more than 0, at most a day."""
    value = _number_of(node, "minutes")
    if not 0 < value <= 24 * 60:
        raise Invalid(f"{value:g} minutes is not more than 0 and at most 1440", "e.g. 30")
    return value


def cookies_file(reader: Reader, node: Node, where: str) -> str:
    """A Netscape cookies file, relative to the catalog. Its content is secret: no
    message ever quotes a line of it."""
    value = required_text(reader, node, where)
    path = Path(reader.file).parent / value
    hint = "export it from a logged-in browser (README: Publishing from YouTube)"
    try:
        lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        raise Invalid(f"there is no file {value!r}", hint) from None
    except OSError as error:
        problem = f"{value!r} cannot be read: {error.strerror}"
        raise Invalid(problem, "check its permissions") from None
    cookies = 0
    for number, line in enumerate(lines, start=1):
        if line.startswith("#HttpOnly_") or (line.strip() and not line.startswith("#")):
            if len(line.split("\t")) != COOKIE_FIELDS:
                raise Invalid(
                    f"{value!r} line {number} is not a Netscape cookie line"
                    f" ({COOKIE_FIELDS} tab-separated fields)",
                    hint,
                )
            cookies += 1
    if not cookies:
        raise Invalid(f"{value!r} holds no cookies in Netscape format", hint)
    if path.stat().st_mode & 0o077:
        reader.warn(
            node, where, f"{value!r} can be read by other users of this machine",
            f"chmod 600 {value}: it logs into the account",
        )  # fmt: skip
    return value


def title_pattern(reader: Reader, node: Node, where: str) -> str:
    value = required_text(reader, node, where)
    try:
        re.compile(value)
    except re.error as error:
        raise Invalid(f"{value!r} is not a regular expression: {error}") from None
    return value


FOLLOW = {
    "url": Field(url, True),
    "after": Field(published),
    "match": Field(title_pattern),
}


def follow_list(reader: Reader, node: Node, where: str) -> tuple:
    """Playlist URLs, each a plain URL or {url, after, match}."""
    if not isinstance(node, SequenceNode):
        raise Invalid("expected a list of playlist URLs", "- https://www.youtube.com/@…/videos")
    follows = []
    for index, child in enumerate(node.value):
        at = f"{where}[{index}]"
        if not isinstance(child, ScalarNode):
            if (made := nested(FOLLOW, Follow)(reader, child, at)) is not None:
                follows.append(made)
            continue
        try:
            follows.append(Follow(url(reader, child, at)))
        except Invalid as error:  # each URL is its own problem, on its own line
            reader.problem(child, at, error.message, error.hint)
    return tuple(follows)
