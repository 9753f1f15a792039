"""Articles enriched from their page, end to end: a page on 127.0.0.1 with a menu, a
header, comments and a footer around the article, read by `publisher build`.

Its main text reaches `content:encoded` and Atom's `content` without the rest of the
page; its Open Graph image is published as the episode art rules publish art; its
JSON-LD description, authors and date fill in only what the catalog leaves out. The page
is read once, kept for offline builds, and a page that cannot be read again keeps what
was read before; an article never fails a build.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import feedparser
import pytest
from helpers.catalogs import run_publisher
from helpers.loopback_sites import LoopbackSite, answer, send
from helpers.shown import shown
from lxml import etree
from PIL import Image

from publisher.formats.imageinfo import image_info
from publisher.stages.read_article import page_date
from publisher.state import State, state_path_for

BUILT_AT = {"SOURCE_DATE_EPOCH": "1512086400"}  # 2017-12-01T00:00:00Z
ARTICLE_TEXT = (
    "When the workers of Petrograd rose in February, nobody in the old parties expected"
    " them to hold on to power for more than a few days."
)
SECOND_TEXT = (
    "The soviets grew out of the strike committees of 1905, and the masses remembered"
    " them the moment the Tsar fell; this is the heart of the argument."
)
LD = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Dual power in 1917",
    "description": "How two powers stood side by side in Petrograd.",
    "author": [{"@type": "Person", "name": "Alan Woods"}],
    "datePublished": "2017-03-20T10:00:00+03:00",
}
PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Dual power | In Defence of Marxism</title>
<meta property="og:image" content="/images/dual-power.png">
<script type="application/ld+json">{json.dumps(LD)}</script>
</head><body>
<nav class="menu"><ul><li><a href="/">Home NAVIGATIONMENU</a></li>
<li><a href="/theory">Theory NAVIGATIONMENU</a></li>
<li><a href="/history">History</a></li></ul></nav>
<header><p>SITEBANNER In Defence of Marxism</p></header>
<main><article>
<h1>Dual power in 1917</h1>
<p>{ARTICLE_TEXT} Read <a href="/lenin/april-theses">the April Theses</a> too.</p>
<script>alert("SCRIPTBODY")</script>
<h2>The soviets</h2>
<p>{SECOND_TEXT} <b>Power</b> lay with whoever held the <em>streets</em>.</p>
<blockquote><p>All power to the soviets! said the Bolsheviks, again and again.</p>
</blockquote>
<p>The rest of the article follows the events of spring and summer, week by week,
through the July Days to the Kornilov affair and the October insurrection.</p>
</article></main>
<section id="comments" class="comments"><h2>Comments</h2>
<div class="comment"><p>READERCOMMENT Great piece, comrade, thank you for this.</p></div>
<div class="comment"><p>READERCOMMENT Another reader writes a long comment here.</p></div>
</section>
<footer><p>SITEFOOTER © International Marxist Tendency. All rights reserved.</p></footer>
</body></html>"""
LEFT_OUT = ("NAVIGATIONMENU", "SITEBANNER", "READERCOMMENT", "SITEFOOTER", "SCRIPTBODY")
NS = {
    "content": "http://purl.org/rss/1.0/modules/content/",
    "media": "http://search.yahoo.com/mrss/",
}


def wide_png() -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (1600, 900), "darkred").save(stream, "PNG")
    return stream.getvalue()


@pytest.fixture
def site():
    routes = {
        "/dual-power": answer(PAGE.encode(), "text/html; charset=utf-8"),
        "/images/dual-power.png": answer(wide_png(), "image/png"),
    }
    with LoopbackSite(routes) as server:
        yield server


@pytest.fixture
def catalog(write_catalog, site):
    return write_catalog(
        entries=[
            {
                "id": "dual-power",
                "kind": "article",
                "title": "Dual power",
                "link": site.url("/dual-power"),
            },
            {
                "id": "edited",  # the same page, with the editor's own values
                "kind": "article",
                "title": "Edited",
                "link": site.url("/dual-power") + "?edited",
                "published": "2017-05-01",
                "authors": ["Rob Sewell"],
                "summary": "The editor's summary.",
            },
        ]
    )


def build(catalog: Path, *args: str):
    return run_publisher("build", *args, cwd=catalog.parent, env=BUILT_AT)


def entries(feed: Path) -> dict:
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {entry.title: entry for entry in parsed.entries}


