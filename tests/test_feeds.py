"""Rendered feeds: golden files, the tags Apple and the Podcast Index require, and what
podcast clients (feedparser, gPodder's podcastparser) read back.

Regenerate the golden files after an intended change of output:
    UPDATE_GOLDEN=1 python -m pytest tests/test_feeds.py
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

import feedparser
import podcastparser
import pytest
from helpers.catalogs import run_publisher
from helpers.shown import shown
from helpers.yaml_writer import DEFAULT_SERIES
from lxml import etree

from publisher.check.findings import PODCAST_NS

GOLDEN = Path(__file__).parent / "golden"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": PODCAST_NS,
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
BUILT_AT = {"SOURCE_DATE_EPOCH": "1512086400"}  # 2017-12-01T00:00:00Z
TRICKY = "Émigrés & <exiles> — “quotes” ]]> 🚩 עברית"

ENTRIES = [
    {
        "id": "first-article",
        "kind": "article",
        "title": f"Article: {TRICKY}",
        "link": "https://example.org/a1",
        "published": "2017-07-20",
        "authors": ["Ann Author"],
        "summary": "Plain text with <b>bold</b> & <see this>\n<script>alert(1)</script> ]]> too.",
    },
    {
        "id": "second-article",
        "kind": "article",
        "series": "talks",
        "title": "Second article",
        "link": "https://example.org/a2",
        "published": "2017-11-07T18:30:00+03:00",
        "summary": "Newest.",
    },
    {
        "id": "pending-talk",
        "kind": "video",
        "series": "talks",
        "title": "A talk without a source yet",
        "published": "2017-09-01",
    },
]


# A talk with everything an episode can carry: its media is a local file made by ffmpeg's
# lavfi (the session's `media_files`), with captions beside it; chapters from its summary.
FULL_TALK = {
    "id": "full-talk",
    "kind": "video",
    "series": "talks",
    "title": "A full episode",
    "source": "media/full-talk.mp4",
    "link": "https://example.org/full-talk",
    "published": "2017-08-01",
    "authors": ["Test Speaker", "A Guest"],
    "summary": "The whole of it.\n0:00 Opening\n0:01 The middle\n0:02 The end",
    "season": 2,
    "episode": 5,
}
SERIES = {"talks": {**DEFAULT_SERIES, "video": True}}


@pytest.fixture
def built(write_catalog, media_files) -> Path:
    catalog = write_catalog(entries=[*ENTRIES, FULL_TALK], series=SERIES)
    (catalog.parent / "media").mkdir()
    shutil.copy(media_files["talk.mp4"], catalog.parent / "media" / "full-talk.mp4")
    shutil.copy(media_files["captions.vtt"], catalog.parent / "media" / "full-talk.vtt")
    # lastBuildDate is when the content first changed: a fixed build time makes it repeatable
    result = run_publisher("build", cwd=catalog.parent, env=BUILT_AT)  # no source is remote
    assert result.exit_code == 3, result.stderr  # pending-talk has no source yet
    return catalog.parent / "feeds"


LENGTH = re.compile(rb'(<(?:enclosure|podcast:alternateEnclosure) [^>]*?)length="(\d+)"')
URL = re.compile(rb'(?:url|uri)="https://feeds\.example\.org/([^"]+)"')


def without_media_lengths(data: bytes, out: Path) -> bytes:
    """The feed with each media length checked against its file, then written as "SIZE":
    the bytes ffmpeg makes differ between its releases; everything else is the golden's."""

    def checked(match: re.Match) -> bytes:
        element = data[match.start() : data.index(b">", match.end())]
        [relative] = URL.findall(element) or URL.findall(data[match.end() : match.end() + 200])
        assert int(match[2]) == (out / relative.decode()).stat().st_size, element
        return match[1] + b'length="SIZE"'

    return LENGTH.sub(checked, data)


@pytest.mark.parametrize(
    "relative",
    ["talks/podcast.xml", "talks/video.xml", "articles.xml", "articles.atom", "feeds.opml"],
)
def test_matches_golden_file(built: Path, relative: str):
    produced = without_media_lengths((built / relative).read_bytes(), built)
    golden = GOLDEN / relative.replace("/", "__")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_bytes(produced)
    assert produced.decode() == golden.read_text(encoding="utf-8")


def xpath_text(tree, path: str) -> list[str]:
    return [
        (node if isinstance(node, str) else node.text or "")
        for node in tree.xpath(path, namespaces=NS)
    ]


