"""Every Apple and Podcasting 2.0 tag of a rendered episode, the check gate, and what
feedparser and gPodder's podcastparser read back (transcript and chapters included)."""

from __future__ import annotations

import io
from pathlib import Path

import feedparser
import podcastparser
import pytest
from helpers.partytime import partytime
from helpers.runs import BASE_URL, SUMMARY, make_run
from helpers.shown import shown
from lxml import etree

from publisher.build import report_of
from publisher.check import check_feed
from publisher.check.findings import PODCAST_NS
from publisher.formats.podcastindex import rrule_of
from publisher.guids import assign_guids, podcast_guid
from publisher.render import publish_feed, render_feeds
from publisher.render.channel_art import publish_channel_art
from publisher.render.feedext.podcastindex import describe_rrule

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": PODCAST_NS,
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
MEDIA = BASE_URL + "media/talks/"


@pytest.fixture
def run(tmp_path: Path):
    run = make_run(tmp_path)
    assign_guids(run)
    publish_channel_art(run)
    yield run
    run.state.close()


@pytest.fixture
def feeds(run) -> dict[str, bytes]:
    return render_feeds(run)


def one(tree, path: str):
    found = tree.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {found}"
    return found[0]


def test_every_tag_of_the_featured_episode(run, feeds):
    tree = etree.fromstring(feeds["talks/podcast.xml"])
    item = one(tree, "/rss/channel/item[3]")  # newest first: talk 5, 4, then 3
    guid = next(i.guid for i in run.items if i.id == "talk-3")
    assert one(item, "title/text()") == "Talk 3"
    assert one(item, "guid/text()") == guid and one(item, "guid/@isPermaLink") == "false"
    assert one(item, "enclosure/@url") == MEDIA + "talk-3.m4a"
    assert one(item, "enclosure/@length") == str(1000 + len("talk-3"))
    assert one(item, "enclosure/@type") == "audio/mp4"
    assert one(item, "itunes:duration/text()") == "125"
    assert one(item, "itunes:image/@href") == MEDIA + "talk-3-art.jpg"
    assert one(item, "itunes:explicit/text()") == "false"
    assert one(item, "itunes:episodeType/text()") == "full"
    assert one(item, "itunes:episode/text()") == "3"
    assert one(item, "itunes:season/text()") == "1"
    # The summary is plain text that looks like HTML: every reader shows it as typed.
    assert shown(one(item, "description/text()")) == SUMMARY
    assert shown(one(item, "content:encoded/text()")) == SUMMARY
    assert one(item, "itunes:summary/text()") == " ".join(SUMMARY.split())
    transcripts = item.xpath("podcast:transcript", namespaces=NS)
    assert [
        (t.get("url"), t.get("type"), t.get("language"), t.get("rel")) for t in transcripts
    ] == [
        (MEDIA + "talk-3.vtt", "text/vtt", "en", "captions"),
        (MEDIA + "talk-3.srt", "application/x-subrip", "en", "captions"),
    ]
    assert one(item, "podcast:chapters/@url") == MEDIA + "talk-3.chapters.json"
    assert one(item, "podcast:chapters/@type") == "application/json+chapters"
    people = [
        (p.text, p.get("role"), p.get("group")) for p in item.xpath("podcast:person", namespaces=NS)
    ]
    assert people == [("Alan Woods", "host", "cast"), ("Rob Sewell", "guest", "cast")]
    assert one(item, "podcast:season/text()") == "1"
    assert one(item, "podcast:episode/text()") == "3"
    alternate = one(item, "podcast:alternateEnclosure")
    assert (alternate.get("type"), alternate.get("length")) == ("video/mp4", "2000")
    assert one(alternate, "podcast:source/@uri") == MEDIA + "talk-3.mp4"


