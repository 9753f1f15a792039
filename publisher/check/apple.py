"""Apple Podcasts' rules for a podcast feed, for `publisher.check`.

Apple: https://podcasters.apple.com/support/823-podcast-requirements (required and
recommended tags, explicit as true/false, categories from its list, artwork read from
the file). The Podcast Index's rules are in `check.podcastindex`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from publisher.check.findings import CONTENT_NS, HISTORY_NS, ITUNES_NS
from publisher.check.podcastindex import check_https
from publisher.formats import apple
from publisher.formats.imageinfo import NotAnImage, artwork_problems, image_info
from publisher.formats.sanitize import unsafe_markup

if TYPE_CHECKING:
    from publisher.check.findings import FeedCheck


# Apple documents audio/x-m4a for AAC; audio/mp4 is the registered type, which Apple
# accepts too and which the publisher serves.
ENCLOSURE_TYPES = frozenset(
    {"audio/x-m4a", "audio/mp4", "audio/mpeg", "video/quicktime", "video/mp4", "video/x-m4v"}
    | {"application/pdf"}
)
EPISODE_TYPES = ("full", "trailer", "bonus")
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
NO_EPISODES = (
    "no episodes: Apple Podcasts and the directories refuse a show without one"
    " — submit the feed once its first episode is published"
)


def _it(tag: str) -> str:
    return f"{{{ITUNES_NS}}}{tag}"


def is_podcast(channel) -> bool:
    """Apple's rules apply to feeds with itunes: tags or enclosures, not to article feeds."""
    return any(child.tag.startswith(f"{{{ITUNES_NS}}}") for child in channel) or (
        channel.find("item/enclosure") is not None
    )


def _text(parent, tag: str) -> str | None:
    element = parent.find(tag)
    return None if element is None else (element.text or "").strip()


# Channel ------------------------------------------------------------------------------


def check_channel(context: FeedCheck, channel, items: list) -> None:
    _check_title_length(context, channel, "")
    _check_summaries(context, channel, "")
    if not items and channel.find(f"{{{HISTORY_NS}}}archive") is None:
        # Apple Podcasts, the Podcast Index and other directories refuse an empty show.
        context.warning("apple.episodes", NO_EPISODES)
    language = _text(channel, "language")
    if not language:
        context.error("apple.language", "the channel has no <language>")
    elif not _LANGUAGE.match(language):
        context.error("apple.language", f"<language> {language!r} is not an ISO 639 code")
    image = channel.find(_it("image"))
    if image is None or not image.get("href"):
        context.error("apple.image", "the channel has no <itunes:image href>")
    else:
        check_image(context, image.get("href", ""), "")
    _check_categories(context, channel)
    _check_explicit(context, channel, "", required=True)
    if not _text(channel, _it("author")):
        context.warning("apple.author", "no <itunes:author> (Apple recommends one)")
    email = _text(channel, f"{_it('owner')}/{_it('email')}")
    if not email:
        context.warning("apple.owner", "no <itunes:owner><itunes:email> (Apple recommends one)")
    elif not apple.EMAIL.match(email):
        context.error("apple.owner", f"<itunes:email> {email!r} is not an e-mail address")
    kind = _text(channel, _it("type"))
    if kind is not None and kind not in ("episodic", "serial"):
        context.error("apple.type", f"<itunes:type> {kind!r} is not episodic or serial")
    block = _text(channel, _it("block"))
    if block is not None and block != "Yes":
        # Apple: "Yes" keeps the show out of Apple Podcasts; any other value does nothing.
        context.warning("apple.block", f"<itunes:block> {block!r}: Apple reads only Yes")


def _check_title_length(context: FeedCheck, element, name: str) -> None:
    if problem := apple.title_too_long(_text(element, "title") or ""):
        context.error("apple.title", f"<title> {problem}", name)


def _check_summaries(context: FeedCheck, element, name: str) -> None:
    description = _text(element, "description")
    summary = _text(element, _it("summary"))
    if not description and not summary and not name:
        context.error("apple.description", "the channel has no <description>")
    for tag, value in (("description", description), ("itunes:summary", summary)):
        if value and len(value.encode("utf-8")) > apple.SUMMARY_MAX_BYTES:
            size = len(value.encode("utf-8"))
            limit = apple.SUMMARY_MAX_BYTES
            context.error(
                "apple.summary", f"<{tag}> is {size} bytes; Apple's limit is {limit}", name
            )


def _check_categories(context: FeedCheck, channel) -> None:
    categories = channel.findall(_it("category"))
    if not categories:
        context.error("apple.category", "the channel has no <itunes:category>")
    for category in categories:
        top = category.get("text", "")
        subcategories = [sub.get("text", "") for sub in category.findall(_it("category"))]
        for path in [top] + [f"{top} > {sub}" for sub in subcategories]:
            parsed, why = apple.parse_category(path)
            if parsed is None or parsed[0] != top:
                context.error("apple.category", why or f"{path!r} is a legacy category")


