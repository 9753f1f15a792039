"""An image's format, colour mode and size from its header, and Apple's artwork rules.

`publisher check` reads every cover a feed names; PNG and JPEG (all Apple accepts) are
read here from their first bytes, so checking never loads Pillow. Anything else is handed
to Pillow, which names the format or says why the file is not an image. Modes use
Pillow's names ("RGB", "RGBA", "L", "P", "CMYK"), so both paths report alike.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from publisher.formats import apple

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# (bit depth, colour type) -> the mode Pillow opens a PNG in
PNG_MODES = {
    **{(depth, 0): "L" for depth in (2, 4, 8)},
    (1, 0): "1",
    (16, 0): "I;16",
    **{(depth, 3): "P" for depth in (1, 2, 4, 8)},
    (8, 2): "RGB",
    (16, 2): "RGB",
    (8, 4): "LA",
    (16, 4): "RGBA",
    (8, 6): "RGBA",
    (16, 6): "RGBA",
}
JPEG_MODES = {1: "L", 3: "RGB", 4: "CMYK"}  # by number of components, as Pillow opens them
# Start-of-frame markers: they carry the size (C4, C8 and CC are other segments).
JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_STANDALONE = frozenset([0x01, *range(0xD0, 0xD8)])  # markers without a length


class NotAnImage(ValueError):
    """The bytes are not a readable image."""


class ImageLike(Protocol):
    format: str | None
    mode: str
    size: tuple[int, int]


@dataclass(frozen=True)
class ImageInfo:
    format: str | None
    mode: str
    size: tuple[int, int]


def artwork_problems(image: ImageLike) -> list[str]:
    """What keeps an image (an ImageInfo or an open Pillow image) from Apple's artwork
    rules; [] when it conforms."""
    width, height = image.size
    problems = []
    if image.format not in apple.ARTWORK_FORMATS:
        problems.append(f"{image.format or 'unknown'} format, not JPEG or PNG")
    if image.mode != "RGB":
        problems.append(f"{image.mode} colour, not RGB")
    if width != height:
        problems.append(f"{width}×{height} px, not square")
    if max(width, height) < apple.ARTWORK_MIN_PX:
        problems.append(f"{width}×{height} px, smaller than {apple.ARTWORK_MIN_PX} px")
    elif max(width, height) > apple.ARTWORK_MAX_PX:
        problems.append(f"{width}×{height} px, larger than {apple.ARTWORK_MAX_PX} px")
    return problems


def image_info(path: Path) -> ImageInfo:
    """Format, mode and size of the image at `path`; raises NotAnImage or OSError."""
    with path.open("rb") as handle:
        head = handle.read(32)
        handle.seek(0)
        if head.startswith(PNG_SIGNATURE):
            return _png(head)
        if head.startswith(b"\xff\xd8"):
            return _jpeg(handle)
    return _with_pillow(path)


def _png(head: bytes) -> ImageInfo:
    if len(head) < 26 or head[12:16] != b"IHDR":
        raise NotAnImage("broken PNG file: no IHDR chunk")
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    mode = PNG_MODES.get((depth, colour))
    if mode is None or not width or not height:
        raise NotAnImage(f"broken PNG file: {depth}-bit colour type {colour}, {width}×{height}")
    return ImageInfo("PNG", mode, (width, height))


def _jpeg(handle: BinaryIO) -> ImageInfo:
    """Walk the segments to the first start-of-frame; only headers are read."""
    handle.seek(2)
    while True:
        marker = _jpeg_marker(handle)
        if marker in JPEG_STANDALONE:
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame
            raise NotAnImage("broken JPEG file: no frame header")
        (length,) = struct.unpack(">H", _read(handle, 2))
        if marker in JPEG_FRAMES:
            _precision, height, width, components = struct.unpack(">BHHB", _read(handle, 6))
            if components not in JPEG_MODES or not width or not height:
                raise NotAnImage(f"broken JPEG file: {components} components")
            return ImageInfo("JPEG", JPEG_MODES[components], (width, height))
        if length < 2:
            raise NotAnImage("broken JPEG file: bad segment length")
        handle.seek(length - 2, 1)


def _jpeg_marker(handle: BinaryIO) -> int:
    if _read(handle, 1) != b"\xff":
        raise NotAnImage("broken JPEG file: expected a marker")
    byte = _read(handle, 1)
    while byte == b"\xff":  # fill bytes may pad a marker
        byte = _read(handle, 1)
    return byte[0]


def _read(handle: BinaryIO, count: int) -> bytes:
    data = handle.read(count)
    if len(data) != count:
        raise NotAnImage("truncated image file")
    return data


def _with_pillow(path: Path) -> ImageInfo:
    from PIL import Image, UnidentifiedImageError  # only for what is neither PNG nor JPEG

    try:
        with Image.open(path) as image:
            return ImageInfo(image.format, image.mode, image.size)
    except UnidentifiedImageError as error:
        raise NotAnImage(str(error)) from None