def test_the_article_text_comes_without_menu_comments_or_footer(catalog, site):
    result = build(catalog, "--allow-private-sources")
    assert result.exit_code == 0, result.stderr
    out = catalog.parent / "feeds"
    for name in ("articles.xml", "articles.atom"):
        article = entries(out / name)["Dual power"]
        html = article.content[0].value
        assert ARTICLE_TEXT in html and SECOND_TEXT in html
        assert "<h2>The soviets</h2>" in html and "<blockquote>" in html
        assert "<b>Power</b>" in html or "<strong>Power</strong>" in html
        assert f'href="{site.url("/lenin/april-theses")}"' in html, "links made absolute"
        for marker in LEFT_OUT:
            assert marker not in html, (name, marker)
        assert "<script" not in html
    tree = etree.parse(str(out / "articles.xml"))
    [encoded] = tree.xpath("//item[title='Dual power']/content:encoded/text()", namespaces=NS)
    assert ARTICLE_TEXT in encoded


def test_the_page_fills_in_only_what_the_catalog_leaves_out(catalog, site):
    assert build(catalog, "--allow-private-sources").exit_code == 0
    # Atom's summary is the text as it is; RSS's description is that text in <p>
    found = entries(catalog.parent / "feeds" / "articles.atom")
    rss = entries(catalog.parent / "feeds" / "articles.xml")
    assert rss["Dual power"].summary == f"<p>{LD['description']}</p>"
    read = found["Dual power"]
    assert shown(read.summary) == LD["description"]
    assert read.author == "Alan Woods"
    assert read.published_parsed[:5] == (2017, 3, 20, 7, 0)  # 10:00 at +03:00
    edited = found["Edited"]
    assert shown(edited.summary) == "The editor's summary."
    assert edited.author == "Rob Sewell"
    assert edited.published_parsed[:3] == (2017, 5, 1)
    assert ARTICLE_TEXT in edited.content[0].value, "the text comes from the page all the same"


def test_the_open_graph_image_is_published_as_episode_art(catalog, site):
    assert build(catalog, "--allow-private-sources").exit_code == 0
    out = catalog.parent / "feeds"
    tree = etree.parse(str(out / "articles.xml"))
    [url] = tree.xpath("//item[title='Dual power']/media:content/@url", namespaces=NS)
    assert tree.xpath("//item[title='Dual power']/media:content/@medium", namespaces=NS) == [
        "image"
    ]
    relative = url.removeprefix("https://feeds.example.org/")
    assert relative.startswith("media/articles/dual-power-") and relative.endswith(".jpg")
    width, height = image_info(out / relative).size
    assert width == height >= 1400, "made square, at Apple's sizes, as episode art"
    assert not tree.xpath("//enclosure"), "no enclosure: the article feed is no podcast"
    atom = feedparser.parse((out / "articles.atom").read_bytes())
    by_title = {entry.title: entry for entry in atom.entries}
    assert by_title["Dual power"].media_thumbnail[0]["url"] == url


def test_kept_for_offline_builds_and_read_once(catalog, site):
    assert build(catalog, "--allow-private-sources").exit_code == 0
    out = catalog.parent / "feeds"
    online = (out / "articles.xml").read_bytes()
    asked = len(site.asked)
    again = build(catalog, "--allow-private-sources")
    assert again.exit_code == 0 and "0 files written" in again.stdout
    assert len(site.asked) == asked, "a page read once is not asked again"
    (out / "articles.xml").unlink()
    offline = build(catalog, "--offline")
    assert offline.exit_code == 0, offline.stderr
    assert (out / "articles.xml").read_bytes() == online
    assert len(site.asked) == asked


def test_a_page_that_cannot_be_read_keeps_what_was_read_and_fails_nothing(catalog, site):
    assert build(catalog, "--allow-private-sources").exit_code == 0
    out = catalog.parent / "feeds"
    before = (out / "articles.xml").read_bytes()
    site.routes["/dual-power"] = lambda handler: send(handler, b"down", "text/plain", 500)
    refreshed = build(catalog, "--allow-private-sources", "--refresh")
    assert refreshed.exit_code == 0, refreshed.stdout + refreshed.stderr
    assert "the article's page was not read" in refreshed.stderr
    assert "what was read before is kept" in refreshed.stderr
    assert (out / "articles.xml").read_bytes() == before