def test_podcast_channel_has_every_required_tag(built: Path):
    tree = etree.parse(str(built / "talks" / "podcast.xml"))
    channel = "/rss/channel/"
    assert xpath_text(tree, channel + "title") == ["Test Series"]
    assert xpath_text(tree, channel + "link") == ["https://feeds.example.org/talks/index.html"]
    assert xpath_text(tree, channel + "description") == ["A series of test talks."]
    assert xpath_text(tree, channel + "language") == ["en"]
    assert xpath_text(tree, channel + "itunes:author") == ["Test Speaker"]
    assert xpath_text(tree, channel + "itunes:owner/itunes:email") == ["owner@example.org"]
    assert xpath_text(tree, channel + "itunes:category/@text") == ["History"]
    assert xpath_text(tree, channel + "itunes:explicit") == ["false"]
    assert xpath_text(tree, channel + "itunes:type") == ["episodic"]
    image = xpath_text(tree, channel + "itunes:image/@href")[0]
    assert image.startswith("https://feeds.example.org/media/cover-")
    assert (built / image.removeprefix("https://feeds.example.org/")).is_file()
    feed_url = "https://feeds.example.org/talks/podcast.xml"
    assert xpath_text(tree, channel + "atom:link[@rel='self']/@href") == [feed_url]
    expected_guid = uuid.uuid5(
        uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "feeds.example.org/talks/podcast.xml"
    )
    assert xpath_text(tree, channel + "podcast:guid") == [str(expected_guid)]
    assert xpath_text(tree, channel + "podcast:locked") == ["yes"]
    assert xpath_text(tree, channel + "podcast:medium") == ["podcast"]
    assert xpath_text(tree, channel + "item/title") == ["A full episode"], "pending: not yet"


def test_articles_newest_first_and_text_round_trips(built: Path):
    parsed = feedparser.parse((built / "articles.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    titles = [e.title for e in parsed.entries]
    assert titles == ["Second article", f"Article: {TRICKY}"]
    first = parsed.entries[1]
    assert first.link == "https://example.org/a1"
    assert first.author == "Ann Author"
    atom = feedparser.parse((built / "articles.atom").read_bytes())
    assert not atom.bozo
    assert [e.title for e in atom.entries] == titles
    rss_guids = [e.id for e in parsed.entries]
    assert [e.id for e in atom.entries] == [f"urn:uuid:{guid}" for guid in rss_guids]


def test_article_summaries_read_as_typed(built: Path):
    """RSS description and content, Atom summary and content: the text, never markup."""
    typed = ENTRIES[0]["summary"]
    rss = feedparser.parse((built / "articles.xml").read_bytes()).entries[1]
    assert shown(rss.summary) == typed and shown(rss.content[0].value) == typed
    atom = feedparser.parse((built / "articles.atom").read_bytes()).entries[1]
    assert atom.summary_detail.type == "text/plain" and atom.summary == " ".join(typed.split())
    assert shown(atom.content[0].value) == typed
    with (built / "articles.xml").open("rb") as stream:  # gPodder: no itunes:summary here
        episodes = podcastparser.parse("https://feeds.example.org/articles.xml", stream)
    # gPodder shows the HTML when there is some, and the text (with any "&lt;") otherwise
    assert shown(episodes["episodes"][1]["description_html"]) == typed


def test_podcastparser_reads_the_podcast_feed(built: Path):
    with (built / "talks" / "podcast.xml").open("rb") as stream:
        parsed = podcastparser.parse("https://feeds.example.org/talks/podcast.xml", stream)
    assert parsed["title"] == "Test Series"
    [episode] = parsed["episodes"]
    assert episode["title"] == "A full episode" and episode["total_time"] == 3
    assert [c["title"] for c in episode["chapters"]] == ["Opening", "The middle", "The end"]
    assert episode["enclosures"][0]["url"] == "https://feeds.example.org/media/talks/full-talk.m4a"


def test_opml_offers_the_feeds_with_items(built: Path):
    """A pending talk leaves its series' feeds offered, for the episode they have (an empty
    feed is not offered: tests/test_feeds_apps.py)."""
    tree = etree.parse(str(built / "feeds.opml"))
    assert xpath_text(tree, "//outline/@xmlUrl") == [
        "https://feeds.example.org/talks/podcast.xml",
        "https://feeds.example.org/talks/video.xml",
        "https://feeds.example.org/articles.xml",
    ]


def test_atom_declares_no_atom_prefix_and_types_its_site_link(built: Path):
    data = (built / "articles.atom").read_bytes()
    assert b"xmlns:atom=" not in data, (
        "Atom is the default namespace there (W3C AvoidNamespacePrefix)"
    )
    parsed = feedparser.parse(data)
    site = next(link for link in parsed.feed.links if link.rel == "alternate")
    assert (site.href, site.type) == ("https://example.org/", "text/html")
    entry_link = next(link for link in parsed.entries[0].links if link.rel == "alternate")
    assert entry_link.type == "text/html"