def _check_explicit(context: FeedCheck, element, name: str, required: bool) -> None:
    value = _text(element, _it("explicit"))
    if value is None:
        if required:
            context.error("apple.explicit", "no <itunes:explicit> (true or false)", name)
    elif value in ("yes", "no", "clean"):
        context.warning(
            "apple.explicit", f"<itunes:explicit> {value!r}: Apple wants true/false", name
        )
    elif value not in ("true", "false"):
        context.error("apple.explicit", f"<itunes:explicit> {value!r} is not true or false", name)


def check_image(context: FeedCheck, url: str, name: str) -> None:
    """Apple's artwork rules, read from the published file itself."""
    if not url.lower().endswith((".jpg", ".jpeg", ".png")):
        context.error("apple.image", f"{url} does not end in .jpg or .png", name)
    check_https(context, url, "artwork", name, rule="apple.https")
    path = context.local_file(url, "artwork", name)
    if path is None:
        return
    if path not in context.image_problems:  # one cover serves many items: read it once
        try:
            context.image_problems[path] = artwork_problems(image_info(path))
        except (NotAnImage, OSError) as error:
            context.image_problems[path] = [f"not a readable image ({error})"]
    for problem in context.image_problems[path]:
        context.error("apple.image", f"{url}: {problem}", name)


# Items --------------------------------------------------------------------------------


def check_item(context: FeedCheck, item, name: str) -> None:
    if not _text(item, "title"):
        context.error("apple.title", "the item has no <title>", name)
    _check_title_length(context, item, name)
    if not _text(item, "guid"):
        context.error("apple.guid", "the item has no <guid>", name)
    if _text(item, "pubDate") is None:
        context.warning("apple.pubDate", "no <pubDate> (Apple recommends one)", name)
    _check_summaries(context, item, name)
    _check_enclosure(context, item, name)
    _check_explicit(context, item, name, required=False)
    _check_itunes_numbers(context, item, name)
    image = item.find(_it("image"))
    if image is not None:
        check_image(context, image.get("href", ""), name)
    content = _text(item, f"{{{CONTENT_NS}}}encoded")
    if content and len(content.encode("utf-8")) > apple.CONTENT_MAX_BYTES:
        size, limit = len(content.encode("utf-8")), apple.CONTENT_MAX_BYTES
        context.error(
            "content.size", f"<content:encoded> is {size} bytes; the limit is {limit}", name
        )
    if content and (unsafe := unsafe_markup(content)):
        context.error("content.html", f"<content:encoded> has {unsafe}", name)


def _check_enclosure(context: FeedCheck, item, name: str) -> None:
    enclosure = item.find("enclosure")
    if enclosure is None:
        context.error("apple.enclosure", "the item has no <enclosure>", name)
        return
    url, length, kind = (enclosure.get(a) for a in ("url", "length", "type"))
    if not url or length is None or not kind:
        context.error("apple.enclosure", "<enclosure> needs url, length and type", name)
        return
    if not length.isdigit() or int(length) <= 0:
        context.error("apple.enclosure", f"<enclosure length> {length!r} is not a byte count", name)
    if kind not in ENCLOSURE_TYPES:
        context.error(
            "apple.enclosure.type", f"<enclosure type> {kind!r} is not one Apple accepts", name
        )
    check_https(context, url, "enclosure", name, rule="apple.https")
    context.file_with_length(url, length, "enclosure", name)
    duration = _text(item, _it("duration"))
    if duration is None:
        context.warning("apple.duration", "no <itunes:duration> (Apple recommends one)", name)
    elif problem := apple.duration_problem(duration):
        context.error("apple.duration", problem, name)


def _check_itunes_numbers(context: FeedCheck, item, name: str) -> None:
    kind = _text(item, _it("episodeType"))
    if kind is not None and kind not in EPISODE_TYPES:
        message = f"<itunes:episodeType> {kind!r} is not full, trailer or bonus"
        context.error("apple.episodeType", message, name)
    serial = _text(item.getparent(), _it("type")) == "serial"  # Apple: all numbered there
    for tag in ("episode", "season"):
        value = _text(item, _it(tag))
        if value is None and tag == "episode" and serial:
            message = "no <itunes:episode> in a serial show (Apple requires one)"
            context.error("apple.episode", message, name)
        elif value is not None and not (value.isdigit() and int(value) > 0):
            message = f"<itunes:{tag}> {value!r} is not a positive integer"
            context.error(f"apple.{tag}", message, name)