def test_a_page_never_read_is_asked_again_a_day_later_not_on_every_build(write_catalog, site):
    asked = []

    def gone(handler):
        asked.append(handler.path)
        send(handler, b"gone", "text/plain", 404)

    site.routes["/dual-power"] = gone
    catalog = write_catalog(
        entries=[
            {"id": "gone", "kind": "article", "title": "Gone", "link": site.url("/dual-power")}
        ]
    )
    first = {"SOURCE_DATE_EPOCH": "1512086400"}  # 2017-12-01T00:00:00Z
    later_that_day = {"SOURCE_DATE_EPOCH": str(1512086400 + 23 * 3600)}
    next_day = {"SOURCE_DATE_EPOCH": str(1512086400 + 25 * 3600)}
    for env, expected in ((first, 1), (later_that_day, 1), (next_day, 2)):
        result = run_publisher("build", "--allow-private-sources", cwd=catalog.parent, env=env)
        assert result.exit_code == 0, result.stderr
        assert len(asked) == expected, (env, asked)
    site.routes["/dual-power"] = answer(PAGE.encode(), "text/html; charset=utf-8")
    refreshed = run_publisher(
        "build", "--allow-private-sources", "--refresh", cwd=catalog.parent, env=next_day
    )
    assert refreshed.exit_code == 0
    assert ARTICLE_TEXT in (catalog.parent / "feeds" / "articles.xml").read_text()


def test_a_page_never_read_leaves_the_article_as_the_catalog_says(write_catalog, site):
    site.routes["/dual-power"] = lambda handler: send(handler, b"gone", "text/plain", 404)
    catalog = write_catalog(
        entries=[
            {"id": "gone", "kind": "article", "title": "Gone", "link": site.url("/dual-power")}
        ]
    )
    result = build(catalog, "--allow-private-sources")
    assert result.exit_code == 0, result.stderr
    article = entries(catalog.parent / "feeds" / "articles.xml")["Gone"]
    # no date anywhere: the moment it was first published, kept from then on
    state = State(state_path_for(catalog))
    try:
        first = state.publication("gone").first_published
    finally:
        state.close()
    assert article.published_parsed[:6] == first.utctimetuple()[:6]
    assert "the article's page was not read" in result.stderr


def test_a_site_that_answers_429_is_held_for_article_pages_too(catalog, site):
    site.routes["/dual-power"] = lambda handler: send(handler, b"slow down", "text/plain", 429)
    first = build(catalog, "--allow-private-sources")
    assert first.exit_code == 0, first.stderr
    asked = list(site.asked)
    assert asked and set(asked) <= {"/dual-power", "/dual-power?edited"}
    again = build(catalog, "--allow-private-sources")
    assert again.exit_code == 0, again.stderr
    assert site.asked == asked, "held across runs, as a talk's site is"
    assert "not asked before" in again.stdout + again.stderr


def test_pages_on_private_addresses_are_refused_without_the_option(catalog, site):
    result = build(catalog)
    assert result.exit_code == 0, result.stderr
    assert site.asked == [], "the address rules hold for article pages too"
    assert "refused" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-03-20", "2017-03-20T00:00:00+00:00"),
        ("2017-03-20T10:00:00Z", "2017-03-20T10:00:00+00:00"),
        ("2017-03-20T10:00:00", "2017-03-20T00:00:00+00:00"),  # no zone: the day
        ("Mon, 20 Mar 2017 10:00:00 +0300", "2017-03-20T10:00:00+03:00"),
        ("last spring", None),
    ],
)
def test_page_dates(text, expected):
    moment = page_date(text)
    assert (moment.isoformat() if moment else None) == expected


def test_an_articles_plan_is_its_page_image_as_episode_art(tmp_path: Path):
    """An article has one output, its page's image, planned and recorded as a talk's art
    is (made from the image's URL); an image the page names as a path is never read."""
    from helpers.media import new_run

    from publisher.build.plan import plan
    from publisher.model import ArticlePage, Entry, Item

    article = Entry("dual-power", "article", "Dual power", None, series="articles")
    run = new_run(tmp_path, [])
    page = ArticlePage("https://x.example/a", image="https://x.example/og.png")
    outputs = plan(run, Item(article, page=page)).outputs
    assert [(o.role, o.name, o.made_from) for o in outputs] == [
        ("image", "media/articles/dual-power.jpg", "https://x.example/og.png")
    ]
    local = ArticlePage("https://x.example/a", image="/etc/passwd")
    assert plan(run, Item(article, page=local)).outputs == ()
    run.state.close()
