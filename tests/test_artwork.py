"""Artwork: thumbnails and catalog images made into what Apple accepts, under names that
change with the image; too-small catalog images reported."""

from __future__ import annotations

import io
import logging
import struct
import zlib
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


def make_run(tmp_path: Path, cover_size=(1400, 1400), entries=(), **options) -> Run:
    root = tmp_path / "catalog"
    save_image(root / "assets" / "cover.png", cover_size)
    catalog = make_catalog(root, tuple(entries))
    return build_run(catalog, out=tmp_path / "feeds", **options)


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


# What a source's art may carry: bombs, metadata, cut data, too many pixels -------------


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def with_chunk(png: bytes, chunk: bytes, after_pixels: bool = False) -> bytes:
    """`png` with `chunk` after IHDR, or just before IEND."""
    at = png.rindex(b"IEND") - 4 if after_pixels else 8 + 25
    return png[:at] + chunk + png[at:]


INFLATING = zlib.compress(b"\0" * 50_000_000, 9)  # 50 MB from 50 kB: past Pillow's limit
BOMBS = {
    "zTXt": with_chunk(encoded((1400, 1400), "PNG"), png_chunk(b"zTXt", b"C\0\0" + INFLATING)),
    "iCCP": with_chunk(encoded((1400, 1400), "PNG"), png_chunk(b"iCCP", b"i\0\0" + INFLATING)),
    "zTXt-after-pixels": with_chunk(
        encoded((1400, 1400), "PNG"), png_chunk(b"zTXt", b"C\0\0" + INFLATING), True
    ),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_text_chunk_that_inflates_too_far_is_no_image(name):
    from publisher.formats.artwork import ImageError

    with pytest.raises(ImageError, match="not a readable image"):
        conform(BOMBS[name])


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_a_thumbnail_bomb_costs_the_art_only(tmp_path: Path, caplog, name):
    from helpers.loopback_sites import LoopbackSite, answer

    from publisher.model import MediaInfo

    with LoopbackSite({"/art.png": answer(BOMBS[name], "image/png")}) as site:
        run = make_run(tmp_path, entries=[talk(1)], allow_private_sources=True)
        item = run.items[0]
        item.info = MediaInfo(source=item.entry.source, thumbnail=site.url("/art.png"))
        with caplog.at_level(logging.WARNING):
            publish_episode_art(run, item)
    assert item.image is None and "episode art not made" in caplog.text
    run.state.close()


def jpeg_with(**options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1400, 1400), "red").save(buffer, "JPEG", **options)
    return buffer.getvalue()


CARRYING_MORE = {
    "png-15MB-tEXt": with_chunk(
        encoded((1400, 1400), "PNG"), png_chunk(b"tEXt", b"C\0" + b"x" * 15_000_000)
    ),
    "png-private-chunk": with_chunk(encoded((1400, 1400), "PNG"), png_chunk(b"prVt", b"y" * 9000)),
    "png-after-IEND": encoded((1400, 1400), "PNG") + b"z" * 9000,
    "jpeg-exif": jpeg_with(exif=b"Exif\0\0" + b"\0" * 60_000),
    "jpeg-comment": jpeg_with(comment=b"c" * 60_000),
    "jpeg-icc": jpeg_with(icc_profile=b"p" * 9000),
    "jpeg-after-EOI": jpeg_with() + b"z" * 9000,
}


@pytest.mark.parametrize("name", sorted(CARRYING_MORE))
def test_conforming_art_that_carries_more_than_pixels_is_re_encoded(name):
    from publisher.formats.imageinfo import metadata_parts

    data = CARRYING_MORE[name]
    assert metadata_parts(data)  # what the art carries is seen
    result = conform(data)
    assert result.data != data and metadata_parts(result.data) == []
    assert len(result.data) < 200_000 and result.changes
    assert opened(result.data).size == (1400, 1400)


