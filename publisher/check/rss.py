"""RSS 2.0's rules (one channel, required elements, dates, unique GUIDs); a podcast feed
then goes through Apple's and the Podcast Index's rules."""

from __future__ import annotations

from publisher.check import apple, podcastindex
from publisher.check.findings import ATOM_NS, FeedCheck, item_name, text_of
from publisher.formats.checked import checked_rfc822


def check_rss(context: FeedCheck, root) -> None:
    if root.get("version") != "2.0":
        context.error("rss.version", f"<rss version> is {root.get('version')!r}, not '2.0'")
    channels = root.findall("channel")
    if len(channels) != 1:
        context.error("rss.channel", f"<rss> has {len(channels)} <channel> elements, not 1")
        return
    channel = channels[0]
    context.base_url = _base_url(context, channel, "rss.self")
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
    if apple.is_podcast(channel):
        apple.check_channel(context, channel, items)
        podcastindex.check_channel(context, channel)
        for number, item in enumerate(items, start=1):
            apple.check_item(context, item, item_name(item, number))
            podcastindex.check_item(context, item, item_name(item, number))
    elif not items:
        context.warning("feed.empty", "the feed has no items; readers show it empty")


def _check_rss_dates(context: FeedCheck, element, name: str) -> None:
    for tag in ("pubDate", "lastBuildDate"):
        value = text_of(element, tag)
        if value is None:
            continue
        if checked_rfc822(value) is None:  # the rule render writes dates by
            context.error("rss.date", f"<{tag}> {value!r} is not an RFC 822 date with a zone", name)


def _base_url(context: FeedCheck, channel, rule: str) -> str | None:
    """Where the folder is served, from the feed's own URL; None (and a warning) if unknown."""
    links = channel.findall(f"{{{ATOM_NS}}}link")
    self_url = next((link.get("href", "") for link in links if link.get("rel") == "self"), "")
    if not self_url:
        context.warning(rule, "no atom:link rel=self: apps cannot tell the feed's own URL")
        return None
    if not self_url.endswith("/" + context.relative):
        context.warning(rule, f"rel=self {self_url} does not end with {context.relative}")
        return None
    return self_url[: -len(context.relative)]
