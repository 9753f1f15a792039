"""The tests' one run builder, `build_run` (on `Run.create()`, as `build()` makes a run),
and `make_run`: published talks straight from the model's dataclasses, with small real
files in a temp published folder, for tests of rendering, artwork and `check` without the
catalog loader or any media tool."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from publisher.build import restore_published_media
from publisher.build.run import BuildOptions, Run
from publisher.formats.captions import Cue, to_srt, to_vtt
from publisher.formats.chapters import to_json
from publisher.model import (
    Catalog,
    Chapter,
    Entry,
    Funding,
    Item,
    MediaFile,
    Owner,
    Series,
    Site,
)

BASE_URL = "https://feeds.example.org/"
# Plain text that looks like HTML, as an editor may type it: shown as typed everywhere.
SUMMARY = (
    "The <b>July</b> days &amp; after: <see this>\n<script>alert(1)</script>\n\n<dual power> ]]>"
)


def build_run(catalog: Catalog, restore: bool = False, **options) -> Run:
    """A `Run` over `catalog` as `build()` makes one; `options` go to `BuildOptions`.

    With `restore`, items start from what the state says is published, as a build's do.
    The caller closes `run.state`.
    """
    run = Run.create(catalog, BuildOptions(**options))
    if restore:
        restore_published_media(run)
    return run


def save_image(path: Path, size: tuple[int, int], fmt: str = "PNG", colour="navy") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, fmt)
    return path


def make_catalog(root: Path, entries: tuple[Entry, ...], video: bool = True) -> Catalog:
    site = Site(
        title="Talks & more",
        base_url=BASE_URL,
        link="https://example.org/",
        language="en",
        author="IMT",
        owner=Owner("Owner", "feeds@example.org"),
        image="assets/cover.png",
        copyright="© 2017 IMT",
        funding=Funding("https://example.org/donate", "Support us"),
        license="cc-by-4.0",
    )
    series = Series(
        id="talks",
        title="1917: Talks",
        description="Talks on 1917.",
        author="Alan Woods",
        category=("History",),
        type="serial",
        video=video,
        update_frequency="FREQ=WEEKLY",
    )
    return Catalog(root / "media_catalog.yaml", site, {"talks": series}, entries)


def talk(number: int, **extra) -> Entry:
    return Entry(
        id=f"talk-{number}",
        kind="video",
        title=f"Talk {number}",
        published=datetime(2017, number, 1, tzinfo=UTC),
        series="talks",
        source=f"https://example.org/v/{number}",
        **extra,
    )


def publish(out: Path, relative: str, data: bytes, mime: str, duration=None) -> MediaFile:
    path = out / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return MediaFile(relative, len(data), mime, duration)


def make_run(tmp_path: Path, count: int = 5, featured: int = 3) -> Run:
    """`count` published talks; talk `featured` has everything (transcripts, chapters, art)."""
    root, out = tmp_path / "catalog", tmp_path / "feeds"
    save_image(root / "assets" / "cover.png", (1400, 1400))
    entries = tuple(
        talk(n, authors=("Alan Woods", "Rob Sewell"), episode=3, season=1, summary=SUMMARY)
        if n == featured
        else talk(n, episode=n)  # a serial series numbers every talk
        for n in range(1, count + 1)
    )
    catalog = make_catalog(root, entries)
    run = build_run(catalog, out=out)
    for item in run.items:
        stem = f"media/talks/{item.id}"
        item.audio = publish(out, f"{stem}.m4a", b"a" * (1000 + len(item.id)), "audio/mp4", 125.0)
        item.video = publish(out, f"{stem}.mp4", b"v" * 2000, "video/mp4", 125.0)
        if item.id == f"talk-{featured}":
            add_extras(out, item, stem)
    return run


def add_extras(out: Path, item: Item, stem: str) -> None:
    cues = [Cue(0, 1.5, "Comrades"), Cue(1.5, 3.0, "The July days")]
    item.transcripts = [
        publish(out, f"{stem}.srt", to_srt(cues).encode(), "application/x-subrip"),
        publish(out, f"{stem}.vtt", to_vtt(cues).encode(), "text/vtt"),
    ]
    item.chapters = (Chapter(0, "Introduction"), Chapter(60, "Questions"))
    item.chapters_file = publish(
        out, f"{stem}.chapters.json", to_json(item.chapters).encode(), "application/json+chapters"
    )
    art = save_image(out / f"{stem}-art.jpg", (1400, 1400), "JPEG")
    item.image = MediaFile(f"{stem}-art.jpg", art.stat().st_size, "image/jpeg")
