"""The pages of an organisation's network: the landing page grouped by language with
the all-talks page, series pages naming the shows their feeds recommend, unlisted series
offered nowhere."""

from __future__ import annotations

import pytest
from helpers.sites import BASE_URL, make_network
from test_pages import Page

from publisher.render.pages import language_name, render_pages


@pytest.fixture
def network(tmp_path):
    run = make_network(tmp_path)
    render_pages(run)
    yield run
    run.state.close()


def read(run, relative: str) -> Page:
    return Page((run.out / relative).read_text(encoding="utf-8"))


def test_landing_page_groups_series_by_language(network):
    html = (network.out / "index.html").read_text(encoding="utf-8")
    page = Page(html)
    groups = page.find("section", class_="language-group")
    assert [g["lang"] for g in groups] == ["en", "es"], "the site's language first"
    assert "English" in page.text and "Español" in page.text
    english, spanish = html.index('id="language-en"'), html.index('id="language-es"')
    assert english < html.index("series-russian-revolution-1917") < spanish
    assert spanish < html.index("series-revolucion-espanola")
    assert page.find("article", id="series-revolucion-espanola", lang="es")


def test_landing_page_links_the_all_talks_page_and_leaves_unlisted_series_out(network):
    page = read(network, "index.html")
    assert page.find("a", href="all/index.html")
    assert page.find("link", rel="alternate", href=BASE_URL + "all/podcast.xml")
    assert not page.find("a", href="hidden/index.html"), "an unlisted series is not offered"
    assert "Members only" not in "".join(page.text)
    assert (network.out / "hidden" / "index.html").is_file(), "its page is still published"


def test_a_spanish_article_is_marked_as_spanish(network):
    page = read(network, "index.html")
    assert [a.get("lang") for a in page.find("li", class_="article")] == ["es", None]


def test_series_page_names_the_shows_it_recommends(network):
    page = read(network, "revolucion-espanola/index.html")
    assert page.find("html", lang="es")
    [section] = page.find("section", class_="recommends")
    links = {a["href"]: a.get("lang") for a in page.find("a") if a["href"].startswith("../")}
    assert links["../russian-revolution-1917/index.html"] == "en"
    assert links["../all/index.html"] == "en"
    assert "../hidden/index.html" not in links, "an unlisted series is recommended nowhere"
    assert "../empty-series/index.html" not in links, "nor a show with no episode yet"


def test_all_talks_page_lists_every_listed_talk_with_its_series(network):
    page = read(network, "all/index.html")
    ids = [a["id"] for a in page.find("article") if a.get("id", "").startswith("episode-")]
    assert ids == ["episode-barcelona", "episode-july-days", "episode-same-day",
                   "episode-april-theses"]  # fmt: skip
    assert page.find("article", id="episode-barcelona", lang="es")
    assert page.find("a", href="../revolucion-espanola/index.html", lang="es")
    assert "A hidden talk" not in "".join(page.text)
    assert page.find("input", value=BASE_URL + "all/podcast.xml")


@pytest.mark.parametrize(
    ("tag", "name"),
    [("es", "Español"), ("pt-BR", "Português (Brasil)"), ("und", "und"), ("und-ES", "und-ES")],
)
def test_a_language_group_is_named_by_its_language_or_its_tag(tag, name):
    """`und` (undetermined) is no language: Babel's likely subtags made it "English
    (United States)", which its group heading would have claimed."""
    assert language_name(tag) == name
