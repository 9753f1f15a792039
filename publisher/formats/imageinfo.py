"""An image's format, colour mode and size from its header, and Apple's artwork rules.

`publisher check` reads every cover a feed names; PNG and JPEG (all Apple accepts) are
read here from their first bytes, so checking never loads Pillow. Anything else is handed
to Pillow, which names the format or says why the file is not an image. Modes use
Pillow's names ("RGB", "RGBA", "L", "P", "CMYK"), so both paths report alike. A PNG or
JPEG that stops before its end (IEND, EOI) is no image either: a cut download.

`metadata_parts` names what a PNG or JPEG carries besides its pixels (text, profiles,
EXIF, bytes after its end): art that carries any is re-encoded before it is published.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
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
JPEG_EOI, JPEG_SOS = 0xD9, 0xDA
# What a picture needs: the PNG chunks of its pixels; the JPEG segments that decode them
# (tables, frame, scans) and the short JFIF and Adobe headers that say its colours.
# Text, profiles, EXIF, thumbnails and private chunks are not needed to show it.
# (Besides the pixels, a PNG keeps the few fixed-size chunks that say how to show them.)
PNG_PIXEL_CHUNKS = frozenset([b"IHDR", b"PLTE", b"IDAT", b"IEND", b"sRGB", b"gAMA", b"cHRM",
                              b"pHYs"])  # fmt: skip
JPEG_PIXEL_SEGMENTS = JPEG_FRAMES | {0xC4, 0xCC, 0xDB, 0xDD, JPEG_SOS}
JPEG_HEADERS = {0xE0: b"JFIF\0", 0xEE: b"Adobe"}  # APP0, APP14
JPEG_HEADER_MOST = 16  # bytes: a JFIF or Adobe header, without an embedded thumbnail


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
            info = _png(head)
            _png_runs_to_iend(handle)
            return info
        if head.startswith(b"\xff\xd8"):
            info = _jpeg(handle)
            handle.seek(-2, 2)
            if handle.read(2) != b"\xff\xd9":
                raise NotAnImage("truncated image file: the JPEG does not reach its end")
            return info
    return _with_pillow(path)


def _png_runs_to_iend(handle: BinaryIO) -> None:
    """Walk the chunks by their lengths (no data is read) to IEND."""
    end = handle.seek(0, 2)
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= end:
        handle.seek(offset)
        length, kind = struct.unpack(">I4s", handle.read(8))
        offset += 12 + length
        if kind == b"IEND" and offset <= end:
            return
    raise NotAnImage("truncated image file: the PNG does not reach its IEND chunk")


def metadata_parts(data: bytes) -> list[str]:
    """What a PNG or JPEG carries besides its pixels, e.g. ["tEXt chunk (15,000,012
    bytes)", "fdAT chunk ×99 (1,605,720 bytes)"]: one line a kind, however many there
    are; [] for one that carries nothing else (or that is neither)."""
    if data.startswith(PNG_SIGNATURE):
        parts = _png_parts(data)
    elif data.startswith(b"\xff\xd8"):
        parts = _jpeg_parts(data)
    else:
        return []
    kinds: dict[str, list[int]] = {}
    for name, size in parts:
        kinds.setdefault(name, []).append(size)
    return [
        f"{name}{f' ×{len(sizes)}' if len(sizes) > 1 else ''} ({sum(sizes):,} bytes)"
        for name, sizes in kinds.items()
    ]


def _png_parts(data: bytes) -> list[tuple[str, int]]:
    parts, offset = [], len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        offset += 12 + length
        if kind not in PNG_PIXEL_CHUNKS:
            parts.append((f"{kind.decode('latin-1')} chunk", length))
        if kind == b"IEND":
            break
    if offset < len(data):
        parts.append(("bytes after the end", len(data) - offset))
    return parts


def _jpeg_parts(data: bytes) -> list[tuple[str, int]]:
    parts, end = [], len(data)
    for marker, offset, length in _jpeg_segments(data):
        if marker == JPEG_EOI:
            end = offset
        elif not _is_pixel_segment(marker, data[offset + 4 : offset + 2 + length]):
            parts.append((_segment_name(marker), length))
    if end < len(data):
        parts.append(("bytes after the end", len(data) - end))
    return parts


def jpeg_scans(data: bytes, most: int) -> int:
    """How many scans the JPEG `data` has, counted up to `most` + 1: each costs a pass
    over every pixel, so a small file of thousands of scans costs minutes to decode."""
    scans = 0
    for marker, _offset, _length in _jpeg_segments(data):
        scans += marker == JPEG_SOS
        if scans > most:
            break
    return scans


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, offset, length) of every segment, those between and after scans too:
    after a scan's header, its entropy-coded data runs to the next marker that is
    neither a stuffed 0xFF00 nor a restart marker. The last is (JPEG_EOI, where the
    JPEG ends, 0); a marker missing where one must be, or a segment cut short, ends
    the walk there (Pillow judges the pixels)."""
    offset = 2
    while offset + 2 <= len(data) and data[offset] == 0xFF:
        marker = data[offset + 1]
        if marker == 0xFF or marker in JPEG_STANDALONE:
            offset += 1 if marker == 0xFF else 2
            continue
        if marker == JPEG_EOI:
            offset += 2
            break
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")  # 0 if cut there
        if length < 2 or offset + 2 + length > len(data):
            break
        yield marker, offset, length
        offset += 2 + length
        if marker == JPEG_SOS:
            offset = _after_scan(data, offset)
    yield JPEG_EOI, offset, 0


def _is_pixel_segment(marker: int, body: bytes) -> bool:
    if marker in JPEG_PIXEL_SEGMENTS:
        return True
    header = JPEG_HEADERS.get(marker)
    return header is not None and body.startswith(header) and len(body) <= JPEG_HEADER_MOST


def _segment_name(marker: int) -> str:
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0} segment"
    return "comment" if marker == 0xFE else f"segment {marker:02X}"


def _after_scan(data: bytes, offset: int) -> int:
    """Where the entropy-coded data that starts at `offset` ends (at the next marker)."""
    while (found := data.find(b"\xff", offset)) != -1 and found + 1 < len(data):
        following = data[found + 1]
        if following == 0 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            offset = found + 1 if following == 0xFF else found + 2
            continue
        return found
    return len(data)


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