def test_art_of_pixels_only_is_kept_byte_for_byte():
    for data in (encoded((1400, 1400), "PNG"), jpeg_with(), jpeg_with(progressive=True)):
        assert conform(data).data == data


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("keep", [200, -1000])
def test_a_cut_thumbnail_is_no_image(fmt, keep):
    """A valid header and 200 bytes of data, or all but the last kilobyte."""
    from publisher.formats.artwork import ImageError

    whole = encoded((1400, 1400), fmt)
    cut = whole[: len(whole) + keep] if keep < 0 else whole[: 600 + keep]
    with pytest.raises(ImageError):
        conform(cut)


MEASURE_PEAK = """
import sys
from pathlib import Path
from publisher.formats.artwork import conform

def peak_mb():  # this process's high-water mark (ru_maxrss would carry the parent's)
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) // 1024

data = Path(sys.argv[1]).read_bytes()
before = peak_mb()
result = conform(data)
print(peak_mb() - before, result.size)
"""


@pytest.mark.parametrize(
    ("size", "fmt", "most_mb"),
    [((6000, 6000), "JPEG", 150), ((6000, 3375), "JPEG", 150), ((6000, 6000), "PNG", 250)],
)
def test_a_huge_thumbnail_costs_little_memory(tmp_path: Path, size, fmt, most_mb):
    """Decoded at a fraction of its size (JPEG), or reduced at once (PNG): the peak
    memory conform adds, measured in a process of its own."""
    import subprocess
    import sys

    path = tmp_path / f"huge.{fmt.lower()}"
    Image.new("RGB", size, "navy").save(path, fmt)
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_PEAK, str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    added, conformed = done.stdout.split(" ", 1)
    print(f"{fmt} {size[0]}×{size[1]}: conform added {added} MB at its peak")
    assert "(3000, 3000)" in conformed
    assert int(added) < most_mb


# Art shaped to hurt: other formats, costly scans, unusual modes, turned pictures -------

FAKE_GHOSTSCRIPT = '#!/bin/sh\necho "$@" >> "$(dirname "$0")/ran"\nexit 0\n'
EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1400 1400\n"
    b"newpath 0 0 moveto 1400 1400 lineto stroke showpage\n%%EOF\n"
)
CONFORM_WITH_PATH = """
import sys
from publisher.formats.artwork import ImageError, conform
try:
    conform(open(sys.argv[1], "rb").read())
except ImageError as error:
    print(error)
"""


