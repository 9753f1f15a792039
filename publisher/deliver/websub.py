"""Tell WebSub (PubSubHubbub) hubs that feeds changed, so apps fetch them at once.

A ping is a courtesy: apps poll anyway. So a failing hub is logged and reported, never
raised, and never stops a publish.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

import requests

from publisher.output import urls

log = logging.getLogger(__name__)

USER_AGENT = "publisher (WebSub ping)"


def feed_urls_to_ping(base_url: str, changed: Iterable[str]) -> list[str]:
    """The public URLs of the changed feeds among `changed` (paths under the folder).

    OPML is no feed a hub can deliver, so it is left out.
    """
    return [
        urls.public_url(base_url, relative)
        for relative in sorted(changed)
        if urls.is_feed(relative) and not relative.endswith(".opml")
    ]


def ping_hubs(hubs: tuple[str, ...], feed_urls: list[str], timeout: float = 10) -> list[str]:
    """POST hub.mode=publish for each feed to each hub; returns the problems, never raises.

    One POST per feed: the publish ping is not part of the WebSub spec, and not every hub
    accepts several hub.url values in one request. A hub that cannot be reached is not
    tried again for the other feeds, so a dead hub costs one timeout, not one per feed.
    """
    problems: list[str] = []
    if not feed_urls:
        return problems
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        for hub in hubs:
            problems.extend(_ping_hub(session, hub, feed_urls, timeout))
    return problems


def _ping_hub(session: requests.Session, hub: str, feed_urls: list[str], timeout: float):
    if urlsplit(hub).scheme not in ("http", "https"):
        return [_problem(hub, "not an http(s) URL")]
    problems = []
    for feed_url in feed_urls:
        try:
            response = session.post(
                hub, data={"hub.mode": "publish", "hub.url": feed_url}, timeout=timeout
            )
        except requests.RequestException as error:
            return [*problems, _problem(hub, f"unreachable: {type(error).__name__}: {error}")]
        if 200 <= response.status_code < 300:
            log.info("WebSub hub %s notified of %s", hub, feed_url)
        else:
            reason = f"HTTP {response.status_code} {response.reason} for {feed_url}"
            problems.append(_problem(hub, reason))
    return problems


def _problem(hub: str, reason: str) -> str:
    message = f"WebSub hub {hub}: {' '.join(reason.split())}"
    log.warning("%s", message)
    return message
