"""Article pages that are odd or hostile, read by `publisher build` from 127.0.0.1: an
article never fails a build, and what is published from a page is what the page says."""

from __future__ import annotations

import feedparser
import pytest
from helpers.catalogs import run_publisher
from helpers.loopback_sites import LoopbackSite, answer

BUILT_AT = {"SOURCE_DATE_EPOCH": "1512086400"}  # 2017-12-01T00:00:00Z
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


def test_a_page_with_nothing_in_it_fails_no_build(write_catalog, site):
    routes = {
        "/comment": answer(b"<!-- nothing here -->", "text/html"),
        "/blank": answer(b"  \n ", "text/html"),
    }
    result, articles = build_articles(write_catalog, site, routes, published="2017-01-01")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "unexpected error" not in result.stderr
    assert set(articles) == {"comment", "blank"}, "published as the catalog says"
