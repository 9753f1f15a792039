"""A rendered site for the pages' tests: two series (one with episodes, one empty),
articles, hostile summaries, a transcript and chapters, over real small files."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from helpers.runs import build_run
from publisher.build.run import Run
from publisher.guids import assign_guids, assign_podcast_guids
from publisher.model import Catalog, Chapter, Entry, MediaFile, Owner, Series, Site
from publisher.output import inventory, urls

BASE_URL = "https://feeds.example.org/"
# A summary is plain text: an editor who types markup sees it shown, never run.
HOSTILE_SUMMARY = (
    "<p>Before <script>alert(1)</script> after</p> <see this>\n"
    "<img src=x onerror=\"document.title='pwned'\">"
    '<a href="javascript:alert(2)">js link</a> <b>bold</b>'
)
TRANSCRIPT = """WEBVTT
Kind: captions

00:00:00.000 --> 00:00:01.500
Comrades &amp; friends, <c>welcome</c>.

00:00:01.500 --> 00:00:03.000
<v Alan>The July Days began.

00:00:03.000 --> 00:00:04.000
<v Alan>The July Days began.

NOTE a comment that is not a cue

00:00:03.500 --> 00:00:05.000
Right-to-left: שלום ‏and emoji 🎙️
"""


def make_site(
    tmp: Path,
    audio_source: Path | None = None,
    site_image: str = "https://img.example.org/cover.png",
) -> Run:
    """A Run with two series (one with episodes, one empty), articles and media files.

    `audio_source` is copied in as every episode's audio (else a few zero bytes stand in).
    The site's cover is taken as published already (the artwork stage's job).
    """
    out = tmp / "feeds"
    site = Site(
        title="In Defence of Marxism — 1917 & <co>",
        base_url=BASE_URL,
        link="https://www.marxist.com/",
        language="en",
        author="International Marxist Tendency",
        owner=Owner("IMT", "feeds@example.org"),
        image="https://img.example.org/cover.png",
        copyright="© IMT",
        description="Talks & articles",
    )
    revolution = Series(
        id="russian-revolution-1917",
        title='1917: The "Russian" Revolution',
        description="A series of talks.\n\nSecond paragraph <with> & ampersand.",
        author="Alan Woods",
        category=("History",),
        video=True,
    )
    empty = Series("empty-series", "Nothing yet", "No talks yet.", "Nobody", ("History",))
    published = datetime(2017, 7, 20, tzinfo=UTC)
    entries = (
        Entry(
            "july-days",
            "video",
            "July Days <em>&</em> after",
            published,
            series=revolution.id,
            source="x",
            summary=HOSTILE_SUMMARY,
        ),
        Entry(
            "april-theses",
            "video",
            "The April Theses",
            datetime(2017, 4, 4, tzinfo=UTC),
            series=revolution.id,
            source="x",
            summary="Plain summary\nwith a line break.",
        ),
        Entry(
            "same-day", "video", "Same day, later id", published, series=revolution.id, source="x"
        ),
        Entry("pending-talk", "video", "Not extracted yet", published, series=revolution.id),
        Entry(
            "an-article",
            "article",
            "An article <script>x</script>",
            published,
            link="https://www.marxist.com/an-article.htm",
            summary="<p>Read <a href='https://e.org' onclick='x()'>this</a></p>",
        ),
    )
    catalog = Catalog(
        tmp / "media_catalog.yaml", site, {s.id: s for s in (revolution, empty)}, entries
    )
    run = build_run(catalog, out=out)
    run.artwork["site"] = site_image
    media = urls.media_dir(revolution.id)
    for item in run.items[:3]:
        audio = out / media / f"{item.id}.m4a"
        if audio_source is None:
            audio.parent.mkdir(parents=True, exist_ok=True)
            audio.write_bytes(b"\0" * 100)
        else:
            audio.parent.mkdir(parents=True, exist_ok=True)
            audio.write_bytes(audio_source.read_bytes())
        item.audio = MediaFile(f"{media}/{item.id}.m4a", audio.stat().st_size, "audio/mp4", 5.0)
    july = run.items[0]
    july.chapters = (Chapter(0.0, "Intro"), Chapter(2.5, "The <July> Days"))
    (out / media / "july-days.vtt").write_text(TRANSCRIPT, encoding="utf-8")
    july.transcripts = [MediaFile(f"{media}/july-days.vtt", 1, "text/vtt")]
    july.video = MediaFile(f"{media}/july-days.mp4", 1, "video/mp4", 5.0)
    return run


def make_network(tmp: Path, audio_source: Path | None = None) -> Run:
    """`make_site` as an organisation's network: the all-talks feed on, a Spanish series
    with an episode, an unlisted series with one, a Spanish article; GUIDs assigned, as
    a build assigns them before the pages (the podroll names shows by podcast:guid)."""
    run = make_site(tmp, audio_source)
    spanish = Series(
        "revolucion-espanola", "La revolución española", "Charlas sobre 1936.",
        "Jorge Martín", ("History",), language="es",
    )  # fmt: skip
    hidden = Series("hidden", "Members only", "Not offered.", "Nobody", ("History",), listed=False)
    published = datetime(2017, 8, 1, tzinfo=UTC)
    entries = (
        Entry("barcelona", "video", "Barcelona 1936", published, series=spanish.id, source="x"),
        Entry("secret", "video", "A hidden talk", published, series=hidden.id, source="x"),
        Entry(
            "un-articulo",
            "article",
            "Un artículo",
            published,
            series=spanish.id,
            link="https://www.marxist.com/es/un-articulo.htm",
        ),  # fmt: skip
    )
    catalog = dataclasses.replace(
        run.catalog,
        site=dataclasses.replace(run.catalog.site, all_talks=True),
        series={**run.catalog.series, spanish.id: spanish, hidden.id: hidden},
        entries=run.catalog.entries + entries,
    )
    network = build_run(catalog, out=run.out)
    network.artwork.update(run.artwork)
    network.items[: len(run.items)] = run.items  # with the media make_site gave them
    for item in network.items[len(run.items) :]:
        if item.entry.is_talk:
            media = f"{urls.media_dir(item.entry.series)}/{item.id}.m4a"
            audio = run.out / media
            audio.parent.mkdir(parents=True, exist_ok=True)
            audio.write_bytes(audio_source.read_bytes() if audio_source else b"\0" * 100)
            item.audio = MediaFile(media, audio.stat().st_size, "audio/mp4", 5.0)
    run.state.close()
    assign_guids(network)
    assign_podcast_guids(network, {feed.path: None for feed in inventory.feeds(catalog)})
    return network
