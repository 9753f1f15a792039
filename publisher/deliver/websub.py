"""Tell WebSub (PubSubHubbub) hubs that feeds changed, so apps fetch them at once.

A ping is a courtesy: apps poll anyway. So a failing hub is logged and reported, never
raised, and never stops a publish. `announce` is the loop directory pings share; every
request goes through `publisher.tools.http`'s `Notifier`, under the address rules of
sources (`--allow-private-sources` lets a hub or a ping on an intranet be told).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from publisher.errors import PublisherError
from publisher.messages import describe

if TYPE_CHECKING:
    import requests

    from publisher.tools.http import Notifier

log = logging.getLogger(__name__)

USER_AGENT = "publisher (WebSub ping)"


def ping_hubs(
    hubs: tuple[str, ...], feed_urls: list[str], timeout: float = 10, allow_private: bool = False
) -> list[str]:
    """POST hub.mode=publish for each feed to each hub; returns the problems, never raises.

    One POST per feed: the publish ping is not part of the WebSub spec, and not every hub
    accepts several hub.url values in one request.
    """

    def send(notifier: Notifier, hub: str, feed_url: str) -> requests.Response:
        form = {"hub.mode": "publish", "hub.url": feed_url}
        return notifier.send("POST", hub, "WebSub hub", data=form)

    return announce(
        "WebSub hub", "site.hubs", hubs, feed_urls, send, USER_AGENT, timeout, allow_private
    )


Send = Callable[["Notifier", str, str], "requests.Response"]


def announce(
    label: str,
    field: str,
    endpoints: tuple[str, ...],
    feed_urls: list[str],
    send: Send,
    user_agent: str,
    timeout: float,
    allow_private: bool,
) -> list[str]:
    """`send` (endpoint, feed URL) for each changed feed to each endpoint; the problems,
    each naming the endpoint and the catalog `field` it is listed in.

    Shared by WebSub hubs and directory pings. An endpoint that cannot be reached (or is
    refused by the address rules) is not tried again for the other feeds, so a dead one
    costs one timeout, not one per feed.
    """
    problems: list[str] = []
    if not feed_urls or not endpoints:
        return problems  # a build that changed no feed never loads requests
    from publisher.tools.http import Notifier

    with Notifier(allow_private, user_agent, timeout) as notifier:
        for endpoint in endpoints:
            problems.extend(_announce_to(label, field, notifier, endpoint, feed_urls, send))
    return problems


def _announce_to(label, field, notifier, endpoint: str, feed_urls: list[str], send: Send):
    problems = []
    for feed_url in feed_urls:
        try:
            response = send(notifier, endpoint, feed_url)
        except PublisherError as error:
            return [*problems, _problem(label, field, endpoint, describe(error))]
        if 200 <= response.status_code < 300:
            log.info("%s %s notified of %s", label, endpoint, feed_url)
        else:
            reason = f"HTTP {response.status_code} {response.reason} for {feed_url}"
            problems.append(_problem(label, field, endpoint, reason))
    return problems


def _problem(label: str, field: str, endpoint: str, reason: str) -> str:
    message = f"{label} {endpoint} ({field}): {' '.join(reason.split())}"
    log.warning("%s", message)
    return message