def other_format(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1400, 1400), "red").save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["EPS", "TIFF", "BMP", "ICO"])
def test_art_of_another_format_is_never_decoded(tmp_path: Path, name):
    """Pillow would hand an EPS to Ghostscript, a PostScript interpreter on the server
    (installed with ImageMagick): a `gs` first on the PATH shows whether anything ran."""
    import os
    import subprocess
    import sys

    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "gs").write_text(FAKE_GHOSTSCRIPT)
    (tools / "gs").chmod(0o755)
    art = tmp_path / "art"
    art.write_bytes(EPS if name == "EPS" else other_format(name))
    env = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}"}
    done = subprocess.run(
        [sys.executable, "-c", CONFORM_WITH_PATH, str(art)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "not a JPEG, PNG, WebP or GIF file" in done.stdout
    assert not (tools / "ran").exists()


def with_scans_repeated(data: bytes, copies: int) -> bytes:
    """A progressive JPEG with its last scan (header and data) repeated: each copy is a
    few bytes, and another pass over every pixel for the decoder."""
    end = data.rindex(b"\xff\xd9")
    last = data.rindex(b"\xff\xda", 0, end)
    return data[:end] + data[last:end] * copies + data[end:]


@pytest.mark.parametrize("copies", [91, 2000, 20_000])
def test_a_jpeg_of_thousands_of_scans_is_refused_at_once(copies):
    import time

    from publisher.formats.artwork import ImageError

    bomb = with_scans_repeated(jpeg_with(progressive=True), copies)
    started = time.process_time()
    with pytest.raises(ImageError, match="more than 100 scans"):
        conform(bomb)
    assert time.process_time() - started < 1


def test_a_jpeg_of_a_hundred_scans_is_still_art():
    data = with_scans_repeated(jpeg_with(progressive=True), 90)  # 10 + 90
    assert opened(conform(data).data).size == (1400, 1400)


def image_of_mode(mode: str, size: tuple[int, int], fmt: str = "PNG") -> bytes:
    image = Image.new(mode, size)
    if mode == "P":
        image.putpalette([255, 0, 0] * 256)  # red everywhere
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("mode", "fmt"), [("P", "PNG"), ("P", "GIF"), ("1", "PNG"), ("I;16", "PNG"), ("L", "GIF")]
)
@pytest.mark.parametrize("side", [1500, 6100])
def test_palette_bilevel_and_16_bit_art_of_any_size_is_made_rgb(mode, fmt, side):
    result = conform(image_of_mode(mode, (side, side), fmt))
    image = opened(result.data)
    assert image.mode == "RGB" and image.size == (min(side, 3000),) * 2
    if mode == "P":
        assert image.getpixel((100, 100)) == pytest.approx((254, 0, 0), abs=2)


def test_16_bit_grey_art_keeps_its_shades():
    """Not clipped to white: a ramp from black to white stays one."""
    ramp = Image.linear_gradient("L").resize((1500, 1500)).convert("I").point(lambda v: v * 257)
    buffer = io.BytesIO()
    ramp.convert("I;16").save(buffer, "PNG")
    assert opened(buffer.getvalue()).mode == "I;16"
    image = opened(conform(buffer.getvalue()).data)
    shades = [image.getpixel((750, y))[0] for y in (10, 750, 1490)]
    assert shades[0] < 10 and 110 < shades[1] < 150 and shades[2] > 245


@pytest.mark.parametrize(("orientation", "red_at"), [(3, (1390, 1390)), (6, (1390, 10))])
def test_conforming_art_turned_by_its_exif_is_published_turned(orientation, red_at):
    """Its EXIF goes with its other metadata, so the turn it asked for is made in its
    pixels: the picture looks as it did in every viewer."""
    image = Image.new("RGB", (1400, 1400), "white")
    image.paste((255, 0, 0), (0, 0, 700, 700))  # red at the top left, as stored
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    published = opened(conform(buffer.getvalue()).data)
    assert published.getexif().get(0x0112) is None
    assert published.getpixel(red_at)[0] > 240 and published.getpixel(red_at)[1] < 20
    assert published.getpixel((10, 10)) == pytest.approx((255, 255, 255), abs=3)


def cut_after(data: bytes, marker: bytes, nth: int, keep: int) -> bytes:
    at = -1
    for _ in range(nth):
        at = data.index(marker, at + 1)
    return data[: at + keep]


CUT_SEGMENTS = {
    "in-a-second-scan-header": cut_after(jpeg_with(progressive=True), b"\xff\xda", 2, 3),
    "in-a-comment-length": jpeg_with()[:-2] + b"\xff\xfe\x00",
    "comment-past-the-end": jpeg_with()[:-2] + b"\xff\xfe\x40\x00abc",
    "segment-of-length-0": jpeg_with()[:-2] + b"\xff\xfe\x00\x00" + b"\xff\xd9",
}


@pytest.mark.parametrize("name", sorted(CUT_SEGMENTS))
def test_a_jpeg_cut_inside_a_segment_is_judged_not_a_crash(name):
    """Either no image, or (all its scans whole) the picture without what is cut."""
    from publisher.formats.artwork import ImageError

    try:
        result = conform(CUT_SEGMENTS[name])
    except ImageError:
        return
    assert opened(result.data).size == (1400, 1400) and result.changes


@pytest.mark.parametrize("name", ["palette-6100", "scans-2000", "cut-segment"])
def test_a_hostile_thumbnail_costs_the_art_at_most(tmp_path: Path, caplog, name):
    """Made into art, or refused with a warning: never a failed talk."""
    from helpers.loopback_sites import LoopbackSite, answer

    from publisher.model import MediaInfo

    data = {
        "palette-6100": image_of_mode("P", (6100, 6100)),
        "scans-2000": with_scans_repeated(jpeg_with(progressive=True), 2000),
        "cut-segment": CUT_SEGMENTS["in-a-second-scan-header"],
    }[name]
    with LoopbackSite({"/art": answer(data, "image/png")}) as site:
        run = make_run(tmp_path, entries=[talk(1)], allow_private_sources=True)
        item = run.items[0]
        item.info = MediaInfo(source=item.entry.source, thumbnail=site.url("/art"))
        with caplog.at_level(logging.WARNING):
            publish_episode_art(run, item)
    if name == "palette-6100":
        assert opened((run.out / item.image.path).read_bytes()).size == (3000, 3000)
    else:
        assert item.image is None and "episode art not made" in caplog.text
    run.state.close()


@pytest.mark.parametrize("size", [(65535, 65535), (7000, 7000), (40_001, 1000)])
def test_art_of_more_than_40_million_pixels_is_refused_before_decoding(size):
    """Its header alone says so: the pixels (a few bytes of IDAT) are never inflated."""
    from publisher.formats.artwork import ImageError

    header = struct.pack(">IIBBBBB", *size, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1000)
    png = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", pixels)
    with pytest.raises(ImageError, match="too large to be a cover|exceeds limit"):
        conform(png + png_chunk(b"IEND", b""))


def test_an_animation_of_many_frames_is_its_first_frame_told_in_one_line():
    """Only the first frame is decoded; what is dropped is told once a kind, not once a
    frame (a 20 MB APNG of tiny frames would make a line of megabytes)."""
    frames = [Image.new("RGB", (1400, 1400), (n, 0, 0)) for n in range(200)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:], duration=10)
    result = conform(buffer.getvalue())
    assert opened(result.data).getpixel((5, 5)) == (0, 0, 0)
    assert len(result.changes) == 1 and len(result.changes[0]) < 200
    assert "fcTL chunk ×200" in result.changes[0] and "fdAT chunk ×199" in result.changes[0]


