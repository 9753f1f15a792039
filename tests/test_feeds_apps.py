"""What apps read from the feeds: plain text in HTML places, Podlove chapters, the
analytics prefix, empty feeds and the Atom links, read back with feedparser and gPodder's
podcastparser."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import feedparser
import lxml.html
import podcastparser
import pytest
from helpers.runs import BASE_URL, make_run
from lxml import etree

from publisher.check import check_feed
from publisher.formats.chapters import to_json
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


def shown(html_text: str) -> str:
    """What an app shows for an HTML fragment."""
    return lxml.html.fragment_fromstring(html_text, create_parent="div").text_content()


def shown_by_feedparser(detail) -> str:
    """feedparser decides per element whether it holds HTML or text; show it accordingly."""
    return shown(detail.value) if detail.type == "text/html" else detail.value


def test_plain_text_survives_where_apps_read_html(tricky):
    _, feeds = tricky
    data = feeds["talks/podcast.xml"]
    parsed = feedparser.parse(data)
    assert shown_by_feedparser(parsed.entries[0].summary_detail) == TRICKY, "item <description>"
    assert shown_by_feedparser(parsed.feed.subtitle_detail) == TRICKY, "channel <description>"
    episode = podcastparser.parse(BASE_URL + "talks/podcast.xml", io.BytesIO(data))["episodes"][0]
    assert episode["description"] == TRICKY
    assert shown(episode["description_html"]) == TRICKY
    items = etree.fromstring(data).findall("channel/item")
    itunes = "{http://www.itunes.com/dtds/podcast-1.0.dtd}summary"
    assert items[0].findtext(itunes) == TRICKY, "itunes:summary is plain text"


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
