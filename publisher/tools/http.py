"""HTTP for every tool: connections to checked addresses only, with time limits.

Every connection the build opens, with `requests` here or inside yt-dlp
(`publisher.tools.ytdlp.network` pins its pools the same way), goes to an address that
passed `publisher.sources.checked_addresses` in the same lookup: a DNS server that
answers a public address for the check and a private one for the connection gets
nowhere. Each request is watched against its deadline (`publisher.tools.deadlines`).
Imported only where a request is made: it loads requests and urllib3.

The small GETs of a stage (caption files, thumbnails, article pages) are here too:
redirects followed one checked hop at a time, a timeout, and a size cap; and the
notifications sent after a build or a publish (WebSub hubs, directory pings), under the
same address rules: `--allow-private-sources` covers them as it covers sources.
"""

from __future__ import annotations

import functools
import http.client
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from publisher import sources
from publisher.errors import (
    ADVICE_NETWORK,
    ADVICE_RETRY,
    ADVICE_TOO_LARGE,
    PublisherError,
    SourceError,
)
from publisher.sources import raise_for_status, short_url
from publisher.tools import deadlines

TIMEOUT = 20.0  # seconds without a byte
MAX_BYTES = 20 * 1024 * 1024  # captions of a 4-hour talk are ~2 MB; thumbnails less
MAX_REDIRECTS = 10
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


# Connections to checked addresses ------------------------------------------------------


class _CheckedConnection(HTTPConnection):
    """Connects only to addresses checked in the same lookup; watched while requesting."""

    allow_private = False

    def _new_conn(self) -> socket.socket:
        url = f"http://{self.host}:{self.port}/"
        # this request's budget from the start: under TLS, urllib3 connects before
        # `request`, and a failure here is this request's, never an earlier one's cut
        deadlines.watch(self, deadlines.budget_for_request())
        deadlines.refuse_if_over(url)
        addresses = sources.checked_addresses(self._dns_host, self.port, self.allow_private, url)
        failure: OSError | None = None
        for address in addresses:
            try:
                return urllib3.util.connection.create_connection(
                    (address, self.port), self.timeout, source_address=self.source_address,
                    socket_options=self.socket_options,
                )  # fmt: skip
            except TimeoutError as error:
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from error
            except OSError as error:
                failure = error
        message = f"Failed to establish a new connection: {failure}"
        raise NewConnectionError(self, message) from failure

    def request(self, *args, **kwargs):
        deadlines.watch(self, deadlines.budget_for_request())
        return super().request(*args, **kwargs)

    def getresponse(self, *args, **kwargs):
        # An answer that closes the connection after it (HTTP/1.0, "Connection: close")
        # takes the socket along: http.client forgets it (sock = None) while the body is
        # still being read from it. Kept here, the watchdog can still cut that read.
        self.answer_sock = self.sock
        return super().getresponse(*args, **kwargs)


@functools.cache
def pool_classes(allow_private: bool) -> dict[str, type]:
    """urllib3 pool classes by scheme whose connections go to checked addresses only."""
    policy = {"allow_private": allow_private}
    plain = type("CheckedHTTPConnection", (_CheckedConnection,), policy)
    tls = type("CheckedHTTPSConnection", (_CheckedConnection, HTTPSConnection), policy)
    return {
        "http": type("CheckedHTTPPool", (urllib3.HTTPConnectionPool,), {"ConnectionCls": plain}),
        "https": type("CheckedHTTPSPool", (urllib3.HTTPSConnectionPool,), {"ConnectionCls": tls}),
    }


def pin(manager: urllib3.PoolManager, allow_private: bool) -> None:
    """Make every pool of `manager` connect only to checked addresses."""
    manager.pool_classes_by_scheme = pool_classes(allow_private)
    manager.clear()


class CheckedAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, allow_private: bool):
        self.allow_private = allow_private
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        pin(self.poolmanager, self.allow_private)