def with_empty_data_chunks(png: bytes, count: int) -> bytes:
    at = png.index(b"IDAT") - 4
    return png[:at] + png_chunk(b"IDAT", b"") * count + png[at:]


def noise_png(side: int) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), random_bytes(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def random_bytes(count: int) -> bytes:
    import random

    return random.Random(7).randbytes(count)


PADDED = {  # pixels only, as the chunks and segments go; megabytes all the same
    "jpeg-fill-bytes": jpeg_with()[:-2] + b"\xff" * 15_000_000 + b"\xff\xd9",
    "png-empty-data-chunks": with_empty_data_chunks(encoded((1400, 1400), "PNG"), 1_200_000),
}


@pytest.mark.parametrize("name", sorted(PADDED))
def test_art_padded_to_megabytes_is_made_again_from_its_pixels(name):
    data = PADDED[name]
    assert len(data) > 14_000_000
    result = conform(data)
    assert len(result.data) < 100_000
    assert "more than the 2,000,000 art may take" in result.changes[0]
    assert result.ext == (".jpg" if name.startswith("jpeg") else ".png")
    assert opened(result.data).getpixel((700, 700)) == pytest.approx((254, 0, 0), abs=2)


def test_a_photograph_as_a_png_of_megabytes_becomes_a_jpeg():
    result = conform(noise_png(1500))
    image = opened(result.data)
    assert result.ext == ".jpg" and image.format == "JPEG" and image.size == (1500, 1500)
    assert "as a PNG, more than 2,000,000" in result.changes[0]
