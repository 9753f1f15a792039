"""Small downloads a stage needs besides the media itself: caption files and thumbnails.

yt-dlp fetches media (`publisher.ytdlp`); these are plain HTTP GETs of a few hundred
kilobytes, so they use `requests`, with the same address rules as every other source
(`publisher.sources.check_url`) applied to the URL and to each redirect hop, a timeout,
and a size cap so a wrong URL cannot fill the disk or the memory.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import requests

from publisher.errors import SourceError
from publisher.sources import (
    MAX_REDIRECTS,
    REDIRECT_STATUSES,
    check_source,
    check_url,
    is_url,
    raise_for_status,
)

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
    """GET `url`, following redirects one checked hop at a time."""
    current = check_url(url, allow_private)
    with requests.Session() as session:
        session.trust_env = False  # a proxy would hide which address is really fetched
        for _ in range(MAX_REDIRECTS + 1):
            with _get(session, current) as response:
                location = response.headers.get("Location")
                if response.status_code in REDIRECT_STATUSES and location:
                    current = check_url(urljoin(current, location), allow_private)
                    continue
                raise_for_status(response.status_code, current)
                return _body(response, current, limit)
    raise SourceError(f"{url} redirects more than {MAX_REDIRECTS} times")


def _get(session: requests.Session, url: str) -> requests.Response:
    try:
        return session.get(url, timeout=TIMEOUT, allow_redirects=False, stream=True)
    except requests.RequestException as error:
        raise SourceError(f"{url.split('?')[0]} could not be read: {error}") from error


def _body(response: requests.Response, url: str, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise SourceError(f"{url.split('?')[0]} is larger than {limit} bytes")
            chunks.append(chunk)
    except requests.RequestException as error:
        raise SourceError(f"{url.split('?')[0]} broke off: {error}") from error
    return b"".join(chunks)
