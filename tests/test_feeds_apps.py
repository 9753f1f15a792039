"""What apps read from the feeds: plain text in HTML places, Podlove chapters, the
analytics prefix, empty feeds and the Atom links, read back with feedparser and gPodder's
podcastparser."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import feedparser
import podcastparser
import pytest
from helpers.partytime import partytime
from helpers.runs import BASE_URL, make_run
from helpers.shown import shown
from lxml import etree

from publisher.check import check_feed
from publisher.formats import apple
from publisher.formats.chapters import to_json
from publisher.model import Funding
from publisher.render import assign_guids, render_feeds
from publisher.render.channel_art import publish_channel_art
from publisher.render.feedext.podlove import PSC_NS, normal_play_time

TRICKY = "turnout < 50% & rising <see this>"
PREFIX = "https://op3.dev/e/"


def render(tmp_path: Path, site=None, series=None, summary=None, count=5):
    """The feeds of `make_run`, with the site, series and every summary changed as given."""
    run = make_run(tmp_path, count=count)
    catalog = run.catalog
    if site or series:
        talks = dataclasses.replace(catalog.series["talks"], **(series or {}))
        new_site = dataclasses.replace(catalog.site, **(site or {}))
        run.catalog = dataclasses.replace(catalog, site=new_site, series={"talks": talks})
    if summary is not None:
        for item in run.items:
            item.entry = dataclasses.replace(item.entry, summary=summary)
    assign_guids(run)
    publish_channel_art(run)
    return run, render_feeds(run)


@pytest.fixture
def tricky(tmp_path):
    run, feeds = render(tmp_path, series={"description": TRICKY}, summary=TRICKY)
    yield run, feeds
    run.state.close()


def shown_by_feedparser(detail) -> str:
    """feedparser decides per element whether it holds HTML or text; show it accordingly."""
    return shown(detail.value) if detail.type == "text/html" else detail.value


def shown_by_gpodder(text: str) -> str:
    """gPodder shows a description as HTML only when it finds a tag in it, else as it is."""
    return shown(text) if podcastparser.is_html(text) else text


# Plain text with a line that looks like HTML: it once made every reader lose "<see this>".
WITH_A_SCRIPT_LINE = TRICKY + "\n<script>alert(1)</script>\n\n<dual power> & more"


@pytest.mark.parametrize("typed", [TRICKY, WITH_A_SCRIPT_LINE])
def test_every_reader_shows_the_summary_as_typed(tmp_path, typed):
    run, feeds = render(tmp_path, series={"description": typed}, summary=typed)
    one_line = " ".join(typed.split())
    data = feeds["talks/podcast.xml"]
    parsed = feedparser.parse(data)
    summary = parsed.entries[0].summary_detail  # itunes:summary's line, or <description>
    assert shown_by_feedparser(summary) == (typed if summary.type == "text/html" else one_line)
    assert shown(parsed.entries[0].content[0].value) == typed, "content:encoded"
    assert shown_by_feedparser(parsed.feed.subtitle_detail) == typed, "channel <description>"
    podcast = podcastparser.parse(BASE_URL + "talks/podcast.xml", io.BytesIO(data))
    assert shown_by_gpodder(podcast["description"]) == typed, "gPodder's series description"
    episode = podcast["episodes"][0]
    assert shown(episode["description_html"]) == typed
    items = etree.fromstring(data).findall("channel/item")
    itunes = "{http://www.itunes.com/dtds/podcast-1.0.dtd}summary"
    assert items[0].findtext(itunes) == one_line, "itunes:summary is plain text"
    index = partytime(data)
    assert shown(index["description"]) == typed and index["summary"] == one_line
    assert shown(index["items"][0]["content"]) == typed
    assert index["items"][0]["summary"] == one_line
    run.state.close()


# gPodder's text of a description (podcastparser's `description`, its episode list) strips
# the tags, then reads `&(.{2,8});` as one named entity and drops what it does not know:
# "&gt; &amp;" was read as the entity "gt; &amp" and "> &" vanished.
NEIGHBOURS = 'Read <see this> & "that"; <a> & <b>\n\nJust text & <angle> brackets.'


def test_gpodders_text_of_a_description_keeps_every_word(tmp_path):
    run, feeds = render(tmp_path, summary=NEIGHBOURS)
    podcast = podcastparser.parse(
        BASE_URL + "talks/podcast.xml", io.BytesIO(feeds["talks/podcast.xml"])
    )
    text = podcast["episodes"][0]["description"]
    assert text.split() == NEIGHBOURS.split(), text
    run.state.close()


def test_ampersands_and_brackets_are_hexadecimal_references_in_rss(tmp_path):
    """The RSS Profile's advice for text: readers that take a title as HTML keep "<x>"."""
    run, feeds = render(tmp_path, site={"title": "Talks & <more>"})
    data = feeds["articles.xml"]
    assert b"&amp;" not in data and b"&lt;" not in data
    assert b"<title>Talks &#x26; &#x3C;more&gt;: articles</title>" in data
    assert feedparser.parse(data).feed.title == "Talks & <more>: articles"
    run.state.close()


