"""Small downloads a stage needs besides the media itself: caption files and thumbnails.

yt-dlp fetches media (`publisher.tools.ytdlp`); these are plain HTTP GETs of a few hundred
kilobytes, so they use `requests`, with the same address rules as every other source
(`publisher.sources.check_url`) applied to the URL and to each redirect hop, a timeout,
and a size cap so a wrong URL cannot fill the disk or the memory.
"""

from __future__ import annotations

from pathlib import Path

from publisher.errors import SourceError
from publisher.sources import check_source, checked_get, is_url, read_capped

TIMEOUT = 20.0  # seconds without a byte
MAX_BYTES = 20 * 1024 * 1024  # captions of a 4-hour talk are ~2 MB; thumbnails less


def read_small(
    source: str, catalog_root: Path, allow_private: bool, limit: int = MAX_BYTES
) -> bytes:
    """The bytes of a URL or of a local path (relative to the catalog), at most `limit`."""
    if not is_url(source):
        path = Path(check_source(source, catalog_root, allow_private))
        if path.stat().st_size > limit:
            raise SourceError(f"{source} is larger than {limit} bytes")
        return path.read_bytes()
    return fetch_url(source, allow_private, limit)


def fetch_url(url: str, allow_private: bool, limit: int = MAX_BYTES) -> bytes:
    """GET `url`, following redirects one checked hop at a time, at most `limit` bytes."""
    with checked_get(url, allow_private, TIMEOUT) as (final, response):
        body = read_capped(response, final, limit)
    if body is None:
        raise SourceError(f"{url.split('?')[0]} is larger than {limit} bytes")
    return body
