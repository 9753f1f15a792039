"""RSS 2.0's rules (one channel, required elements, dates, unique GUIDs); a podcast feed
then goes through Apple's and the Podcast Index's rules."""

from __future__ import annotations

from publisher.check.apple import check_channel as check_apple_channel
from publisher.check.apple import check_item as check_apple_item
from publisher.check.apple import is_podcast
from publisher.check.findings import FeedCheck, base_url_from_self, item_name, text_of
from publisher.check.podcastindex import check_channel as check_index_channel
from publisher.check.podcastindex import check_item as check_index_item
from publisher.formats.checked import checked_rfc822


def check_rss(context: FeedCheck, root) -> None:
    if root.get("version") != "2.0":
        context.error("rss.version", f"<rss version> is {root.get('version')!r}, not '2.0'")
    channels = root.findall("channel")
    if len(channels) != 1:
        context.error("rss.channel", f"<rss> has {len(channels)} <channel> elements, not 1")
        return
    channel = channels[0]
    context.base_url = base_url_from_self(context, channel, "rss.self")
    for tag in ("title", "link", "description"):
        if not text_of(channel, tag):
            context.error("rss.required", f"the channel has no <{tag}>")
    _check_rss_dates(context, channel, "")
    seen: set[str] = set()
    items = channel.findall("item")
    for number, item in enumerate(items, start=1):
        name = item_name(item, number)
        if not text_of(item, "title") and not text_of(item, "description"):
            context.error("rss.item", "an item needs a <title> or a <description>", name)
        _check_rss_dates(context, item, name)
        guid = text_of(item, "guid")
        if guid and guid in seen:
            context.error("rss.guid.unique", f"the GUID {guid} is used by more than one item", name)
        seen.add(guid or "")
        if len(item.findall("enclosure")) > 1:
            context.warning("rss.enclosure", "more than one <enclosure>; apps use the first", name)
    if is_podcast(channel):
        check_apple_channel(context, channel, items)
        check_index_channel(context, channel)
        for number, item in enumerate(items, start=1):
            check_apple_item(context, item, item_name(item, number))
            check_index_item(context, item, item_name(item, number))
    elif not items:
        context.warning("feed.empty", "the feed has no items; readers show it empty")


def _check_rss_dates(context: FeedCheck, element, name: str) -> None:
    for tag in ("pubDate", "lastBuildDate"):
        value = text_of(element, tag)
        if value is None:
            continue
        if checked_rfc822(value) is None:  # the rule render writes dates by
            context.error("rss.date", f"<{tag}> {value!r} is not an RFC 822 date with a zone", name)
