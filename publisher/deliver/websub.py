"""Tell WebSub (PubSubHubbub) hubs that feeds changed, so apps fetch them at once.

A ping is a courtesy: apps poll anyway. So a failing hub is logged and reported, never
raised, and never stops a publish. `announce` is the loop directory pings share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

USER_AGENT = "publisher (WebSub ping)"


def ping_hubs(hubs: tuple[str, ...], feed_urls: list[str], timeout: float = 10) -> list[str]:
    """POST hub.mode=publish for each feed to each hub; returns the problems, never raises.

    One POST per feed: the publish ping is not part of the WebSub spec, and not every hub
    accepts several hub.url values in one request.
    """

    def send(session: requests.Session, hub: str, feed_url: str) -> requests.Response:
        return session.post(hub, data={"hub.mode": "publish", "hub.url": feed_url}, timeout=timeout)

    return announce("WebSub hub", hubs, feed_urls, send, USER_AGENT)


Send = Callable[["requests.Session", str, str], "requests.Response"]


def announce(
    label: str, endpoints: tuple[str, ...], feed_urls: list[str], send: Send, user_agent: str
) -> list[str]:
    """`send` (endpoint, feed URL) for each changed feed to each endpoint; the problems.

    Shared by WebSub hubs and directory pings. An endpoint that cannot be reached is not
    tried again for the other feeds, so a dead one costs one timeout, not one per feed.
    """
    problems: list[str] = []
    if not feed_urls:
        return problems  # a build that changed no feed never loads requests
    import requests

    with requests.Session() as session:
        session.headers["User-Agent"] = user_agent
        for endpoint in endpoints:
            problems.extend(_announce_to(label, session, endpoint, feed_urls, send))
    return problems


def _announce_to(label: str, session, endpoint: str, feed_urls: list[str], send: Send):
    if urlsplit(endpoint).scheme not in ("http", "https"):
        return [_problem(label, endpoint, "not an http(s) URL")]
    import requests

    problems = []
    for feed_url in feed_urls:
        try:
            response = send(session, endpoint, feed_url)
        except requests.RequestException as error:
            reason = f"unreachable: {type(error).__name__}: {error}"
            return [*problems, _problem(label, endpoint, reason)]
        if 200 <= response.status_code < 300:
            log.info("%s %s notified of %s", label, endpoint, feed_url)
        else:
            reason = f"HTTP {response.status_code} {response.reason} for {feed_url}"
            problems.append(_problem(label, endpoint, reason))
    return problems


def _problem(label: str, endpoint: str, reason: str) -> str:
    message = f"{label} {endpoint}: {' '.join(reason.split())}"
    log.warning("%s", message)
    return message
