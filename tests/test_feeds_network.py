"""The organisation's shows as one network, end to end: `publisher build` of a catalog with
three series (one in Spanish, one unlisted) whose talks are local files, the all-talks
feed, podrolls, a trailer, soundbites and txt records, read back with lxml, feedparser and
gPodder's podcastparser, checked by `publisher check`, and announced to a directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import feedparser
import podcastparser
import pytest
from helpers.catalogs import run_publisher
from helpers.loopback import serving
from helpers.recorders import RecordingDirectory, template_of
from lxml import etree

from publisher.catalog.load import load_catalog
from publisher.check.findings import PODCAST_NS
from publisher.output import inventory

NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": PODCAST_NS}
BASE = "https://feeds.example.org/"


def talk(entry_id: str, series: str, published: str, **fields) -> dict:
    return {
        "id": entry_id,
        "kind": "video",
        "series": series,
        "title": f"Talk {entry_id}",
        "source": "talk.m4a",
        "published": published,
        **fields,
    }


def series(title: str, **fields) -> dict:
    return {
        "title": title,
        "description": f"{title}: talks.",
        "author": "Alan Woods",
        "category": "History",
        **fields,
    }


@pytest.fixture(scope="module")
def directory():
    with serving(RecordingDirectory, pings=[], status=200) as server:
        yield server


@pytest.fixture
def built(write_catalog, media_files, directory) -> Path:
    catalog = write_catalog(
        site={
            "all_talks": True,
            "txt": {"applepodcastsverify": "site-token", "owner": "IMT"},
            "pings": [template_of(directory)],
        },
        series={
            "talks": series("Talks", txt={"applepodcastsverify": "talks-token"}),
            "charlas": series("Charlas", language="es", author="Jorge Martín"),
            "hidden": series("Hidden", listed=False),
        },
        entries=[
            talk("trailer", "talks", "2017-01-01", episode_type="trailer", season=2),
            talk(
                "bites",
                "talks",
                "2017-02-01",
                soundbites=[
                    {"start": "0:01", "duration": 1.5, "title": "The point"},
                    {"start": 2, "duration": 30, "title": "Past the end"},
                ],
            ),
            talk("charla", "charlas", "2017-03-01", language="es"),
            talk("secret", "hidden", "2017-04-01"),
            {
                "id": "articulo",
                "kind": "article",
                "series": "charlas",
                "title": "Un artículo",
                "published": "2017-05-01",
            },  # fmt: skip
            {"id": "article", "kind": "article", "title": "An article", "published": "2017-05-02"},
        ],
    )
    shutil.copy(media_files["talk.m4a"], catalog.parent / "talk.m4a")
    directory.pings.clear()
    result = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "the soundbite at 2 s (30 s long) is outside the talk" in result.stderr
    return catalog.parent / "feeds"


def parse(out: Path, relative: str):
    return etree.parse(str(out / relative))


def podcast_guid(out: Path, relative: str) -> str:
    [guid] = parse(out, relative).xpath("/rss/channel/podcast:guid/text()", namespaces=NS)
    return guid


def test_each_series_recommends_the_other_listed_shows(built):
    podroll = "/rss/channel/podcast:podroll/podcast:remoteItem"
    items = parse(built, "talks/podcast.xml").xpath(podroll, namespaces=NS)
    assert [(i.get("feedGuid"), i.get("feedUrl")) for i in items] == [
        (podcast_guid(built, "charlas/podcast.xml"), BASE + "charlas/podcast.xml"),
        (podcast_guid(built, "all/podcast.xml"), BASE + "all/podcast.xml"),
    ]
    everyone = parse(built, "all/podcast.xml").xpath(podroll + "/@feedUrl", namespaces=NS)
    assert everyone == [BASE + "charlas/podcast.xml", BASE + "talks/podcast.xml"]


def test_languages_per_series(built):
    assert parse(built, "charlas/podcast.xml").xpath("/rss/channel/language/text()") == ["es"]
    assert parse(built, "talks/podcast.xml").xpath("/rss/channel/language/text()") == ["en"]


def test_an_article_in_another_language_says_so(built):
    rss = parse(built, "articles.xml")
    dc = {"dc": "http://purl.org/dc/elements/1.1/"}
    assert rss.xpath("/rss/channel/language/text()") == ["en"]
    assert rss.xpath("//item[title='Un artículo']/dc:language/text()", namespaces=dc) == ["es"]
    assert rss.xpath("//item[title='An article']/dc:language", namespaces=dc) == []
    atom = feedparser.parse((built / "articles.atom").read_bytes())
    assert [e.get("language") for e in atom.entries] == [None, "es"]


def test_trailer_soundbite_and_txt(built):
    tree = parse(built, "talks/podcast.xml")
    [trailer] = tree.xpath("/rss/channel/podcast:trailer", namespaces=NS)
    [enclosure] = tree.xpath("//item[title='Talk trailer']/enclosure")
    assert trailer.text == "Talk trailer"
    assert trailer.get("url") == enclosure.get("url")
    assert trailer.get("length") == enclosure.get("length")
    assert trailer.get("type") == "audio/mp4"
    assert trailer.get("pubdate") == "Sun, 01 Jan 2017 00:00:00 +0000"
    assert trailer.get("season") == "2"
    bites = tree.xpath("//item[title='Talk bites']/podcast:soundbite", namespaces=NS)
    assert [(b.get("startTime"), b.get("duration"), b.text) for b in bites] == [
        ("1", "1.5", "The point")
    ], "the one past the talk's end is left out, not the episode"
    txt = tree.xpath("/rss/channel/podcast:txt", namespaces=NS)
    assert [(t.get("purpose"), t.text) for t in txt] == [
        ("applepodcastsverify", "talks-token"),  # the series' own replaces the site's
        ("owner", "IMT"),
    ]
    charlas = parse(built, "charlas/podcast.xml").xpath("//podcast:txt/text()", namespaces=NS)
    assert charlas == ["site-token", "IMT"]


def test_an_unlisted_series_is_published_blocked_and_offered_nowhere(built, directory):
    hidden = parse(built, "hidden/podcast.xml")
    assert hidden.xpath("/rss/channel/itunes:block/text()", namespaces=NS) == ["Yes"]
    assert hidden.xpath("/rss/channel/podcast:block/text()", namespaces=NS) == ["yes"]
    assert hidden.xpath("//item/title/text()") == ["Talk secret"], "its feed stays whole"
    listed = parse(built, "talks/podcast.xml")
    assert not listed.xpath("//itunes:block | //podcast:block", namespaces=NS)
    opml = parse(built, "feeds.opml").xpath("//outline/@xmlUrl")
    assert opml == [
        BASE + "charlas/podcast.xml",
        BASE + "talks/podcast.xml",
        BASE + "all/podcast.xml",
        BASE + "articles.xml",
    ]
    for relative in ("talks/podcast.xml", "charlas/podcast.xml", "all/podcast.xml"):
        assert BASE + "hidden/podcast.xml" not in (built / relative).read_text()
    assert "Talk secret" not in (built / "all/podcast.xml").read_text()
    pinged = sorted(ping["url"][0] for ping in directory.pings)
    assert BASE + "hidden/podcast.xml" not in pinged
    assert BASE + "all/podcast.xml" in pinged and BASE + "talks/podcast.xml" in pinged


def test_the_all_talks_feed_keeps_each_talks_own_guid(built):
    every = parse(built, "all/podcast.xml")
    assert every.xpath("//item/title/text()") == ["Talk charla", "Talk bites", "Talk trailer"]
    own = {}
    for relative in ("talks/podcast.xml", "charlas/podcast.xml"):
        for item in parse(built, relative).xpath("//item"):
            own[item.findtext("title")] = item.findtext("guid")
    assert {i.findtext("title"): i.findtext("guid") for i in every.xpath("//item")} == own
    guids = {podcast_guid(built, f"{s}/podcast.xml") for s in ("all", "talks", "charlas")}
    assert len(guids) == 3, "the all-talks feed is a show of its own"
    assert every.xpath("/rss/channel/link/text()") == [BASE + "all/index.html"]
    assert not (built / "all" / "video.xml").exists(), "no listed series has video"


def test_readers_read_the_feeds_and_check_passes(built):
    for relative in ("talks/podcast.xml", "all/podcast.xml", "hidden/podcast.xml"):
        parsed = feedparser.parse((built / relative).read_bytes())
        assert not parsed.bozo, (relative, parsed.get("bozo_exception"))
        with (built / relative).open("rb") as stream:
            assert podcastparser.parse(BASE + relative, stream)["episodes"]
    result = run_publisher("check", cwd=built.parent)
    assert result.exit_code == 0, result.stdout
    assert "0 errors" in result.stdout


def test_the_all_talks_video_feed_comes_with_a_listed_video_series(write_catalog):
    def paths(series_fields: dict) -> list[str]:
        catalog = load_catalog(
            write_catalog(site={"all_talks": True}, series={"a": series("A", **series_fields)})
        )
        return [feed.path for feed in inventory.feeds(catalog) if feed.series == "all"]

    assert paths({"video": True}) == ["all/podcast.xml", "all/video.xml"]
    assert paths({"video": True, "listed": False}) == ["all/podcast.xml"]
    assert paths({}) == ["all/podcast.xml"]


def test_the_language_rule(write_catalog):
    catalog = load_catalog(
        write_catalog(
            series={"a": series("A", language="es"), "b": series("B")},
            entries=[
                talk("own", "a", "2017-01-01", language="ca"),
                talk("series", "a", "2017-01-01"),
                talk("site", "b", "2017-01-01"),
                {"id": "loose", "kind": "article", "title": "Loose"},
            ],
        )
    )
    assert [catalog.language_of(entry) for entry in catalog.entries] == ["ca", "es", "en", "en"]


def test_all_is_a_reserved_series_id(write_catalog):
    catalog = write_catalog(series={"all": series("Everything")})
    result = run_publisher("validate", cwd=catalog.parent)
    assert result.exit_code == 1
    assert "series.all: the series id 'all' is reserved for the all-talks feed" in result.stderr


def test_language_tags_are_written_in_their_usual_case(write_catalog):
    """BCP 47 tags are case-insensitive: `EN` is `en`, so a series in `EN` of a site in
    `en` is no second English group on the landing page, nor marked as another language."""
    catalog = load_catalog(
        write_catalog(
            site={"language": "EN"},
            series={
                "a": series("A", language="PT-br"),
                "b": series("B", language="zh-hant-tw"),
                "c": series("C", language="es-419"),
            },
        )
    )
    assert catalog.site.language == "en"
    assert [s.language for s in catalog.series.values()] == ["pt-BR", "zh-Hant-TW", "es-419"]
