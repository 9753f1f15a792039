"""What every feed rule shares: `Finding`, the `FeedCheck` of one feed (with the checks of
the files it names), and the XML namespaces the feeds are written and read in.

Each namespace is defined here once: the rules read it, the feed extensions that write it
(`publisher.render.feedext`) and the recovery of a lost state (`publisher.build.recovery`)
import it from here. Render sits above check (every feed passes the check before it is
written), so the writers come down to the checks' namespaces, never the other way.
"""

from __future__ import annotations

import posixpath
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from publisher.output import urls

ATOM_NS = "http://www.w3.org/2005/Atom"
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"  # Apple's tags
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"  # content:encoded (feedgen's own)
PSC_NS = "http://podlove.org/simple-chapters"  # Podlove Simple Chapters
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 archived feeds
# The feeds declare the namespace's own URI: parsers that match only it (feedsmith, the
# namespace's spec) missed every tag under the GitHub URI that feeds used to carry. What
# is read back (check, recovery from earlier feeds) takes either, as the spec asks of
# clients. gPodder's podcastparser 0.6 knows only the GitHub URI; it reads chapters from
# psc:chapters, which the feeds carry too.
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
PODCAST_NS_GITHUB = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
PODCAST_NAMESPACES = (PODCAST_NS, PODCAST_NS_GITHUB)


def podcast_children(parent, tag: str) -> list:
    """`parent`'s podcast: children named `tag`, under either of the namespace's URIs."""
    return [found for ns in PODCAST_NAMESPACES for found in parent.findall(f"{{{ns}}}{tag}")]


Severity = Literal["error", "warning"]


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


def text_of(parent, tag: str) -> str | None:
    element = parent.find(tag)
    return None if element is None else (element.text or "").strip()


def item_name(item, number: int) -> str:
    return text_of(item, "guid") or text_of(item, "title") or f"item {number}"


def base_url_from_self(context: FeedCheck, channel, rule: str) -> str | None:
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
