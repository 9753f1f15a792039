"""Rendered feeds: golden files, the tags Apple and the Podcast Index require, and what
podcast clients (feedparser, gPodder's podcastparser) read back.

Regenerate the golden files after an intended change of output:
    UPDATE_GOLDEN=1 python -m pytest tests/test_feeds.py
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import feedparser
import podcastparser
import pytest
from helpers.catalogs import run_publisher
from helpers.shown import shown
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


@pytest.fixture
def built(write_catalog) -> Path:
    catalog = write_catalog(entries=ENTRIES)
    # lastBuildDate is when the content first changed: a fixed build time makes it repeatable
    result = run_publisher("build", "--offline", cwd=catalog.parent, env=BUILT_AT)
    assert result.exit_code == 3, result.stderr  # the talk is pending
    return catalog.parent / "feeds"


@pytest.mark.parametrize(
    "relative", ["talks/podcast.xml", "articles.xml", "articles.atom", "feeds.opml"]
)
def test_matches_golden_file(built: Path, relative: str):
    produced = (built / relative).read_bytes()
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
    assert xpath_text(tree, channel + "description") == ["<p>A series of test talks.</p>"]
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
    assert tree.xpath(channel + "item") == [], "no episode has media yet"


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
    assert parsed["episodes"] == []


def test_opml_offers_only_feeds_with_items(built: Path):
    """The series' only talk is pending: its empty feed is not offered for subscription."""
    tree = etree.parse(str(built / "feeds.opml"))
    assert xpath_text(tree, "//outline/@xmlUrl") == ["https://feeds.example.org/articles.xml"]
    assert (built / "talks" / "podcast.xml").is_file(), "the feed itself is still published"


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
