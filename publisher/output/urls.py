"""Where things live in the published folder, and their public URLs.

One place for the folder layout of spec.md, so feeds, pages, OPML and S3 agree.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

ARTICLES_RSS = "articles.xml"
ARTICLES_ATOM = "articles.atom"
OPML = "feeds.opml"
INDEX_PAGE = "index.html"
STYLESHEET = "style.css"


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be where the folder is served (every feed URL is it + a path):
    an http(s) URL with a host, and no query or fragment, which a path appended after
    it would land in."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{url!r} is not an http(s) URL"
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return f"{url!r} has a query or fragment (? or #): feed URLs would be written inside it"
    return None


def podcast_feed(series_id: str) -> str:
    return f"{series_id}/podcast.xml"


def video_feed(series_id: str) -> str:
    return f"{series_id}/video.xml"


def series_page(series_id: str) -> str:
    return f"{series_id}/index.html"


def media_dir(series_id: str) -> str:
    return f"media/{series_id}"


ARTICLES_MEDIA = "articles"  # the media folder of articles in no series


def entry_stem(series_id: str | None, entry_id: str) -> str:
    """`media/<series>/<entry>`: every file of an entry is named from this stem (an
    article in no series: `media/articles/<entry>`; ids are unique, so names never meet)."""
    return f"{media_dir(series_id or ARTICLES_MEDIA)}/{entry_id}"


def prefixed(prefix: str, url: str) -> str:
    """`url` behind an analytics prefix (OP3, Podtrac, Chartable): the prefix, then the URL
    without its scheme, as these services expect (`https://op3.dev/e/feeds.example.org/…`).
    No prefix: the URL itself."""
    return prefix + url.split("://", 1)[-1] if prefix else url


def unprefixed(url: str, base_url: str) -> str:
    """The published file's own URL behind an analytics prefix (the inverse of `prefixed`),
    or `url` as it is when it is not a prefixed URL of `base_url`."""
    scheme, _, rest = base_url.partition("://")
    at = url.find("/" + rest) if rest else -1
    if url.startswith(base_url) or at < 0 or "://" not in url[:at]:
        return url
    return f"{scheme}://{url[at + 1 :]}"


def public_url(base_url: str, relative: str) -> str:
    """`base_url` + a path under the published folder, percent-encoded where needed."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return base + quote(relative, safe="/-._~")
