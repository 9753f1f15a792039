"""The pages: rendered from a Run built out of model dataclasses, checked as HTML.

`make_site` (tests/helpers/sites.py) is shared with test_browser.py, which serves the
same site to Chromium.
"""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import pytest
from helpers.shown import shown
from helpers.sites import BASE_URL, HOSTILE_SUMMARY, make_site

from publisher.build.run import BuildOptions, Run
from publisher.formats.durations import format_duration, iso_duration, spoken_length
from publisher.model import Chapter
from publisher.output.writer import Writer
from publisher.render.pages import read_vtt, render_pages, subscribe_links


class Page(HTMLParser):
    """The bits of a page the tests look at: tags with attributes, and the text."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]


@pytest.fixture
def rendered(tmp_path) -> Run:
    run = make_site(tmp_path)
    render_pages(run)
    return run


def read(run: Run, relative: str) -> str:
    return (run.out / relative).read_text(encoding="utf-8")


def test_writes_the_pages_and_assets_through_the_writer(rendered):
    assert sorted(rendered.writer.written) == sorted(
        [
            "index.html",
            "russian-revolution-1917/index.html",
            "empty-series/index.html",
            "style.css",
            "site.js",
        ]
    )


def test_rendering_twice_gives_the_same_bytes(rendered):
    again = dataclasses.replace(rendered, writer=Writer(rendered.out))
    render_pages(again)
    assert again.writer.written == []  # the writer found every file unchanged
    assert len(again.writer.unchanged) == 5


def test_index_lists_every_series_with_subscribe_links(rendered):
    page = Page(read(rendered, "index.html"))
    feed = BASE_URL + "russian-revolution-1917/podcast.xml"
    assert page.find("a", href="russian-revolution-1917/index.html")
    assert page.find("a", href="empty-series/index.html")
    hrefs = {a["href"] for a in page.find("a")}
    assert {
        "podcast://feeds.example.org/russian-revolution-1917/podcast.xml",
        "pktc://subscribe/feeds.example.org/russian-revolution-1917/podcast.xml",
        "overcast://x-callback-url/add?url=https%3A%2F%2Ffeeds.example.org%2Frussian-revolution-1917%2Fpodcast.xml",
        feed,
        BASE_URL + "russian-revolution-1917/video.xml",
        BASE_URL + "articles.xml",
        BASE_URL + "articles.atom",
        BASE_URL + "feeds.opml",
    } <= hrefs
    assert any(
        h.startswith("https://antennapod.org/deeplink/subscribe?url=https%3A") for h in hrefs
    )
    assert page.find("button", **{"data-copy": feed})
    assert page.find("input", value=feed)


def test_feed_discovery_links(rendered):
    index = Page(read(rendered, "index.html"))
    alternates = {(a["type"], a["href"]) for a in index.find("link", rel="alternate")}
    assert alternates == {
        ("application/rss+xml", BASE_URL + "russian-revolution-1917/podcast.xml"),
        ("application/rss+xml", BASE_URL + "russian-revolution-1917/video.xml"),
        ("application/rss+xml", BASE_URL + "articles.xml"),
        ("application/atom+xml", BASE_URL + "articles.atom"),
    }
    series = Page(read(rendered, "russian-revolution-1917/index.html"))
    assert {a["href"] for a in series.find("link", rel="alternate")} == {
        BASE_URL + "russian-revolution-1917/podcast.xml",
        BASE_URL + "russian-revolution-1917/video.xml",
    }


def test_open_graph_tags(rendered):
    page = Page(read(rendered, "russian-revolution-1917/index.html"))
    og = {a["property"]: a["content"] for a in page.find("meta") if a.get("property")}
    assert og["og:title"] == '1917: The "Russian" Revolution · In Defence of Marxism — 1917 & <co>'
    assert og["og:url"] == BASE_URL + "russian-revolution-1917/index.html"
    assert og["og:image"] == "https://img.example.org/cover.png"
    assert og["og:description"] == "A series of talks. Second paragraph <with> & ampersand."
    assert og["og:type"] == "website"


def test_series_page_lists_published_episodes_newest_first(rendered):
    html = read(rendered, "russian-revolution-1917/index.html")
    page = Page(html)
    ids = [a["id"] for a in page.find("article") if a.get("id", "").startswith("episode-")]
    assert ids == ["episode-july-days", "episode-same-day", "episode-april-theses"]
    assert [a["src"] for a in page.find("audio")] == [
        "../media/russian-revolution-1917/july-days.m4a",
        "../media/russian-revolution-1917/same-day.m4a",
        "../media/russian-revolution-1917/april-theses.m4a",
    ]
    assert page.find("source", src="../media/russian-revolution-1917/july-days.mp4")
    assert page.find("track", src="../media/russian-revolution-1917/july-days.vtt")
    assert '<time class="duration" datetime="PT5S">5 s</time>' in html  # not 0:00:05


def test_chapters_and_transcript_seek_by_data_start(rendered):
    html = read(rendered, "russian-revolution-1917/index.html")
    page = Page(html)
    starts = [a["data-start"] for a in page.find("a") if "data-start" in a]
    assert starts == ["0.000", "2.500", "0.000", "1.500", "3.500"]
    assert page.find("a", href="../media/russian-revolution-1917/july-days.m4a#t=2.500")
    assert "The &lt;July&gt; Days" in html
    assert "Comrades &amp; friends, welcome." in html
    assert html.count("The July Days began.") == 1  # rolled-over repeat shown once
    assert "שלום" in html and "🎙️" in html


def test_summaries_show_what_was_typed_and_nothing_in_them_runs(rendered):
    """A summary is plain text: what looks like HTML in it is shown, never made an element."""
    series = read(rendered, "russian-revolution-1917/index.html")
    july = series.split('id="episode-july-days"')[1].split("</article>")[0]
    summary = july.split('<div class="summary">')[1].split("</div>")[0]
    assert shown(summary) == HOSTILE_SUMMARY
    assert "<p>Plain summary<br>\nwith a line break.</p>" in series
    assert "July Days &lt;em&gt;&amp;&lt;/em&gt; after" in series  # titles are text
    index = read(rendered, "index.html")
    article = index.split('<div class="summary">')[1].split("</div>")[0]
    assert shown(article) == "<p>Read <a href='https://e.org' onclick='x()'>this</a></p>"
    assert "An article &lt;script&gt;x&lt;/script&gt;" in index
    for relative in ("index.html", "russian-revolution-1917/index.html"):
        page = Page(read(rendered, relative))
        assert [tag for tag, _ in page.tags if tag in ("iframe", "b")] == []
        assert all(a.get("class") == "cover" for tag, a in page.tags if tag == "img")
        scripts = [a for tag, a in page.tags if tag == "script"]
        assert [list(a) for a in scripts] == [["src", "defer"]]
        assert scripts[0]["src"].endswith("site.js")
        attributes = [name for _, a in page.tags for name in a]
        assert not [name for name in attributes if name.startswith("on")]
        assert not [v for _, a in page.tags for v in a.values() if "javascript:" in (v or "")]


def test_a_description_with_a_script_line_is_shown_as_typed_and_in_open_graph(tmp_path):
    """A line that looks like HTML once took "<see this>" out of the page and og:description."""
    run = make_site(tmp_path)
    typed = "Watch <see this>\n<script>alert(1)</script>\n\n<dual power> & more"
    series = run.catalog.series["russian-revolution-1917"]
    run.catalog.series[series.id] = dataclasses.replace(series, description=typed)
    render_pages(run)
    html = read(run, "russian-revolution-1917/index.html")
    og = {a["property"]: a["content"] for a in Page(html).find("meta") if a.get("property")}
    assert og["og:description"] == " ".join(typed.split())
    description = html.split('<div class="description">')[1].split("</div>")[0]
    assert shown(description) == typed


def test_only_relative_links_inside_the_site(rendered):
    page = Page(read(rendered, "russian-revolution-1917/index.html"))
    assert page.find("link", rel="stylesheet")[0]["href"] == "../style.css"
    assert page.find("script")[0]["src"] == "../site.js"
    assert page.find("a", class_="home")[0]["href"] == "../index.html"


def test_empty_series_is_not_offered_for_subscription(rendered):
    """Directories refuse a show with no episodes, and an app would show it empty."""
    empty_feed = BASE_URL + "empty-series/podcast.xml"
    series = read(rendered, "empty-series/index.html")
    assert "No episodes yet." in series
    index = read(rendered, "index.html")
    card = index[index.index('id="series-empty-series"') :].split("</article>")[0]
    assert "No episodes yet" in card and "0 episodes" not in card
    for html in (series, card):
        page = Page(html)
        assert page.find("input") == [] and page.find("button") == []
        assert not any("empty-series%2Fpodcast.xml" in a["href"] for a in page.find("a"))
        assert empty_feed not in html
    assert empty_feed not in index  # not in the discovery links either


def feed_rows(html: str) -> dict[str, list[str]]:
    """Each subscribe row's label and the visible names of its app links."""
    rows = {}
    for block in html.split('<div class="feed ')[1:]:
        block = block.split("</div>")[0]
        label = block.split('class="feed-name"')[1].split(">", 1)[1].split("<")[0]
        rows[label] = [a.split("<")[0] for a in block.split("<li><a ")[1:]]
        rows[label] = [name.split(">", 1)[1] for name in rows[label]]
    return rows


