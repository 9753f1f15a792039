"""Where things live in the published folder, and their public URLs.

One place for the folder layout of spec.md, so feeds, pages, OPML and S3 agree.
"""

from __future__ import annotations

from urllib.parse import quote

ARTICLES_RSS = "articles.xml"
ARTICLES_ATOM = "articles.atom"
OPML = "feeds.opml"
INDEX_PAGE = "index.html"
STYLESHEET = "style.css"


def podcast_feed(series_id: str) -> str:
    return f"{series_id}/podcast.xml"


def video_feed(series_id: str) -> str:
    return f"{series_id}/video.xml"


def series_page(series_id: str) -> str:
    return f"{series_id}/index.html"


def media_dir(series_id: str) -> str:
    return f"media/{series_id}"


def entry_stem(series_id: str | None, entry_id: str) -> str:
    """`media/<series>/<entry>`: every file of an entry is named from this stem."""
    return f"{media_dir(series_id or '')}/{entry_id}"


def public_url(base_url: str, relative: str) -> str:
    """`base_url` + a path under the published folder, percent-encoded where needed."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return base + quote(relative, safe="/-._~")


def is_feed(relative: str) -> bool:
    """Feeds and OPML are uploaded last and cached briefly; everything else is content."""
    return relative.endswith((".xml", ".atom", ".opml"))
