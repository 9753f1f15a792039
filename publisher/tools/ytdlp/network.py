"""yt-dlp's networking, held to the publisher's address rules and deadlines.

`CheckedYoutubeDL` is the YoutubeDL `publisher.tools.ytdlp` uses. Every request goes
through its `urlopen`, which applies `publisher.sources`' rules to the request and to
where it ended up; each redirect hop is checked before it is made; and its connection
pools are pinned like `publisher.tools.http`'s, so each connection goes to an address
checked in the same DNS lookup, under the same deadlines. Only yt-dlp's own downloaders
run (every segment of an HLS or DASH stream is a checked request): a format that would
need ffmpeg or another program to fetch it is refused, and ffmpeg, should yt-dlp hand
it a stream anyway, may open no network protocol.
"""

from __future__ import annotations

import functools
import threading
from urllib.parse import urljoin, urlsplit

import yt_dlp
from yt_dlp.downloader import get_suitable_downloader
from yt_dlp.downloader.dash import DashSegmentsFD
from yt_dlp.downloader.hls import HlsFD
from yt_dlp.downloader.http import HttpFD
from yt_dlp.networking._requests import RequestsRH
from yt_dlp.networking.exceptions import RequestError

from publisher.errors import PublisherError, SourceError, SourceRefused
from publisher.sources import check_url, short_url
from publisher.tools import http

__all__ = [
    "FFMPEG_INPUT_PROTOCOLS",
    "NATIVE_DOWNLOADERS",
    "CheckedRequestRefused",
    "CheckedRequestsRH",
    "CheckedYoutubeDL",
    "RedirectRefused",
    "last_failure",
]

# yt-dlp's downloaders that fetch through `urlopen` (and so through the checked pools).
NATIVE_DOWNLOADERS = (HttpFD, HlsFD, DashSegmentsFD)
# If yt-dlp hands a stream to ffmpeg after all (an HLS playlist with features its own
# downloader lacks), ffmpeg may open no protocol at all: it would fetch unchecked URLs.
FFMPEG_INPUT_PROTOCOLS = ["-protocol_whitelist", "crypto"]


class RedirectRefused(RequestError):
    """A redirect to an address the run may not reach; raised before the hop is made."""


class CheckedRequestRefused(RequestError):
    """A connection refused by the address rules or a deadline, as yt-dlp's own error
    (any other exception inside a handler is reported by yt-dlp as a bug of its own)."""


class CheckedRequestsRH(RequestsRH):
    """yt-dlp's requests handler, checking each redirect's target before following it.

    yt-dlp follows redirects inside its handler, out of `urlopen`'s sight; a requests
    response hook sees each 3xx before the next hop is made.
    """

    allow_private = False

    def _create_instance(self, cookiejar, legacy_ssl_support=None):
        session = super()._create_instance(cookiejar, legacy_ssl_support)
        session.hooks["response"].append(self._refuse_forbidden_redirect)
        for adapter in set(session.adapters.values()):
            http.pin(adapter.poolmanager, self.allow_private)
        return session

    def _send(self, request):
        try:
            response = super()._send(request)
        except PublisherError as refused:
            raise CheckedRequestRefused(str(refused), cause=refused) from refused
        except RequestError as failure:
            last_failure.error = failure
            raise
        response.read = functools.partial(_noted_read, response.read, request.url)
        return response

    def _refuse_forbidden_redirect(self, response, **kwargs):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["location"])
            try:
                check_url(target, self.allow_private)
            except PublisherError as refused:
                response.close()
                raise RedirectRefused(str(refused), cause=refused) from None
        return response


# yt-dlp's downloaders keep only the text of a failed read ("Got error: …"); the failure
# itself is noted here, per thread, so the message can name its cause.
last_failure = threading.local()
WHOLE_READ_BLOCK = 1 << 20


def _noted_read(read, url: str, amt=None):
    try:
        return read(amt) if amt is not None else _whole_body(read, url)
    except Exception as failure:
        last_failure.error = failure
        raise


def _whole_body(read, url: str) -> bytes:
    """A body read whole into memory: a page, a manifest, an API's answer, never a
    download (yt-dlp's downloaders read blocks and write them to disk, held to
    `site.limits.max_filesize`). It may be at most `http.MAX_BYTES`: yt-dlp would hold a
    page without end in memory, and run its patterns over it (500 MB and a minute of
    CPU for a 50 MB page)."""
    parts, size = [], 0
    while block := read(WHOLE_READ_BLOCK):
        size += len(block)
        if size > http.MAX_BYTES:
            raise SourceError(
                f"{short_url(url)} sent more than {http.MAX_BYTES:,} bytes, more than a page"
                " or a manifest may hold",
                advice="check that the address names a talk's page or its media",
            )
        parts.append(block)
    return b"".join(parts)


class CheckedYoutubeDL(yt_dlp.YoutubeDL):
    """A YoutubeDL whose every request, and every redirect hop, is address-checked.

    Made without yt-dlp's ~1,800 site extractors (slow to set up); `Client` adds them
    only when a URL is not a direct media file.
    """

    def __init__(self, params: dict, allow_private: bool):
        super().__init__(params, auto_init=False)
        self.allow_private = allow_private

    @functools.cached_property
    def _request_director(self):
        # Only the checked handler: a fallback handler would follow redirects unchecked.
        director = self.build_request_director([CheckedRequestsRH])
        for handler in director.handlers.values():
            handler.allow_private = self.allow_private
        return director

    def dl(self, name, info, subtitle=False, test=False):
        """Download with yt-dlp's own downloaders only, whose requests are all checked."""
        downloader = get_suitable_downloader(dict(info), self.params)
        if downloader not in NATIVE_DOWNLOADERS:
            raise SourceRefused(
                f"{_host(info.get('url', ''))} offers this talk only as a"
                f" {info.get('protocol') or 'stream'} stream, which the publisher cannot"
                " fetch through its address checks",
                advice="give the entry another source",
            )
        return super().dl(name, info, subtitle, test)

    def urlopen(self, req):
        url = getattr(req, "url", None) or getattr(req, "full_url", None) or str(req)
        check_url(url, self.allow_private)
        response = super().urlopen(req)
        try:
            check_url(response.url, self.allow_private)
        except PublisherError:
            response.close()
            raise
        return response


def _host(url: str) -> str:
    return urlsplit(url).hostname or url
