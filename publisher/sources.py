"""Source checks: which URLs and paths the publisher will read from.

A source is checked before any request is made to it. Only http and https URLs are
read, and hosts that resolve to loopback, private, link-local or otherwise non-public
addresses are refused (a catalog must not make the build machine fetch its cloud
metadata or an intranet page) unless private sources are allowed. Redirects are
followed one hop at a time, each hop checked the same way. Local files are plain paths,
relative to the catalog, never `file://` URLs.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urljoin, urlsplit

from publisher.errors import SourceError, SourceRefused

if TYPE_CHECKING:
    import requests  # imported where a request is made: `validate` and `check` make none

ALLOWED_SCHEMES = ("http", "https")
MAX_REDIRECTS = 10
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def is_url(source: str) -> bool:
    """True for anything with a scheme (`https:`, `file:`, `ftp:`), False for a path."""
    scheme = urlsplit(source).scheme
    # a one-letter "scheme" is a Windows drive (C:\talks\a.mp4), not a URL
    return len(scheme) > 1 and source[len(scheme) : len(scheme) + 1] == ":"


def is_web_url(value: str) -> bool:
    """An http(s) URL: the only kind of URL the publisher reads or publishes."""
    return is_url(value) and urlsplit(value).scheme.lower() in ALLOWED_SCHEMES


def check_source(source: str, catalog_root: Path, allow_private: bool) -> str:
    """The normalized URL or absolute local path of `source`, or SourceRefused/SourceError."""
    if is_url(source):
        return check_url(source, allow_private)
    return str(check_local_path(source, catalog_root))


def check_local_path(source: str, catalog_root: Path) -> Path:
    path = Path(source).expanduser()
    if not path.is_absolute():
        path = catalog_root / path
    path = path.resolve()
    if not path.is_file():
        raise SourceError(
            f"local source {source} does not exist (looked for {path}); fix the path,"
            " which is relative to the catalog's folder"
        )
    return path


def check_url(url: str, allow_private: bool) -> str:
    """`url` normalized, after checking its scheme and every address its host resolves to."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise SourceRefused(
            f"source {_short(url)} refused: only http and https URLs are read"
            " (a local file is a plain path, not a file:// URL)"
        )
    host = parts.hostname
    if not host:
        raise SourceRefused(f"source {_short(url)} refused: the URL has no host")
    if not allow_private:
        for address in resolve_host(host, parts.port):
            reason = address_refusal(address)
            if reason:
                raise SourceRefused(
                    f"source {_short(url)} refused: {host} is {reason} ({address});"
                    " use --allow-private-sources to read from intranets"
                )
    return parts._replace(scheme=parts.scheme.lower(), fragment="").geturl()


def resolve_host(host: str, port: int | None) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself, without DNS)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise SourceError(f"cannot resolve the host {host}: {error}") from error
    return sorted({info[4][0] for info in infos})


def address_refusal(address: str) -> str | None:
    """Why `address` may not be fetched by default, or None when it is a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for attribute, reason in (
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_private", "a private address"),
        ("is_multicast", "a multicast address"),
        ("is_unspecified", "an unspecified address"),
        ("is_reserved", "a reserved address"),
    ):
        if getattr(ip, attribute):
            return reason
    return None if ip.is_global else "not a public address"


@dataclass(frozen=True)
class Resolved:
    """Where a source URL ends up after its redirects, and what the server says it is."""

    url: str
    content_type: str

    @property
    def is_media(self) -> bool:
        """A direct audio or video file rather than a web page."""
        return self.content_type.startswith(("audio/", "video/"))


def follow_redirects(
    url: str,
    allow_private: bool,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> Resolved:
    """Where `url` really is, and what it holds, reading no body (a GET per hop: many
    servers answer HEAD wrongly)."""
    with checked_get(url, allow_private, timeout, headers) as (final, response):
        content_type = response.headers.get("Content-Type", "")
        return Resolved(final, content_type.split(";")[0].strip().lower())


@contextmanager
def checked_get(
    url: str, allow_private: bool, timeout: float, headers: dict[str, str] | None = None
) -> Iterator[tuple[str, requests.Response]]:
    """GET `url`, following redirects one hop at a time and checking each hop before it
    is requested; yields (final URL, response) with a success status, body unread."""
    import requests

    current = check_url(url, allow_private)
    with requests.Session() as session:
        session.trust_env = False  # a proxy would hide which address is really fetched
        for _ in range(MAX_REDIRECTS + 1):
            with _request_once(session, current, timeout, headers) as response:
                location = response.headers.get("Location")
                if response.status_code not in REDIRECT_STATUSES or not location:
                    raise_for_status(response.status_code, current)
                    yield current, response
                    return
            current = check_url(urljoin(current, location), allow_private)
    raise SourceError(f"source {_short(url)} redirects more than {MAX_REDIRECTS} times")


def read_capped(response: requests.Response, url: str, limit: int) -> bytes | None:
    """The body, or None once it grows past `limit` bytes (Content-Length may lie)."""
    import requests

    chunks, size = [], 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except requests.RequestException as error:
        raise SourceError(f"source {_short(url)} broke off: {request_failure(error)}") from error
    return b"".join(chunks)


def _request_once(session, url, timeout, headers) -> requests.Response:
    import requests

    try:
        return session.get(
            url, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        )
    except requests.Timeout as error:
        raise SourceError(
            f"source {_short(url)} timed out after {timeout:g} s; the next run retries"
        ) from error
    except requests.RequestException as error:
        reason = request_failure(error)
        raise SourceError(f"source {_short(url)} could not be read: {reason}") from error


def request_failure(error: requests.RequestException) -> str:
    """A few words for a failed request: requests' own text is a long nested repr."""
    import requests

    if isinstance(error, requests.ConnectionError):
        return "cannot connect to the server"
    return type(error).__name__


def raise_for_status(status: int, url: str) -> None:
    """A one-line SourceError for an HTTP error status; nothing for success."""
    if status < 400:
        return
    if status == 429:
        raise SourceError(
            f"source {_short(url)}: HTTP 429 Too Many Requests; the site is rate-limiting,"
            " the next run retries"
        )
    if status in (404, 410):
        raise SourceError(
            f"source {_short(url)}: HTTP {status}, the media was removed or moved;"
            " fix the entry's source"
        )
    if status in (401, 403):
        raise SourceError(
            f"source {_short(url)}: HTTP {status}, access denied (private or region-locked?)"
        )
    raise SourceError(f"source {_short(url)}: HTTP {status}; the next run retries")


def _short(url: str, limit: int = 120) -> str:
    """A URL for a one-line message: no query string (it may hold tokens), not too long."""
    parts = urlsplit(url)
    text = parts._replace(query="", fragment="").geturl() if parts.scheme else url
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Query keys of URLs that expire or carry a signature (googlevideo, YouTube's timedtext,
# S3 and GCS presigned URLs): good for one run at most, never worth storing.
SIGNED_QUERY_KEYS = {"expire", "expires", "signature", "sig", "x-amz-signature", "x-goog-signature"}


def is_signed_url(url: str) -> bool:
    """Media URLs that expire or carry a signature: never stored, never published."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    keys = {key.lower() for key in parse_qs(parts.query)}
    return host.endswith("googlevideo.com") or bool(keys & SIGNED_QUERY_KEYS)
