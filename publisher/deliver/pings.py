"""Tell podcast directories that feeds changed: `site.pings`, URL templates with `{url}`.

The Podcast Index (`https://api.podcastindex.org/api/1.0/hub/pubnotify?url={url}`) and
other directories take a GET naming the changed feed, and fetch it again at once. Like a
WebSub ping it is a courtesy (directories poll anyway): a failing one is logged and
reported, never raised, and never stops a build or a publish.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from publisher.deliver.websub import announce

if TYPE_CHECKING:
    import requests  # loaded by `announce`, and only when a feed changed

    from publisher.tools.http import Notifier

USER_AGENT = "publisher (directory ping)"
PLACEHOLDER = "{url}"


def ping_url(template: str, feed_url: str) -> str:
    """The template with the feed's URL, percent-encoded as one query value."""
    return template.replace(PLACEHOLDER, quote(feed_url, safe=""))


def ping_directories(
    templates: tuple[str, ...],
    feed_urls: list[str],
    timeout: float = 10,
    allow_private: bool = False,
) -> list[str]:
    """GET each template once for each changed feed; returns the problems, never raises."""

    def send(notifier: Notifier, template: str, feed_url: str) -> requests.Response:
        return notifier.send("GET", ping_url(template, feed_url), "directory ping")

    return announce(
        "directory ping",
        "site.pings",
        templates,
        feed_urls,
        send,
        USER_AGENT,
        timeout,
        allow_private,
    )