def test_video_feed_has_its_own_subscribe_row(rendered):
    html = read(rendered, "russian-revolution-1917/index.html")
    assert feed_rows(html) == {
        "Audio podcast": ["Apple Podcasts", "Pocket Casts", "AntennaPod", "Overcast", "RSS"],
        "Video podcast": ["Apple Podcasts", "Pocket Casts", "AntennaPod", "RSS"],
    }
    page = Page(html)
    video = BASE_URL + "russian-revolution-1917/video.xml"
    assert page.find("a", href="podcast://feeds.example.org/russian-revolution-1917/video.xml")
    assert page.find("input", value=video, id="russian-revolution-1917-video-url")
    labels = [t for t in page.text if t.endswith("feed URL")]
    assert labels == ["Audio podcast feed URL", "Video podcast feed URL"]


def test_serial_series_lists_episodes_by_number_oldest_first(tmp_path):
    run = make_site(tmp_path)
    series = run.catalog.series["russian-revolution-1917"]
    run.catalog.series[series.id] = dataclasses.replace(series, type="serial")
    numbers = {"april-theses": 3, "july-days": 4, "same-day": 2}
    for item in run.items:
        if item.id in numbers:
            item.entry = dataclasses.replace(item.entry, episode=numbers[item.id])
    render_pages(run)
    html = read(run, "russian-revolution-1917/index.html")
    page = Page(html)
    ids = [a["id"] for a in page.find("article") if a.get("id", "").startswith("episode-")]
    assert ids == ["episode-same-day", "episode-april-theses", "episode-july-days"]
    shown = [t for t in page.text if t.startswith("Episode ")]
    assert shown == ["Episode 2", "Episode 3", "Episode 4"]