def test_podlove_chapters_match_the_chapters_file(tricky):
    run, feeds = tricky
    data = feeds["talks/podcast.xml"]
    episode = podcastparser.parse(BASE_URL + "talks/podcast.xml", io.BytesIO(data))["episodes"][2]
    assert episode["chapters"] == [
        {"start": 0, "title": "Introduction"},
        {"start": 60, "title": "Questions"},
    ]
    featured = next(item for item in run.items if item.chapters)
    published = (run.out / featured.chapters_file.path).read_text(encoding="utf-8")
    assert published == to_json(featured.chapters), "one set of chapters, written twice"
    tree = etree.fromstring(data)
    assert len(tree.findall(f".//{{{PSC_NS}}}chapters")) == 1, "only where chapters exist"
    assert tree.find(f".//{{{PSC_NS}}}chapters").get("version") == "1.2"


def test_normal_play_time():
    assert normal_play_time(0) == "00:00:00.000"
    assert normal_play_time(3723.5) == "01:02:03.500"


def test_enclosure_prefix_goes_before_the_url_and_check_reads_the_real_file(tmp_path):
    run, feeds = render(tmp_path, site={"enclosure_prefix": PREFIX})
    data = feeds["talks/podcast.xml"]
    parsed = podcastparser.parse(BASE_URL + "talks/podcast.xml", io.BytesIO(data))
    episodes = {episode["title"]: episode for episode in parsed["episodes"]}
    enclosure = episodes["Talk 5"]["enclosures"][0]
    assert enclosure["url"] == PREFIX + "feeds.example.org/media/talks/talk-5.m4a"
    assert enclosure["file_size"] == (run.out / "media/talks/talk-5.m4a").stat().st_size
    tree = etree.fromstring(data)
    sources = tree.xpath("//*[local-name()='source']/@uri")
    assert sources and all(uri.startswith(PREFIX + "feeds.example.org/media/") for uri in sources)
    assert [f for f in check_feed("talks/podcast.xml", data, run.out)] == []
    # check still measures the file behind the prefix
    (run.out / "media/talks/talk-5.m4a").write_bytes(b"shorter")
    rules = {f.rule for f in check_feed("talks/podcast.xml", data, run.out)}
    assert rules == {"files.length"}
    (run.out / "media/talks/talk-5.m4a").unlink()
    rules = {f.rule for f in check_feed("talks/podcast.xml", data, run.out)}
    assert rules == {"files.missing"}
    run.state.close()


def test_an_empty_podcast_is_warned_about_and_not_offered(tmp_path):
    run, feeds = render(tmp_path, count=0)
    findings = check_feed("talks/podcast.xml", feeds["talks/podcast.xml"], run.out)
    [warning] = [f for f in findings if f.rule == "apple.episodes"]
    assert warning.severity == "warning" and "Apple Podcasts" in warning.message
    assert [f for f in findings if f.severity == "error"] == []
    assert b"xmlUrl" not in feeds["feeds.opml"]
    run.state.close()


def test_the_enclosure_prefix_is_read_as_a_folder_url(write_catalog):
    from publisher.catalog.load import load_catalog

    catalog = write_catalog(site={"enclosure_prefix": "https://op3.dev/e"})
    assert load_catalog(catalog).site.enclosure_prefix == PREFIX


# Attributes, read back by the Podcast Index's parser ----------------------------------

AMPERSAND_CATEGORIES = [
    (top, *((sub,) if sub else ()))
    for top, subs in apple.CATEGORIES.items()
    for sub in (None, *subs)
    if "&" in top or (sub and "&" in sub)
]


