"""`publisher check`: the published feeds against RSS, Atom, Apple's and the Podcast Index's
rules, and against the files they point at.

Each problem is a `Finding` naming the feed, the item and the rule. `build` runs
`check_feed` on every feed it renders, before writing it: a feed with errors is not
published (the old one stays), so listeners never get a feed an app would reject.
Apple's and the Podcast Index's rules live in `publisher.check.apple`.

XML is parsed with external entities, DTDs and the network off: a published folder may
have been touched by someone else.
"""

from __future__ import annotations

import email.utils
import posixpath
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from lxml import etree

from publisher.check import apple
from publisher.output import inventory, urls

Severity = Literal["error", "warning"]
ATOM_NS = "http://www.w3.org/2005/Atom"
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class Finding:
    severity: Severity
    feed: str  # the feed's path under the published folder
    item: str  # the item's GUID, or its title, or "" for the channel
    rule: str  # a short id such as "apple.explicit"
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.located()}"

    def located(self) -> str:
        """The finding without its severity, for a log line that names the level already."""
        where = f"{self.feed} [{self.item}]" if self.item else self.feed
        return f"{where} {self.rule}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class FeedCheck:
    """One feed being checked: where it lives, what it points at, what was found."""

    relative: str
    out: Path
    base_url: str | None = None  # the URL the published folder is served at, from rel=self
    findings: list[Finding] = field(default_factory=list)
    _found: dict[str, tuple[Path, int] | str | None] = field(default_factory=dict, repr=False)
    image_problems: dict[Path, list[str]] = field(default_factory=dict, repr=False)

    def error(self, rule: str, message: str, item: str = "") -> None:
        self.findings.append(Finding("error", self.relative, item, rule, message))

    def warning(self, rule: str, message: str, item: str = "") -> None:
        self.findings.append(Finding("warning", self.relative, item, rule, message))

    def local_file(self, url: str, what: str, item: str = "") -> Path | None:
        """The published file `url` points at; an error if it is missing, None if remote."""
        found = self._published(url, what, item)
        return found[0] if found else None

    def _published(self, url: str, what: str, item: str) -> tuple[Path, int] | None:
        """(path, size) of the published file `url` points at, reporting why there is none.

        An enclosure behind an analytics prefix (`site.enclosure_prefix`) is the file
        after the prefix: the service redirects there, so that is what must be published.
        """
        if self.base_url:
            url = urls.unprefixed(url, self.base_url)
        if not self.base_url or not url.startswith(self.base_url):
            self.warning(
                "files.external", f"{what} {url} is not under this folder; not verified", item
            )
            return None
        relative = unquote(urlsplit(url).path[len(urlsplit(self.base_url).path) :])
        found = self._find(relative)
        if found == "outside":
            self.error("files.outside", f"{what} {url} points outside the published folder", item)
            return None
        if found is None:
            self.error("files.missing", f"{what} {url}: no file {relative} is published", item)
            return None
        return found

    def _find(self, relative: str) -> tuple[Path, int] | str | None:
        """(path, size) of a published file, "outside", or None; looked up once per feed,
        since ten thousand items share one cover and a 10,000-item feed is checked often."""
        if relative not in self._found:
            normal = posixpath.normpath(relative)
            if normal.startswith(("../", "/")) or normal == ".." or "\0" in normal:
                self._found[relative] = "outside"
            else:
                path = self.out / normal
                try:
                    self._found[relative] = (path, path.stat().st_size) if path.is_file() else None
                except OSError:
                    self._found[relative] = None
        return self._found[relative]

    def file_with_length(self, url: str, length: str | None, what: str, item: str = "") -> None:
        found = self._published(url, what, item)
        if found is not None and length is not None and length.isdigit():
            size = found[1]  # measured once per feed by `_find`
            if size != int(length):
                self.error(
                    "files.length",
                    f"{what} {url} declares length {length} but the file has {size} bytes",
                    item,
                )


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML: no entity expansion, no DTD, no network, no huge trees."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    return etree.fromstring(data, parser)


def check_folder(out: Path) -> list[Finding]:
    """Every feed of the inventory (RSS, Atom, OPML) published under `out`."""
    if not out.is_dir():
        return [Finding("error", str(out), "", "files.folder", "no published folder here")]
    findings: list[Finding] = []
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if inventory.is_feed(relative) and path.is_file():
            findings += check_feed(relative, path.read_bytes(), out, only_feeds=True)
    return findings


def check_feed(relative: str, data: bytes, out: Path, only_feeds: bool = False) -> list[Finding]:
    """The findings for one feed's bytes, published (or about to be) at `relative`.

    With `only_feeds`, XML that is no feed at all (a sitemap) is passed over silently.
    """
    context = FeedCheck(relative, out)
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as error:
        context.error("xml.wellformed", f"not well-formed XML: {error}")
        return context.findings
    if root.getroottree().docinfo.doctype:
        context.error("xml.doctype", "a DOCTYPE is not allowed in a feed (entities are unsafe)")
    if root.tag == "rss":
        check_rss(context, root)
    elif root.tag == f"{{{ATOM_NS}}}feed":
        check_atom(context, root)
    elif root.tag == "opml":
        check_opml(context, root)
    elif not only_feeds:
        context.error("feed.type", f"<{root.tag}> is not an RSS, Atom or OPML document")
    return context.findings


