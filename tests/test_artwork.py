"""Artwork: thumbnails and catalog images made into what Apple accepts, under names that
change with the image; too-small catalog images reported."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from helpers.runs import build_run, make_catalog, save_image, talk
from PIL import Image

from publisher.build.run import Run
from publisher.formats.artwork import artwork_problems, conform
from publisher.render.channel_art import catalog_image_problems, publish_channel_art
from publisher.stages.episode_art import publish_episode_art


def encoded(size, fmt="JPEG", mode="RGB", colour="red") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, fmt)
    return buffer.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_1280x720_thumbnail_becomes_a_conforming_square():
    result = conform(encoded((1280, 720)))
    image = opened(result.data)
    assert image.size == (1400, 1400) and image.format == "JPEG" and image.mode == "RGB"
    assert artwork_problems(image) == []
    assert result.ext == ".jpg" and "1280×720 px, not square" in result.changes
    # The picture is whole in the middle; the bands above and below are its blurred self.
    red, green, _ = image.getpixel((700, 700))
    assert red > 200 and green < 60
    top_red, _, _ = image.getpixel((700, 10))
    assert top_red > 150  # blurred red, not black bars


def test_conforming_art_is_published_byte_for_byte():
    data = encoded((1400, 1400), "PNG")
    result = conform(data)
    assert result.data == data and result.ext == ".png" and result.changes == ()


@pytest.mark.parametrize(
    "size, fmt, mode, side",
    [
        ((4000, 4000), "JPEG", "RGB", 3000),
        ((1500, 1500), "PNG", "RGBA", 1500),
        ((1600, 1600), "WEBP", "RGB", 1600),
    ],
)
def test_too_large_transparent_or_webp_art_is_fixed(size, fmt, mode, side):
    image = opened(conform(encoded(size, fmt, mode)).data)
    assert image.size == (side, side) and artwork_problems(image) == []


def test_not_an_image_is_an_error():
    from publisher.formats.artwork import ImageError

    with pytest.raises(ImageError):
        conform(b"<html>not found</html>")


def make_run(tmp_path: Path, cover_size=(1400, 1400), entries=()) -> Run:
    root = tmp_path / "catalog"
    save_image(root / "assets" / "cover.png", cover_size)
    catalog = make_catalog(root, tuple(entries))
    return build_run(catalog, out=tmp_path / "feeds")


def test_a_200x200_catalog_image_is_reported_and_published_upscaled(tmp_path: Path, caplog):
    run = make_run(tmp_path, cover_size=(200, 200))
    problems = catalog_image_problems(run.catalog)
    assert problems == [
        "site: assets/cover.png: 200×200 px is below Apple's 1400 px minimum; published"
        " upscaled to 1400×1400, which looks blurred: give a square image of 1400–3000 px"
    ]
    with caplog.at_level(logging.WARNING):
        publish_channel_art(run)
    assert "below Apple's 1400 px minimum" in caplog.text
    published = Image.open(run.out / run.artwork["site"])
    assert published.size == (1400, 1400) and artwork_problems(published) == []
    run.state.close()


def test_the_name_changes_when_the_image_changes(tmp_path: Path):
    run = make_run(tmp_path)
    publish_channel_art(run)
    first = run.artwork["site"]
    assert first.startswith("media/cover-") and first.endswith(".png")
    save_image(run.catalog.root / "assets" / "cover.png", (1400, 1400), colour="green")
    second = make_run(tmp_path / "again")
    second.catalog = run.catalog
    publish_channel_art(second)
    assert second.artwork["site"] != first
    run.state.close()
    second.state.close()


def test_episode_art_from_a_thumbnail_beside_a_local_source(tmp_path: Path):
    entry = talk(1)
    entry = type(entry)(**{**entry.__dict__, "source": "videos/talk-1.mp4"})
    run = make_run(tmp_path, entries=[entry])
    (run.catalog.root / "videos").mkdir()
    (run.catalog.root / "videos" / "talk-1.mp4").write_bytes(b"video")
    (run.catalog.root / "videos" / "talk-1.jpg").write_bytes(encoded((1280, 720)))
    item = run.items[0]
    publish_episode_art(run, item)
    assert item.image is not None
    assert item.image.path.startswith("media/talks/talk-1-") and item.image.path.endswith(".jpg")
    assert (run.out / item.image.path).stat().st_size == item.image.length
    assert Image.open(run.out / item.image.path).size == (1400, 1400)
    assert run.state.media_files("talk-1")["image"][0] == item.image
    run.state.close()