def test_summary_timestamps_seek_and_one_chapter_list_is_shown(tmp_path):
    """Chapters from the source (3) and a summary listing 2: the page shows the source's,
    which the feed and the audio carry, and the summary keeps its other words."""
    run = make_site(tmp_path)
    july = run.items[0]
    july.entry = dataclasses.replace(
        july.entry,
        summary="Alan Woods on July.\n00:00 Intro\n0:02 The Days\n\nThe key moment is at 0:03.",
    )
    july.chapters = (Chapter(0.0, "Opening"), Chapter(1.0, "Dual power"), Chapter(2.5, "July"))
    render_pages(run)
    html = read(run, "russian-revolution-1917/index.html")
    summary = html.split('<div class="summary">')[1].split("</div>")[0]
    assert "Intro" not in summary and "The Days" not in summary
    assert "Alan Woods on July." in summary
    assert summary.count("<a ") == 1
    link = Page(summary).find("a")[0]
    assert link == {
        "href": "../media/russian-revolution-1917/july-days.m4a#t=3.000",
        "data-start": "3.000",
    }
    page = Page(html.split('id="episode-july-days"')[1].split("</article>")[0])
    assert page.find("ol", class_="chapters")
    assert html.count('class="chapters"') == 1
    assert "Opening" in page.text and "Dual power" in page.text


