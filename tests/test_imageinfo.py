"""Image headers read without Pillow agree with Pillow, for every kind of cover."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from publisher.formats.imageinfo import NotAnImage, artwork_problems, image_info

CASES = [
    ("PNG", "RGB", {}),
    ("PNG", "RGBA", {}),
    ("PNG", "L", {}),
    ("PNG", "LA", {}),
    ("PNG", "P", {}),
    ("PNG", "1", {}),
    ("PNG", "I;16", {}),
    ("JPEG", "RGB", {}),
    ("JPEG", "RGB", {"progressive": True}),
    ("JPEG", "RGB", {"exif": b"Exif\0\0" + b"\0" * 60_000}),  # the frame comes late
    ("JPEG", "L", {}),
    ("JPEG", "CMYK", {}),
    ("GIF", "P", {}),  # neither PNG nor JPEG: Pillow is asked
    ("WEBP", "RGB", {}),
]


@pytest.mark.parametrize(("fmt", "mode", "options"), CASES)
def test_format_mode_and_size_are_pillows(tmp_path, fmt, mode, options):
    path = tmp_path / f"cover.{fmt.lower()}"
    Image.new(mode, (1500, 1400)).save(path, fmt, **options)
    with Image.open(path) as opened:
        expected = (opened.format, opened.mode, opened.size)
    info = image_info(path)
    assert (info.format, info.mode, info.size) == expected
    with Image.open(path) as opened:
        assert artwork_problems(info) == artwork_problems(opened)


@pytest.mark.parametrize(
    "data",
    [
        b"<html>not found</html>",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",  # cut off in the header
        b"\xff\xd8\xff\xe0\0\x10JFIF",  # cut off before any frame
        b"",
    ],
)
def test_what_is_not_an_image_is_refused_in_words(tmp_path, data):
    path = tmp_path / "cover.jpg"
    path.write_bytes(data)
    with pytest.raises(NotAnImage):
        image_info(path)


def encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((1400, 1400), 40).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "cut",
    [
        lambda data: data[:800],  # a valid header and 200-odd bytes of data
        lambda data: data[:-1000],  # all but the last kilobyte
        lambda data: data[:-2],  # all but the end marker (EOI) / most of IEND
    ],
    ids=["header-and-a-bit", "all-but-1kB", "no-end-marker"],
)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_cut_image_is_refused_by_check(tmp_path, fmt, cut):
    """`check` reads headers only, but a cover that stops before its end is no cover."""
    path = tmp_path / f"cover.{fmt.lower()}"
    path.write_bytes(cut(encoded(fmt)))
    with pytest.raises(NotAnImage, match="truncated"):
        image_info(path)
