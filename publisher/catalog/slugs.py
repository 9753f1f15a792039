"""Ids: the slug rule, making a slug from a title, ids never reused, did-you-mean, and
what makes two URLs the same page.

Used by the catalog's schema (which refuses a bad id), by `publisher add` (which
proposes one) and by followed series, so all hold an id to the same rule and suggest
the same fixes.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from publisher.model import Entry

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
SLUG_MAX = 64


def slug_problem(value: str) -> tuple[str, str] | None:
    """(what is wrong, what to do) when `value` is not a slug; None when it is one."""
    if len(value) > SLUG_MAX:
        return f"{value!r} is longer than {SLUG_MAX} characters", f"try {slugify(value, '')!r}"
    if SLUG.match(value):
        return None
    suggestion = slugify(value, "")
    return (
        f"{value!r} is not a slug (a-z, 0-9 and -, starting with a letter or digit)",
        f"try {suggestion!r}" if suggestion else "use a-z, 0-9 and -",
    )


def slugify(title: str, default: str = "entry") -> str:
    """A slug from a title: ASCII, lower case, words joined by -, cut at a word."""
    title = re.sub(r"['’]", "", title)  # "Lenin's" is one word: lenins, not lenin-s
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_MAX:
        slug = slug[: SLUG_MAX + 1].rsplit("-", 1)[0][:SLUG_MAX].strip("-")
    return slug or default


def unique_id(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`… — the first not taken, still at most SLUG_MAX long."""
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = slug[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


def did_you_mean(value: str, options: Iterable[str]) -> str:
    """ "did you mean 'x'?" for the closest of `options`, or "" when none is close."""
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def catalog_urls(entries: Iterable[Entry]) -> dict[str, Entry]:
    """THE rule "already in the catalog": each URL an entry has as its `source` or its
    `link`, by `same_url_key`, to that entry (a source wins over another entry's link).
    `add` refuses such a URL and a followed playlist does not publish it again."""
    found: dict[str, Entry] = {}
    entries = list(entries)
    for entry in entries:
        if entry.link:
            found[same_url_key(entry.link)] = entry
    for entry in entries:
        if entry.source:
            found[same_url_key(entry.source)] = entry
    return found


def same_url_key(url: str) -> str:
    """A URL reduced to what makes it the same page: no scheme, fragment or trailing /;
    a YouTube video by its id, whichever of its addresses names it."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    video = youtube_video_id(host, parts.path, parts.query)
    if video:
        return f"youtube.com/watch?v={video}"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a port number: the address is compared as it is written
        port = f":{parts.netloc.rpartition(':')[2]}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{parts.path.rstrip('/')}{query}"


# The addresses of one YouTube video: youtu.be/ID, watch?v=ID (with a playlist, a start
# time…), embed/ID on youtube.com or youtube-nocookie.com (what an organisation's page
# embeds), shorts/ID, live/ID; on www., m. or music.
YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"}
YOUTUBE_PATHS = re.compile(r"/(?:embed|shorts|live|v)/(?P<id>[^/]+)/?\Z")
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}\Z")


def youtube_video_id(host: str, path: str, query: str) -> str | None:
    if host == "youtu.be":
        candidate = path.strip("/")
    elif host not in YOUTUBE_HOSTS:
        return None
    elif path.rstrip("/") == "/watch":
        candidate = parse_qs(query).get("v", [""])[0]
    else:
        match = YOUTUBE_PATHS.match(path)
        candidate = match.group("id") if match else ""
    # embed/videoseries?list=… is a playlist, not a video named "videoseries"
    return candidate if YOUTUBE_ID.match(candidate) and candidate != "videoseries" else None
