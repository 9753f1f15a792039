"""The organisation's shows as one network: which feeds are offered for subscription,
and which shows each feed (and page) recommends.

A feed is offered (in the OPML, on the pages, in podrolls) when its series is listed and
it has an item: Apple and the directories refuse a show with no episodes. Each podcast
feed's `<podcast:podroll>` names the audio feed of every other offered show, the
all-talks feed among them, by its podcast:guid; a series page names the same shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from publisher.output import inventory, urls
from publisher.render.articles import article_items
from publisher.render.feedext.podcastindex import RemoteItem
from publisher.render.podcast import episodes_of, series_of_feed

if TYPE_CHECKING:
    from publisher.build.run import Run


def offered_feeds(run: Run, feeds: list[inventory.Feed]) -> list[inventory.Feed]:
    """The feeds offered for subscription: listed, not OPML, with an item in them."""
    return [f for f in feeds if f.kind != "opml" and f.listed and has_items(run, f)]


def podroll(
    run: Run, feed: inventory.Feed, offered: list[inventory.Feed]
) -> tuple[RemoteItem, ...]:
    """The shows a podcast feed recommends: the audio feed of every other offered series,
    the all-talks feed among them, each by its podcast:guid."""
    return tuple(
        RemoteItem(run.podcast_guids[other.path], urls.public_url(run.base_url, other.path))
        for other in offered
        if other.medium == "audio" and other.series not in (None, feed.series)
        and other.path in run.podcast_guids
    )  # fmt: skip


def recommended_series(run: Run, series_id: str) -> list[str]:
    """The ids of the shows a series' feeds recommend (the all-talks one included), for
    its page to name the same ones."""
    offered = offered_feeds(run, inventory.feeds(run.catalog))
    ids = [other.series for other in offered if other.medium == "audio"]
    return [i for i in ids if i is not None and i != series_id]


def has_items(run: Run, feed: inventory.Feed) -> bool:
    if feed.series is not None:
        return bool(episodes_of(run, series_of_feed(run, feed), feed))
    return bool(article_items(run))