def test_channel_tags(feeds):
    channel = one(etree.fromstring(feeds["talks/podcast.xml"]), "/rss/channel")
    feed_url = BASE_URL + "talks/podcast.xml"
    assert one(channel, "atom:link[@rel='self']/@href") == feed_url
    assert one(channel, "podcast:guid/text()") == podcast_guid(feed_url)
    assert one(channel, "podcast:medium/text()") == "podcast"
    assert one(channel, "podcast:locked/text()") == "yes"
    assert one(channel, "podcast:updateFrequency/text()") == "Weekly"
    assert one(channel, "podcast:updateFrequency/@rrule") == "FREQ=WEEKLY"
    assert one(channel, "podcast:funding/@url") == "https://example.org/donate"
    assert one(channel, "podcast:funding/text()") == "Support us"
    assert one(channel, "podcast:license/text()") == "cc-by-4.0"
    assert one(channel, "itunes:explicit/text()") == "false"
    assert one(channel, "itunes:category/@text") == "History"
    assert one(channel, "itunes:image/@href").startswith(BASE_URL + "media/cover-")


def test_video_feed_is_a_full_feed_of_its_own(feeds):
    tree = etree.fromstring(feeds["talks/video.xml"])
    assert one(tree, "/rss/channel/podcast:medium/text()") == "video"
    assert tree.xpath("//enclosure/@type") == ["video/mp4"] * 5
    assert tree.xpath("//podcast:alternateEnclosure", namespaces=NS) == []
    assert one(tree, "/rss/channel/atom:link[@rel='self']/@href") == BASE_URL + "talks/video.xml"


def test_every_rendered_feed_passes_check(run, feeds):
    for relative, data in feeds.items():
        errors = [f for f in check_feed(relative, data, run.out) if f.severity == "error"]
        assert errors == [], relative


def test_feedparser_and_podcastparser_read_transcript_and_chapters(feeds):
    data = feeds["talks/podcast.xml"]
    parsed = feedparser.parse(data)
    assert not parsed.bozo and len(parsed.entries) == 5
    assert parsed.entries[2].enclosures[0].href == MEDIA + "talk-3.m4a"
    podcast = podcastparser.parse(BASE_URL + "talks/podcast.xml", io.BytesIO(data))
    episode = podcast["episodes"][2]
    assert episode["title"] == "Talk 3"
    assert [c["title"] for c in episode["chapters"]] == ["Introduction", "Questions"]  # psc
    assert episode["total_time"] == 125
    index = partytime(data)["items"][2]  # the podcast: tags, under the namespace's own URI
    assert index["podcastTranscripts"][0]["url"] == MEDIA + "talk-3.vtt"
    assert index["podcastChapters"]["url"] == MEDIA + "talk-3.chapters.json"


def test_the_podcast_namespace_is_declared_with_its_own_uri(feeds):
    """https://podcastindex.org/namespace/1.0: a parser matching only it found no tag."""
    for name in ("talks/podcast.xml", "talks/video.xml"):
        root = etree.fromstring(feeds[name])
        assert root.nsmap["podcast"] == "https://podcastindex.org/namespace/1.0"
        assert root.find("channel/{https://podcastindex.org/namespace/1.0}guid") is not None


def test_a_feed_with_errors_is_not_published_and_the_old_one_stays(run, feeds):
    good = feeds["talks/podcast.xml"]
    assert publish_feed(run, "talks/podcast.xml", good)
    good = (run.out / "talks" / "podcast.xml").read_bytes()  # with its lastBuildDate
    broken = good.replace(b"<itunes:explicit>false", b"<itunes:explicit>perhaps", 1)
    run.writer._claimed.clear()  # a second run, as far as the writer is concerned
    assert not publish_feed(run, "talks/podcast.xml", broken)
    assert (run.out / "talks" / "podcast.xml").read_bytes() == good
    assert "apple.explicit" in run.refused_feeds["talks/podcast.xml"][0]
    assert report_of(run).exit_code == 3


@pytest.mark.parametrize(
    ("rrule", "words"),
    [
        ("FREQ=MONTHLY;INTERVAL=2", "Every 2 months"),
        ("RRULE:FREQ=WEEKLY", "Weekly"),
        ("FREQ=WEEKLY;INTERVAL=" + "9" * 5000, "Weekly"),  # past what int() reads: no count
        ("FREQ=DAILY;INTERVAL=0", "Daily"),
    ],
)
def test_update_frequency_in_words_for_any_rule_validate_accepts(rrule, words):
    assert describe_rrule(rrule_of(rrule)) == words