# RSS 2.0 ------------------------------------------------------------------------------


def text_of(parent, tag: str) -> str | None:
    element = parent.find(tag)
    return None if element is None else (element.text or "").strip()


def item_name(item, number: int) -> str:
    return text_of(item, "guid") or text_of(item, "title") or f"item {number}"


def check_rss(context: FeedCheck, root) -> None:
    if root.get("version") != "2.0":
        context.error("rss.version", f"<rss version> is {root.get('version')!r}, not '2.0'")
    channels = root.findall("channel")
    if len(channels) != 1:
        context.error("rss.channel", f"<rss> has {len(channels)} <channel> elements, not 1")
        return
    channel = channels[0]
    context.base_url = _base_url(context, channel, "rss.self")
    for tag in ("title", "link", "description"):
        if not text_of(channel, tag):
            context.error("rss.required", f"the channel has no <{tag}>")
    _check_rss_dates(context, channel, "")
    seen: set[str] = set()
    items = channel.findall("item")
    for number, item in enumerate(items, start=1):
        name = item_name(item, number)
        if not text_of(item, "title") and not text_of(item, "description"):
            context.error("rss.item", "an item needs a <title> or a <description>", name)
        _check_rss_dates(context, item, name)
        guid = text_of(item, "guid")
        if guid and guid in seen:
            context.error("rss.guid.unique", f"the GUID {guid} is used by more than one item", name)
        seen.add(guid or "")
        if len(item.findall("enclosure")) > 1:
            context.warning("rss.enclosure", "more than one <enclosure>; apps use the first", name)
    if apple.is_podcast(channel):
        apple.check_channel(context, channel, items)
        for number, item in enumerate(items, start=1):
            apple.check_item(context, item, item_name(item, number))
    elif not items:
        context.warning("feed.empty", "the feed has no items; readers show it empty")


def _check_rss_dates(context: FeedCheck, element, name: str) -> None:
    for tag in ("pubDate", "lastBuildDate"):
        value = text_of(element, tag)
        if value is None:
            continue
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            context.error("rss.date", f"<{tag}> {value!r} is not an RFC 822 date with a zone", name)


def _base_url(context: FeedCheck, channel, rule: str) -> str | None:
    """Where the folder is served, from the feed's own URL; None (and a warning) if unknown."""
    links = channel.findall(f"{{{ATOM_NS}}}link")
    self_url = next((link.get("href", "") for link in links if link.get("rel") == "self"), "")
    if not self_url:
        context.warning(rule, "no atom:link rel=self: apps cannot tell the feed's own URL")
        return None
    if not self_url.endswith("/" + context.relative):
        context.warning(rule, f"rel=self {self_url} does not end with {context.relative}")
        return None
    return self_url[: -len(context.relative)]


# Atom ---------------------------------------------------------------------------------


def _atom(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def check_atom(context: FeedCheck, root) -> None:
    context.base_url = _base_url(context, root, "atom.self")
    _check_atom_required(context, root, "")
    has_author = root.find(_atom("author")) is not None
    seen: set[str] = set()
    for number, entry in enumerate(root.findall(_atom("entry")), start=1):
        name = text_of(entry, _atom("id")) or text_of(entry, _atom("title")) or f"entry {number}"
        _check_atom_required(context, entry, name)
        if name in seen:
            context.error("atom.id.unique", f"the id {name} is used by more than one entry", name)
        seen.add(name)
        if not has_author and entry.find(_atom("author")) is None:
            context.error("atom.author", "neither the entry nor the feed has an <author>", name)
    if root.find(_atom("entry")) is None:
        context.warning("feed.empty", "the feed has no entries; readers show it empty")


def _check_atom_required(context: FeedCheck, element, name: str) -> None:
    for tag in ("id", "title", "updated"):
        if not text_of(element, _atom(tag)):
            context.error("atom.required", f"no <{tag}>", name)
    for tag in ("updated", "published"):
        value = text_of(element, _atom(tag))
        if value and not _RFC3339.match(value):
            context.error("atom.date", f"<{tag}> {value!r} is not an RFC 3339 date", name)


# OPML ---------------------------------------------------------------------------------


def check_opml(context: FeedCheck, root) -> None:
    if root.get("version") not in ("1.0", "1.1", "2.0"):
        context.error("opml.version", f"<opml version> is {root.get('version')!r}")
    body = root.find("body")
    if root.find("head") is None or body is None:
        context.error("opml.structure", "an OPML document needs <head> and <body>")
        return
    for outline in body.iter("outline"):
        if outline.get("type") == "rss" and not outline.get("xmlUrl"):
            name = outline.get("text", "")
            context.error("opml.outline", "an rss outline needs an xmlUrl", name)
