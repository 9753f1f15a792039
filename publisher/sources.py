"""Source checks: which URLs and paths the publisher will read from.

A source is checked before any request is made to it. Only http and https URLs are
read, and hosts that resolve to loopback, private, link-local or otherwise non-public
addresses are refused (a catalog must not make the build machine fetch its cloud
metadata or an intranet page) unless private sources are allowed. Every hop of a
redirect and every connection is checked the same way (`publisher.tools.http` connects
only to addresses that passed `checked_addresses`). Local files are plain paths,
relative to the catalog, never `file://` URLs; URLs found in a source's metadata are
only ever URLs (`metadata_url`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from publisher.errors import (
    ADVICE_NETWORK,
    ADVICE_RETRY,
    ADVICE_URL_OR_PATH,
    RateLimited,
    SourceError,
    SourceRefused,
)
from publisher.fetch import site_of

ALLOWED_SCHEMES = ("http", "https")


def is_url(source: str) -> bool:
    """True for anything with a scheme (`https:`, `file:`, `ftp:`), False for a path."""
    return _SCHEME.match(source) is not None


# RFC 3986's scheme, of two characters or more: a one-letter "scheme" is a Windows drive
# (C:\talks\a.mp4), not a URL.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")
_WEB_SCHEME = re.compile(rf"(?:{'|'.join(ALLOWED_SCHEMES)}):", re.IGNORECASE | re.ASCII)


def is_web_url(value: str) -> bool:
    """An http(s) URL: the only kind of URL the publisher reads or publishes."""
    return _WEB_SCHEME.match(value) is not None


def check_source(source: str, catalog_root: Path, allow_private: bool) -> str:
    """The normalized URL or absolute local path of `source`, or SourceRefused/SourceError."""
    if is_url(source):
        return check_url(source, allow_private)
    return str(check_local_path(source, catalog_root))


def local_source_path(source: str, catalog_root: Path) -> Path:
    """THE place a local `source` names: `~` is the user's home, a relative path starts at
    the catalog's folder. The media, the captions and the image beside it are found here."""
    path = Path(source).expanduser()
    return path if path.is_absolute() else catalog_root / path


def check_local_path(source: str, catalog_root: Path) -> Path:
    path = local_source_path(source, catalog_root).resolve()
    if not path.is_file():
        raise SourceError(
            f"local source {source} does not exist (looked for {path})",
            advice="fix the path, which is relative to the catalog's folder",
        )
    return path


def check_url(url: str, allow_private: bool, what: str = "source") -> str:
    """`url` normalized, after checking its scheme and every address its host resolves to.
    `what` names the URL in a refusal: a source, a WebSub hub, a directory ping."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise SourceRefused(
            f"{what} {short_url(url)} refused: only http and https URLs are read"
            " (a local file is a plain path, not a file:// URL)",
            advice=ADVICE_URL_OR_PATH,
        )
    host = parts.hostname
    if not host:
        raise SourceRefused(
            f"{what} {short_url(url)} refused: the URL has no host", ADVICE_URL_OR_PATH
        )
    if not allow_private:
        checked_addresses(host, parts.port, allow_private, url, what)
    return parts._replace(scheme=parts.scheme.lower(), fragment="").geturl()


def checked_addresses(
    host: str, port: int | None, allow_private: bool, url: str | None = None, what="source"
) -> list[str]:
    """The addresses of `host`, from one lookup, each checked: a connection made to one
    of these goes where the check looked (no second lookup a rebinding DNS could answer
    differently)."""
    addresses = resolve_host(host, port)
    if not allow_private:
        for address in addresses:
            reason = address_refusal(address)
            if reason:
                raise SourceRefused(
                    f"{what} {short_url(url or host)} refused: {host} is {reason} ({address})",
                    advice="use --allow-private-sources to read from intranets",
                )
    return addresses


def metadata_url(value) -> str | None:
    """A URL that a source's metadata gives (thumbnail, captions), if it may be fetched.

    Metadata is written by whoever runs the site: only an absolute http(s) URL is kept,
    to be fetched under the address rules like any source. A local path or a file: URL
    is dropped, so a page cannot make the build read (and publish) a file of this machine.
    """
    if not isinstance(value, str):
        return None
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not parts.hostname:
        return None
    return value.strip()


def resolve_host(host: str, port: int | None) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself, without DNS)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise SourceError(f"cannot resolve the host {host}: {error}", ADVICE_NETWORK) from error
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


def raise_for_status(status: int, url: str) -> None:
    """A one-line SourceError for an HTTP error status; nothing for success."""
    if status < 400:
        return
    if status == 429:
        raise RateLimited(site_of(url), short_url(url))
    if status in (404, 410):
        raise SourceError(
            f"source {short_url(url)}: HTTP {status}, the media was removed or moved",
            advice="check the address in a browser and correct the entry's source",
        )
    if status in (401, 403):
        raise SourceError(
            f"source {short_url(url)}: HTTP {status}, access denied (private or region-locked?)"
        )
    raise SourceError(f"source {short_url(url)}: HTTP {status}", advice=ADVICE_RETRY)


def short_url(url: str, limit: int = 120) -> str:
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
