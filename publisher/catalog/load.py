"""Load: read `media_catalog.yaml` and validate it, once, into a `Catalog`.

Every problem is collected, located (file:line, field) and reported together, so an
editor fixes the whole file in one pass. After this module the code trusts its types.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from publisher.catalog.fetch_fields import cookies_file, follow_list, minutes, seconds
from publisher.catalog.p20_fields import rrule, soundbite_list, txt_records
from publisher.catalog.schema import (
    Field,
    Invalid,
    Reader,
    base_url,
    boolean,
    category,
    check_slug,
    choice,
    complete,
    email,
    field_node,
    image,
    integer,
    language,
    loudness,
    nested,
    published,
    required_text,
    slug,
    source,
    text,
    text_list,
    title,
    url,
    url_list,
    url_templates,
    uuid_text,
)
from publisher.catalog.slugs import did_you_mean
from publisher.catalog.yamlnodes import compose_repairing, mapping_items, read_text
from publisher.errors import CatalogError, Problem
from publisher.model import (
    ALL_TALKS,
    TAG_NUMBER_MAX,
    AudioSettings,
    Catalog,
    Entry,
    Fetch,
    Funding,
    Limits,
    Owner,
    Series,
    Site,
    Transcribe,
)

# Schemas ---------------------------------------------------------------------------

TAG_NUMBER_WHY = "the most an episode file's tags hold; number the talks from 1"

OWNER = {"name": Field(required_text, True), "email": Field(email, True)}
FUNDING = {"url": Field(url, True), "text": Field(required_text, True)}
LIMITS = {
    "max_duration": Field(integer(1)),
    "max_filesize": Field(integer(1)),
    "max_download_time": Field(integer(1)),
}
FETCH = {
    "sleep": Field(seconds),
    "max_downloads": Field(integer(1)),
    "cookies": Field(cookies_file),
}
AUDIO = {"format": Field(choice("m4a", "mp3")), "loudness": Field(loudness)}
TRANSCRIBE = {"model": Field(required_text), "max_minutes": Field(minutes)}
SERIES_TRANSCRIBE = {"model": Field(required_text)}  # the time budget is the run's, not a series'


def series_transcribe(reader: Reader, node: Node, where: str) -> bool | Transcribe | None:
    """`transcribe: true|false` turns it on or off for a series; a mapping gives its model."""
    if isinstance(node, ScalarNode):
        return boolean(reader, node, where)
    values = reader.mapping(node, SERIES_TRANSCRIBE, where + ".")
    return None if values is None else Transcribe(**values)


SITE = {
    "title": Field(required_text, True),
    "base_url": Field(base_url, True),
    "link": Field(url, True),
    "language": Field(language, True),
    "author": Field(required_text, True),
    "owner": Field(nested(OWNER, Owner), True),
    "image": Field(image, True),
    "copyright": Field(text),
    "description": Field(text),
    "funding": Field(nested(FUNDING, Funding)),
    "license": Field(text),
    "hubs": Field(url_list),
    "pings": Field(url_templates),
    "enclosure_prefix": Field(base_url),
    "feed_page_size": Field(integer(0)),
    "media_grace_days": Field(integer(0)),
    "limits": Field(nested(LIMITS, Limits)),
    "fetch": Field(nested(FETCH, Fetch)),
    "transcribe": Field(nested(TRANSCRIBE, Transcribe)),
    "all_talks": Field(boolean),
    "txt": Field(txt_records),
}

SERIES = {
    "title": Field(title, True),
    "description": Field(required_text, True),
    "author": Field(required_text, True),
    "category": Field(category, True),
    "explicit": Field(boolean),
    "type": Field(choice("serial", "episodic")),
    "image": Field(image),
    "audio": Field(nested(AUDIO, AudioSettings)),
    "video": Field(boolean),
    "link": Field(url),
    "update_frequency": Field(rrule),
    "podcast_guid": Field(uuid_text),
    "new_feed_url": Field(url),
    "new_video_feed_url": Field(url),
    "follow": Field(follow_list),
    "transcribe": Field(series_transcribe),
    "language": Field(language),
    "listed": Field(boolean),
    "txt": Field(txt_records),
}

ENTRY = {
    "id": Field(slug, True),
    "kind": Field(choice("video", "article"), True),
    "series": Field(slug),
    "title": Field(title, True),
    "source": Field(source),
    "link": Field(url),
    "published": Field(published),  # required for a talk; an article's page may say
    "authors": Field(text_list),
    "summary": Field(text),
    "episode": Field(integer(1, TAG_NUMBER_MAX, TAG_NUMBER_WHY)),
    "season": Field(integer(1, TAG_NUMBER_MAX, TAG_NUMBER_WHY)),
    "episode_type": Field(choice("full", "trailer", "bonus")),
    "explicit": Field(boolean),
    "guid": Field(required_text),
    "language": Field(language),
    "soundbites": Field(soundbite_list),
}

TOP = {"site", "series", "entries"}


def load_catalog(path: Path) -> Catalog:
    """The validated catalog, or a CatalogError listing every problem with file:line."""
    file = str(path)
    loaded = read_text(path)  # read once: what is validated is what gets rendered
    root, yaml_problems = compose_repairing(loaded, file)  # a tab does not hide the rest
    if root is None and yaml_problems:
        raise CatalogError(yaml_problems)
    if root is None:
        raise CatalogError(
            [
                Problem(
                    file,
                    1,
                    "catalog",
                    "the file is empty",
                    "start from the example catalog in the README (site, series, entries)",
                )
            ]
        )
    reader = Reader(file)
    reader.problems += yaml_problems
    catalog = _read_catalog(reader, root, path)
    if reader.problems:
        raise CatalogError(reader.problems)
    assert catalog is not None
    return dataclasses.replace(catalog, digest=hashlib.sha256(loaded.encode()).hexdigest())


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
                did_you_mean(name, TOP) or "expected site, series or entries",
            )
        else:
            sections[name] = value
    for name in ("site", "entries"):
        if name not in sections:
            reader.problem(root, name, "is required")
    site = _read_site(reader, sections.get("site"))
    series = _read_series(reader, sections.get("series"))
    entries = _read_entries(reader, sections.get("entries"), series)
    _serial_shows_unpaged(reader, sections.get("site"), site, series)
    _https_like_the_feeds(reader, sections.get("site"), site)
    if site is None or reader.problems:
        return None
    return Catalog(path=path.resolve(), site=site, series=series, entries=tuple(entries))


def _read_site(reader: Reader, node: Node | None) -> Site | None:
    if node is None:
        return None
    values = reader.mapping(node, SITE, "site.")
    if values is None or not complete(values, SITE):
        return None
    return Site(**values)


def _serial_shows_unpaged(reader: Reader, node, site: Site | None, series) -> None:
    """Apple reads only a feed's newest page, and gives a serial show's new listeners its
    first episode: paging would leave episode 1 in an archive page Apple never reads."""
    serial = [s.id for s in series.values() if s.type == "serial"]
    if site is None or not site.feed_page_size or not serial:
        return
    reader.problem(
        field_node(node, "feed_page_size"),
        "site.feed_page_size",
        f"would page the serial series {', '.join(map(repr, serial))}: Apple reads only the"
        " newest page and starts a serial show's new listeners at its first episode",
        "remove feed_page_size (or set it to 0), or make the series episodic",
    )


def _https_like_the_feeds(reader: Reader, node, site: Site | None) -> None:
    """Feeds served over https name every enclosure and their funding link over https
    (Apple, the Podcast Index: `check` refuses an http one there). An http
    `enclosure_prefix` or funding URL would hold back every episode, or refuse every
    feed, on every build: said here, at its line."""
    if site is None or not site.base_url.startswith("https:"):
        return
    hint = "write it with https:// (the feeds are served over https)"
    if site.enclosure_prefix and not site.enclosure_prefix.startswith("https:"):
        where = field_node(node, "enclosure_prefix")
        reader.problem(where, "site.enclosure_prefix", "is not https, as base_url is", hint)
    if site.funding and not site.funding.url.startswith("https:"):
        where = field_node(field_node(node, "funding"), "url")
        reader.problem(where, "site.funding.url", "is not https, as base_url is", hint)


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
            if series_id == ALL_TALKS:
                raise Invalid(
                    f"the series id {ALL_TALKS!r} is reserved for the all-talks feed",
                    "choose another id",
                )
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
    seen: dict[str, dict[str, int]] = {"id": {}, "guid": {}}
    for index, child in enumerate(node.value):
        where = f"entries[{index}]."
        values = reader.mapping(child, ENTRY, where)
        if values is None:
            continue
        # The uniqueness and series checks run even when another field is wrong, so that
        # every problem is reported in one pass.
        line = child.start_mark.line + 1
        unique = all(  # a list, not a generator: both fields are always checked
            [
                _first_use(reader, child, where, name, values.get(name), seen[name], line)
                for name in ("id", "guid")
            ]
        )
        series_ok = _entry_series_ok(reader, child, where, values, series)
        numbered = _serial_episode_numbered(reader, child, where, values, series)
        talk_only = _talk_fields_ok(reader, child, where, values)
        if unique and series_ok and numbered and talk_only and complete(values, ENTRY):
            entries.append(Entry(line=line, **{"published": None, **values}))
    return entries


DUPLICATE_HINTS = {
    "id": "ids are never reused; pick another",
    "guid": "a GUID names one episode; remove it from one of them",
}


def _first_use(reader, node, where, name, value, seen: dict[str, int], line: int) -> bool:
    """False (and a problem) when `value` of field `name` was used by an earlier entry."""
    if value is None:
        return True
    if value in seen:
        reader.problem(
            field_node(node, name),
            where + name,
            f"duplicate {name} {value!r} (first used at line {seen[value]})",
            DUPLICATE_HINTS[name],
        )
        return False
    seen[value] = line
    return True


def _serial_episode_numbered(reader, node, where, values, series) -> bool:
    """Apple requires <itunes:episode> on every episode of a serial show (its listeners
    start at episode 1), so a talk in a serial series must say which one it is."""
    serial = series.get(values.get("series"))
    if serial is None or serial.type != "serial" or values.get("kind") != "video":
        return True
    if "episode" in values or field_node(node, "episode") is not node:
        return True  # given (an invalid number has its own problem)
    reader.problem(
        node,
        where + "episode",
        f"is required in the serial series {serial.id!r}",
        "number the talk (episode: 1 is the first), or make the series episodic",
    )
    return False


def _talk_fields_ok(reader, node, where, values) -> bool:
    """A talk needs its date (an article's page may give one); only a talk has moments
    to share (soundbites)."""
    if values.get("kind") != "video":
        if "soundbites" in values:
            reader.problem(
                field_node(node, "soundbites"),
                where + "soundbites",
                "only a talk (kind: video) has soundbites",
                "remove them from the article",
            )
            return False
        return True
    if "published" in values or field_node(node, "published") is not node:
        return True  # given (an invalid date has its own problem)
    reader.problem(node, where + "published", "is required for a talk", "e.g. 2017-07-20")
    return False


def _entry_series_ok(reader, node, where, values, series) -> bool:
    series_id = values.get("series")
    if series_id is None:
        if values.get("kind") == "video":
            reader.problem(
                node,
                where + "series",
                "is required for a video",
                did_you_mean("", series) or f"one of: {', '.join(series)}",
            )
            return False
        return True
    if series_id in reader.invalid_series:
        return False  # that series' own problems are reported where it is defined
    if series_id not in series:
        given = [*series, *sorted(reader.invalid_series)]  # an invalid series is still a name
        reader.problem(
            field_node(node, "series"),
            where + "series",
            f"unknown series {series_id!r}",
            did_you_mean(series_id, given) or f"known series: {', '.join(given) or 'none'}",
        )
        return False
    return True