def checked_session(allow_private: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # a proxy would hide which address is really fetched
    adapter = CheckedAdapter(allow_private)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# Why a transfer failed -----------------------------------------------------------------


def transport_cause(error: BaseException, timeout: float = TIMEOUT) -> str | None:
    """What went wrong on the wire, in a few words, from anywhere in `error`'s chain."""
    chain = list(_chain(error))
    for cause in chain:
        if isinstance(cause, http.client.IncompleteRead):
            partial = cause.partial if isinstance(cause.partial, int) else len(cause.partial)
            expected = f" of {partial + cause.expected}" if cause.expected else ""
            return f"the server closed the connection after {partial}{expected} bytes"
    for kind, words in _CAUSES:  # the most telling first: urllib3 calls a refusal a timeout
        if any(isinstance(cause, kind) for cause in chain):
            return words.format(timeout=timeout)
    return None


TIMED_OUT = "no data for {timeout:g} s (timed out)"
_CAUSES: list[tuple[type | tuple[type, ...], str]] = [
    (ConnectionResetError, "the server reset the connection"),
    (ConnectionRefusedError, "cannot connect to the server (connection refused)"),
    (http.client.RemoteDisconnected, "the server closed the connection without answering"),
    (socket.gaierror, "cannot resolve the host"),
    (urllib3.exceptions.SSLError, "the TLS handshake failed"),
    (urllib3.exceptions.NewConnectionError, "cannot connect to the server"),
    ((TimeoutError, urllib3.exceptions.TimeoutError), TIMED_OUT),
    (ConnectionError, "the connection broke off"),
]


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen or not isinstance(current, BaseException):
            continue
        seen.add(id(current))
        yield current
        exc_info = getattr(current, "exc_info", None)
        stack += [exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) > 1 else None]
        stack += [current.__context__, current.__cause__, getattr(current, "cause", None)]
        stack += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
        stack.append(getattr(current, "reason", None))


def request_failure(error: BaseException, url: str, timeout: float = TIMEOUT) -> PublisherError:
    """A one-line SourceError for a failed request, naming its cause."""
    cut = deadlines.tripped(url)
    if cut is not None:
        return cut
    reason = transport_cause(error, timeout) or type(error).__name__
    if reason == TIMED_OUT.format(timeout=timeout):
        return SourceError(f"source {short_url(url)} timed out after {timeout:g} s", ADVICE_RETRY)
    return SourceError(f"source {short_url(url)} could not be read: {reason}", ADVICE_NETWORK)


# Checked GETs --------------------------------------------------------------------------


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
    current = sources.check_url(url, allow_private)
    with checked_session(allow_private) as session:
        for _ in range(MAX_REDIRECTS + 1):
            with _request_once(session, current, timeout, headers) as response:
                location = response.headers.get("Location")
                if response.status_code not in REDIRECT_STATUSES or not location:
                    raise_for_status(response.status_code, current)
                    yield current, response
                    return
            current = sources.check_url(urljoin(current, location), allow_private)
    raise SourceError(f"source {short_url(url)} redirects more than {MAX_REDIRECTS} times")


def read_capped(
    response: requests.Response, url: str, limit: int, timeout: float = TIMEOUT
) -> bytes | None:
    """The body, or None once it grows past `limit` bytes (Content-Length may lie)."""
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    except (requests.RequestException, OSError, urllib3.exceptions.HTTPError) as error:
        raise request_failure(error, url, timeout) from error
    return b"".join(chunks)


def _request_once(session, url, timeout, headers) -> requests.Response:
    try:
        return session.get(
            url, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        )
    except requests.RequestException as error:
        raise request_failure(error, url, timeout) from error


# Small files ---------------------------------------------------------------------------


def read_local(path: Path, limit: int = MAX_BYTES) -> bytes:
    """A file an editor named in the catalog (or put beside a local source)."""
    if path.stat().st_size > limit:
        raise SourceError(f"{path} is larger than {limit} bytes", ADVICE_TOO_LARGE)
    return path.read_bytes()


def fetch_url(url: str, allow_private: bool, limit: int = MAX_BYTES) -> bytes:
    """GET `url`, following redirects one checked hop at a time, at most `limit` bytes.
    Only http(s) URLs: anything else, a local path included, is refused."""
    with checked_get(url, allow_private, TIMEOUT) as (final, response):
        body = read_capped(response, final, limit, TIMEOUT)
    if body is None:
        raise SourceError(f"{short_url(url)} is larger than {limit} bytes", ADVICE_TOO_LARGE)
    return body


# Notifications -------------------------------------------------------------------------


class Notifier:
    """Tells WebSub hubs and directory pings that feeds changed: each URL checked first,
    connections (redirect hops included) to checked addresses only, no proxy from the
    environment, no retry. A refusal or a failure is a PublisherError."""

    def __init__(self, allow_private: bool, user_agent: str, timeout: float):
        self.allow_private, self.timeout = allow_private, timeout
        self.session = checked_session(allow_private)
        self.session.headers["User-Agent"] = user_agent

    def __enter__(self) -> Notifier:
        return self

    def __exit__(self, *exc_info) -> None:
        self.session.close()

    def send(self, method: str, url: str, what: str, data: dict | None = None) -> requests.Response:
        """What `url` answers (body unread); `what` (a WebSub hub…) names it in a refusal."""
        sources.check_url(url, self.allow_private, what)
        try:
            response = self.session.request(method, url, data=data, timeout=self.timeout)
        except requests.RequestException as error:
            reason = transport_cause(error, self.timeout) or f"{type(error).__name__}: {error}"
            raise SourceError(f"unreachable: {reason}", ADVICE_NETWORK) from error
        response.close()
        return response
