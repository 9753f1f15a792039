"""How a site or a video refused yt-dlp: the publisher's failure classes, read from
yt-dlp's exceptions and texts (part of `publisher.tools.ytdlp`, the only importer of
yt-dlp; kept apart to stay readable)."""

from __future__ import annotations

from collections.abc import Iterator

from yt_dlp.networking.exceptions import HTTPError
from yt_dlp.utils import GeoRestrictedError

from publisher.errors import (
    DegradedSource,
    PublisherError,
    RateLimited,
    SiteRefused,
    VideoUnavailable,
)
from publisher.fetch import site_of

__all__ = [
    "BOT_CHECK_TEXTS",
    "DEGRADED_TEXTS",
    "RATE_LIMIT_TEXTS",
    "UNAVAILABLE_TEXTS",
    "causes",
    "degraded_read",
    "refusal",
]

# How a site or a video refused us: yt-dlp's own texts (YouTube's playability reasons
# with yt-dlp's additions), matched case-insensitively, with ’ read as '. The order
# matters: "Private video. Sign in if you've been granted access" is not a bot check.
UNAVAILABLE_TEXTS: list[tuple[str, str]] = [
    ("private video", "private"),
    ("members-only", "members-only"),
    ("join this channel to get access", "members-only"),
    ("confirm your age", "age-restricted"),
    ("inappropriate for some users", "age-restricted"),
    ("not made this video available in your country", "region-restricted"),
    ("not available in your country", "region-restricted"),
    ("removed by the uploader", "removed"),
    ("account associated with this video has been terminated", "removed"),
    ("video unavailable", "removed"),
    ("this video is no longer available", "removed"),
]
BOT_CHECK_TEXTS = ("not a bot", "captcha challenge", "your ip is likely being blocked")
RATE_LIMIT_TEXTS = ("has been rate-limited by youtube", "too many requests")
DEGRADED_TEXTS: list[tuple[str, str]] = [
    ("only images are available", "only images (no audio or video format)"),
    ("n challenge solving failed", "a degraded format list (n challenge solving failed)"),
    ("signature solving failed", "a degraded format list (signature solving failed)"),
    ("no supported javascript runtime", "a degraded format list (no JavaScript runtime)"),
    ("requested format is not available", "no usable format"),
]


def refusal(error: BaseException, url: str, warnings: list[str]) -> PublisherError | None:
    """The failure class of a yt-dlp error, from its exceptions and texts; None when it
    is none of them (then `describe_error` words it)."""
    site = site_of(url)
    for cause in causes(error):
        if isinstance(cause, HTTPError) and cause.status == 429:
            return RateLimited(site_of(cause.response.url or url), url)
        if isinstance(cause, GeoRestrictedError):
            return VideoUnavailable("region-restricted", url)
    text = _plain(str(error))
    for needle, reason in UNAVAILABLE_TEXTS:
        if needle in text:
            return VideoUnavailable(reason, url)
    if any(needle in text for needle in BOT_CHECK_TEXTS):
        return SiteRefused(site, url)
    if any(needle in text for needle in RATE_LIMIT_TEXTS):
        return RateLimited(site, url)
    for needle, what in DEGRADED_TEXTS:
        if needle in text:
            return DegradedSource(degraded_read(warnings) or what, url)
    return None


def degraded_read(warnings: list[str]) -> str | None:
    """What was wrong with a read whose warnings say yt-dlp got a degraded answer."""
    for warning in warnings:
        text = _plain(warning)
        for needle, what in DEGRADED_TEXTS:
            if needle in text:
                return what
    return None


def _plain(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        exc_info = getattr(current, "exc_info", None)
        stack += [getattr(current, "cause", None), current.__cause__, current.__context__]
        stack.append(exc_info[1] if isinstance(exc_info, tuple) and len(exc_info) > 1 else None)
