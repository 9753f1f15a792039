"""The catalog's Podcasting 2.0 fields: an entry's `soundbites` and the `txt` records of
the site and of a series (https://podcastindex.org/namespace/1.0)."""

from __future__ import annotations

import re

from yaml.nodes import MappingNode, Node, SequenceNode

from publisher.catalog.schema import (
    Field,
    Invalid,
    Reader,
    nested,
    required_text,
    scalar_node,
    text,
)
from publisher.catalog.yamlnodes import mapping_items
from publisher.formats.podcastindex import RRULE, rrule_of
from publisher.model import Soundbite

# The namespace's limits: a soundbite's title and a txt purpose at most 128 characters,
# a txt record at most 4000.
TITLE_MAX = 128
PURPOSE_MAX = 128
TXT_MAX = 4000
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})(\.\d+)?\Z")  # 12:30, 1:02:03, 0:05.5


def position(reader: Reader, node: Node, where: str) -> float:
    """A time in a talk: seconds (750, 750.5) or a clock time (12:30, 1:02:03)."""
    value = scalar_node(node, "a time such as 12:30 or 750").value.strip()
    clock = _CLOCK.match(value)
    if clock:
        hours, minutes, secs, fraction = clock.groups()
        if int(secs) > 59 or (hours and int(minutes) > 59):
            raise Invalid(f"{value!r} is not a time", "write 12:30 or 1:02:03")
        return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + float(fraction or 0)
    try:
        seconds = float(value)
    except ValueError:
        raise Invalid(f"{value!r} is not a time", "write 12:30, 1:02:03 or seconds") from None
    if not 0 <= seconds < float("inf"):
        raise Invalid(f"{value!r} is not a time from the start", "write 12:30 or seconds")
    return seconds


def soundbite_duration(reader: Reader, node: Node, where: str) -> float:
    value = position(reader, node, where)
    if value <= 0:
        raise Invalid("must be more than 0 seconds")
    return value


def rrule(reader: Reader, node: Node, where: str) -> str:
    """podcast:updateFrequency's rule, as the feed writes it (`check`'s rule)."""
    value = required_text(reader, node, where)
    if not RRULE.match(rrule_of(value)):
        raise Invalid(
            f"{value!r} is not an RFC 5545 RRULE",
            "write a rule such as FREQ=WEEKLY or FREQ=MONTHLY;INTERVAL=2 (names in capitals)",
        )
    return value


def short_title(reader: Reader, node: Node, where: str) -> str:
    value = text(reader, node, where)
    if len(value) > TITLE_MAX:
        raise Invalid(f"is {len(value)} characters; the limit is {TITLE_MAX}")
    return value


SOUNDBITE = {
    "start": Field(position, True),
    "duration": Field(soundbite_duration, True),
    "title": Field(short_title),
}


def soundbite_list(reader: Reader, node: Node, where: str) -> tuple[Soundbite, ...]:
    """[{start: "12:30", duration: 45, title: …}, …]"""
    if not isinstance(node, SequenceNode):
        raise Invalid("expected a list of soundbites", '- {start: "12:30", duration: 45}')
    found = []
    for index, child in enumerate(node.value):
        made = nested(SOUNDBITE, Soundbite)(reader, child, f"{where}[{index}]")
        if made is not None:
            found.append(made)
    return tuple(found)


def txt_records(reader: Reader, node: Node, where: str) -> tuple[tuple[str, str], ...]:
    """{purpose: text}: records for directories' ownership checks (applepodcastsverify)."""
    if not isinstance(node, MappingNode):
        raise Invalid("expected a mapping of purpose: text", "applepodcastsverify: <token>")
    records = []
    for purpose, key, value in mapping_items(node, reader.file, reader.problems, where + "."):
        try:
            if not purpose.strip() or len(purpose) > PURPOSE_MAX:
                raise Invalid(f"a purpose is 1 to {PURPOSE_MAX} characters")
            record = text(reader, value, f"{where}.{purpose}")
            if not record or len(record) > TXT_MAX:
                raise Invalid(f"a txt record is 1 to {TXT_MAX} characters")
        except Invalid as error:
            reader.problem(key, f"{where}.{purpose}", error.message, error.hint)
            continue
        records.append((purpose, record))
    return tuple(records)
