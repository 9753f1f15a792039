"""Article pages that are odd or hostile, read by `publisher build` from 127.0.0.1: an
article never fails a build, and what is published from a page is what the page says."""

from __future__ import annotations

import threading
import time

import feedparser
import pytest
from helpers.catalogs import run_publisher
from helpers.loopback_sites import LoopbackSite, answer

from publisher.errors import Interrupted
from publisher.state import State, state_path_for
from publisher.tools import trafilatura

BUILT_AT = {"SOURCE_DATE_EPOCH": "1512086400"}  # 2017-12-01T00:00:00Z
URL = "https://www.marxist.com/article.htm"
RUSSIAN = "Революция — это праздник угнетённых и эксплуатируемых, писал Ленин в 1905 году. "


def article_page(body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head>{head}<title>Заголовок статьи</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>Заголовок</h1>{body}</article>"
        "<footer>footer</footer></body></html>"
    )


def paragraphs(count: int = 4) -> str:
    return "".join(f"<p>{RUSSIAN * 3} ({number})</p>" for number in range(count))


@pytest.fixture
def site():
    with LoopbackSite({}) as server:
        yield server


def build_articles(write_catalog, site, routes: dict, **fields):
    site.routes.update(routes)
    catalog = write_catalog(
        entries=[
            {
                "id": path.strip("/"),
                "kind": "article",
                "title": path.strip("/"),
                "link": site.url(path),
                **fields,
            }  # fmt: skip
            for path in routes
        ]
    )
    result = run_publisher(
        "build", "--allow-private-sources", cwd=catalog.parent, env=BUILT_AT, timeout=300
    )
    parsed = feedparser.parse((catalog.parent / "feeds" / "articles.xml").read_bytes())
    return result, {entry.title: entry for entry in parsed.entries}


def text_of(entry) -> str:
    """An item's text: content:encoded, or <description> when the page and the catalog
    give no summary (feedgen then writes the text there)."""
    return entry.content[0].value if "content" in entry else entry.get("summary", "")


def test_a_page_with_nothing_in_it_fails_no_build(write_catalog, site):
    routes = {
        "/comment": answer(b"<!-- nothing here -->", "text/html"),
        "/blank": answer(b"  \n ", "text/html"),
    }
    result, articles = build_articles(write_catalog, site, routes, published="2017-01-01")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "unexpected error" not in result.stderr
    assert set(articles) == {"comment", "blank"}, "published as the catalog says"


def test_a_page_is_read_in_the_encoding_it_is_sent_in(write_catalog, site):
    """The charset comes from the server's Content-Type (most pages say it only there),
    else the page's own <meta charset>, else UTF-8 when the bytes are UTF-8."""
    text = paragraphs()
    routes = {
        "/header-utf8": answer(article_page(text).encode(), "text/html; charset=utf-8"),
        "/header-1251": answer(article_page(text).encode("cp1251"), "text/html; charset=cp1251"),
        "/meta-1251": answer(
            article_page(text, "<meta charset='windows-1251'>").encode("cp1251"), "text/html"
        ),
        "/undeclared": answer(article_page(text).encode(), "text/html"),
        "/xml-declared": answer(
            ('<?xml version="1.0" encoding="utf-8"?>' + article_page(text)).encode(),
            "application/xhtml+xml; charset=utf-8",
        ),
    }
    result, articles = build_articles(write_catalog, site, routes, published="2017-01-01")
    assert result.exit_code == 0, result.stdout + result.stderr
    for name in ("header-utf8", "header-1251", "meta-1251", "undeclared", "xml-declared"):
        html = text_of(articles[name])
        assert RUSSIAN.strip() in html, (name, html[:200])


def spans_in_one_paragraph(count: int) -> str:
    """A page trafilatura takes quadratic time over: 20,000 spans took it 70 s."""
    return article_page("<p>" + "<span>w</span> " * count + "</p>")


def test_finding_the_text_of_a_hostile_page_is_cut_at_its_time_limit(caplog):
    stop = threading.Event()
    started = time.monotonic()
    assert trafilatura.main_text(spans_in_one_paragraph(20_000), URL, stop, seconds=2) == ""
    assert time.monotonic() - started < 6
    assert "took over 2 s to find: left out" in caplog.text
    normal = article_page(paragraphs())
    assert RUSSIAN.strip() in trafilatura.main_text(normal, URL, stop, seconds=20)


def test_a_stopping_run_stops_finding_the_text_at_once():
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        trafilatura.main_text(spans_in_one_paragraph(20_000), URL, stop, seconds=60)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("impossible", ["9999-12-31", "0001-01-01T00:00:00Z"])
def test_a_date_a_page_cannot_mean_is_not_taken(write_catalog, site, tmp_path, impossible):
    """As `publisher add` refuses it: before 1900 or after tomorrow; the article is dated
    by when it was first published instead."""
    head = f'<meta property="article:published_time" content="{impossible}">'
    routes = {"/dated": answer(article_page(paragraphs(), head).encode(), "text/html")}
    result, articles = build_articles(write_catalog, site, routes)
    assert result.exit_code == 0, result.stdout + result.stderr
    state = State(state_path_for(tmp_path / "media_catalog.yaml"))
    try:
        first = state.publication("dated").first_published
    finally:
        state.close()
    assert articles["dated"].published_parsed[:6] == first.utctimetuple()[:6]