def test_every_apple_category_with_an_ampersand_is_read_by_the_podcast_index(tmp_path):
    """`text="Society &#x26; Culture"` was no category at all for podcast-partytime."""
    run, _ = render(tmp_path)
    talks = run.catalog.series["talks"]
    read = []
    for category in AMPERSAND_CATEGORIES:
        series = dataclasses.replace(talks, category=category)
        run.catalog = dataclasses.replace(run.catalog, series={"talks": series})
        read.append(partytime(render_feeds(run)["talks/podcast.xml"])["itunesCategory"])
    assert read == [[" > ".join(category)] for category in AMPERSAND_CATEGORIES]
    assert len(read) >= 9  # Society & Culture, Kids & Family, TV & Film, Health & Fitness…
    run.state.close()


def test_urls_with_ampersands_are_read_back_exactly(tmp_path):
    """Funding, enclosure, alternate enclosure, transcript and chapters URLs keep their "&"."""
    base = "https://feeds.example.org/talks&more/"
    donate = "https://example.org/donate?a=1&b=2"
    run, feeds = render(
        tmp_path, site={"base_url": base, "funding": Funding(donate, "Support & give")}
    )
    data = feeds["talks/podcast.xml"]
    assert b'url="https://example.org/donate?a=1&amp;b=2"' in data, "as Apple's examples write it"
    feed = partytime(data)
    assert feed["podcastFunding"] == [{"message": "Support & give", "url": donate}]
    [episode] = [episode for episode in feed["items"] if episode["title"] == "Talk 3"]
    media = base + "media/talks/talk-3"
    assert episode["enclosure"]["url"] == media + ".m4a"
    assert episode["alternativeEnclosures"][0]["source"][0]["uri"] == media + ".mp4"
    assert [t["url"] for t in episode["podcastTranscripts"]] == [media + ".vtt", media + ".srt"]
    assert episode["podcastChapters"]["url"] == media + ".chapters.json"
    assert episode["itunesImage"] == media + "-art.jpg"
    parsed = feedparser.parse(data)
    assert parsed.entries[2].enclosures[0].href == media + ".m4a"
    run.state.close()


def test_opml_titles_read_as_typed_by_html_readers(tmp_path):
    """OPML's text and title may hold HTML (the W3C validator reads them so: NotHtml)."""
    typed = "Talks <live> & more"
    run, feeds = render(tmp_path, series={"title": typed})
    outlines = etree.fromstring(feeds["feeds.opml"]).iter("outline")
    podcast = next(o for o in outlines if o.get("xmlUrl").endswith("talks/podcast.xml"))
    assert podcast.get("text") == podcast.get("title") == "Talks &lt;live> & more"
    assert shown(podcast.get("text")) == typed
    run.state.close()


def test_the_opml_head_reads_as_typed_by_html_readers(tmp_path):
    """The head's title and ownerName are HTML to the W3C validator too (Invalid HTML)."""
    typed = "Talks <live> & more"
    owner = dataclasses.replace(make_run(tmp_path / "o").catalog.site.owner, name=typed)
    run, feeds = render(tmp_path, site={"title": typed, "owner": owner})
    head = etree.fromstring(feeds["feeds.opml"]).find("head")
    assert shown(head.findtext("title")) == shown(head.findtext("ownerName")) == typed
    run.state.close()


def test_titles_too_long_for_apple_are_cut_as_check_counts(tmp_path):
    """A followed video's title is not validated, and "… (video)" adds to a show's title:
    render cuts them at a word with "…" in 255 characters, and the gate finds nothing."""
    long_title = "The July Days " * 30  # 420 characters, as a source may give
    run, feeds = render(tmp_path, series={"title": "S" * 250})
    for item in run.items:
        item.entry = dataclasses.replace(item.entry, title=long_title.strip())
    feeds = render_feeds(run)
    for name in ("talks/podcast.xml", "talks/video.xml"):
        titles = etree.fromstring(feeds[name]).xpath("/rss/channel/title | //item/title")
        assert all(len(t.text) <= apple.TITLE_MAX_CHARS for t in titles)
        assert {t.text for t in titles[1:]} == {apple.fitted_title(long_title.strip())}
        assert [f for f in check_feed(name, feeds[name], run.out) if f.rule == "apple.title"] == []
    cut = apple.fitted_title(long_title.strip())
    assert cut.endswith("Days…") and long_title.startswith(cut.removesuffix("…"))
    video = etree.fromstring(feeds["talks/video.xml"]).findtext("channel/title")
    assert video == "S" * 250 + "…"  # "S…S (video)" cut at its last word
    run.state.close()