def test_summary_chapter_lines_become_seek_links_when_no_list_is_shown(tmp_path):
    run = make_site(tmp_path)
    april = run.items[1]
    april.entry = dataclasses.replace(april.entry, summary="Times: 00:01 and 12:30.")
    render_pages(run)
    html = read(run, "russian-revolution-1917/index.html")
    episode = Page(html.split('id="episode-april-theses"')[1].split("</article>")[0])
    starts = [a["data-start"] for a in episode.find("a") if "data-start" in a]
    assert starts == ["1.000"]  # 12:30 is past the end of a 5 s talk: not a time in it


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00:00"), (59.6, "0:01:00"), (3599, "0:59:59"), (3600 * 10 + 61, "10:01:01")],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text", "iso"),
    [
        (30.2, "30 s", "PT30S"),
        (59.6, "1 min", "PT1M0S"),
        (252, "4 min", "PT4M12S"),
        (3599, "1 h 00 min", "PT59M59S"),
        (3723, "1 h 02 min", "PT1H2M3S"),
        (36061, "10 h 01 min", "PT10H1M1S"),
    ],
)
def test_a_talk_length_reads_as_people_say_it(seconds, text, iso):
    assert (spoken_length(seconds), iso_duration(seconds)) == (text, iso)


def test_read_vtt_handles_hours_and_commas():
    cues = read_vtt(
        "WEBVTT\n\n1\n01:02:03.250 --> 01:02:04.000 align:start\nhi\n\n"
        "bad --> line\nskip\n\n00:05,500 --> 00:06,000\n<00:00:05.600><c>a</c>\n"
    )
    assert [(c.start, c.text) for c in cues] == [(5.5, "a"), (3723.25, "hi")]  # by time


def test_subscribe_links_encode_the_title():
    links = {link.label: link.href for link in subscribe_links("https://h/f.xml", "A & B")}
    assert links["AntennaPod"].endswith("&title=A%20%26%20B")
    assert links["RSS"] == "https://h/f.xml"


def test_series_cover_is_the_published_artwork(tmp_path):
    run = make_site(tmp_path)
    run.artwork["russian-revolution-1917"] = "media/russian-revolution-1917/cover-1a2b.jpg"
    render_pages(run)
    series = Page(read(run, "russian-revolution-1917/index.html"))
    assert series.find("img", src="../media/russian-revolution-1917/cover-1a2b.jpg")
    og = {a["property"]: a["content"] for a in series.find("meta") if a.get("property")}
    assert og["og:image"] == BASE_URL + "media/russian-revolution-1917/cover-1a2b.jpg"
    index = Page(read(run, "index.html"))
    assert index.find("img", src="media/russian-revolution-1917/cover-1a2b.jpg")
    assert index.find("img", src="https://img.example.org/cover.png")  # the empty series


def test_base_url_override_changes_feed_links_only(tmp_path):
    run = make_site(tmp_path)
    run = dataclasses.replace(
        run, options=BuildOptions(out=run.out, base_url="http://10.0.0.5:8000")
    )
    render_pages(run)
    html = read(run, "russian-revolution-1917/index.html")
    assert 'href="http://10.0.0.5:8000/russian-revolution-1917/podcast.xml"' in html
    assert "feeds.example.org" not in html
    assert 'src="../media/russian-revolution-1917/july-days.m4a"' in html
