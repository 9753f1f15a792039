"""Cover art that Apple accepts: square, 1400–3000 px, RGB JPEG or PNG.

A pure codec (bytes in, a conformed image out; no run, state or network): art that
already conforms, and carries nothing but its pixels, is kept byte for byte; anything
else is centred on a blurred square. Every image is decoded whole first (a cut download
is no cover), large JPEGs at a fraction of their size (Pillow's draft mode) and large
images of other kinds reduced at once, so that a 6000 px thumbnail costs tens of MB,
not hundreds."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from publisher.formats import apple
from publisher.formats.imageinfo import ImageInfo, artwork_problems, jpeg_scans, metadata_parts

JPEG_QUALITY = 90
MAX_PIXELS = 40_000_000  # larger than any real cover; refuses decompression bombs early
# What art is read as. Pillow knows dozens of formats, some decoded by another program
# (EPS by Ghostscript, a PostScript interpreter) or by little-used code: art from a
# source reaches none of them.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# A progressive JPEG has about 10 scans; each is a pass over every pixel, so a 100 kB
# file of 2,000 scans costs 11 s of CPU to decode (and every listener's app as much).
MAX_JPEG_SCANS = 100
# Art goes into every episode's audio and video. Larger art is made again from its
# pixels: padding that is no metadata (fill bytes between a JPEG's segments, empty PNG
# data chunks) would otherwise put megabytes into every episode; a PNG still larger
# (a photograph) becomes a JPEG.
MOST_BYTES = 2_000_000
BLUR_SCALE = 16  # the background is blurred at 1/16 size: the same look, a fraction of the work


@dataclass(frozen=True)
class Conformed:
    data: bytes
    ext: str  # ".jpg" or ".png"
    original_size: tuple[int, int]
    size: tuple[int, int]
    changes: tuple[str, ...]  # what was wrong with the original; () when published as it was

    @property
    def upscaled(self) -> bool:
        return self.size[0] > max(self.original_size)


class ImageError(ValueError):
    """The bytes are not an image Pillow can read (or are absurdly large)."""


# Decoding fails in these ways: cut data (OSError), a text chunk or profile that
# inflates past Pillow's limit (ValueError), too many pixels for Pillow.
UNREADABLE = (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError)


def open_image(data: bytes) -> Image.Image:
    """The image, its header read (not its pixels)."""
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        raise ImageError("not a readable image: not a JPEG, PNG, WebP or GIF file") from None
    except UNREADABLE as error:
        raise ImageError(f"not a readable image: {error}") from None
    if image.size[0] * image.size[1] > MAX_PIXELS:
        raise ImageError(f"{image.size[0]}×{image.size[1]} px is too large to be a cover")
    if image.format == "JPEG" and jpeg_scans(data, MAX_JPEG_SCANS) > MAX_JPEG_SCANS:
        raise ImageError(f"a JPEG of more than {MAX_JPEG_SCANS} scans is too costly to decode")
    return image


def conform(data: bytes) -> Conformed:
    """`data` as Apple-conforming art: unchanged if it already is (pixels only, at most
    MOST_BYTES), else the same pixels alone in the same format, else a square RGB JPEG."""
    image = open_image(data)
    header = ImageInfo(image.format, image.mode, image.size)
    problems = artwork_problems(header)
    extras = metadata_parts(data)
    image = decoded(image)  # the original is let go: one large copy at most
    ext = ".jpg" if header.format == "JPEG" else ".png"
    if not problems and not extras and len(data) <= MOST_BYTES:
        return Conformed(data, ext, header.size, header.size, ())
    if not problems:  # conforming pixels: the same picture, in the same format, alone
        ImageOps.exif_transpose(image, in_place=True)  # the EXIF that turned it goes
        again = _encoded(image, header.format)
        if len(again) <= MOST_BYTES or header.format == "JPEG":
            return Conformed(again, ext, header.size, header.size, (_excess(data, extras),))
        problems = [f"{len(again):,} bytes as a PNG, more than {MOST_BYTES:,}"]
    side = min(max(max(header.size), apple.ARTWORK_MIN_PX), apple.ARTWORK_MAX_PX)
    square = blur_fill(_rgb(image), side)
    return Conformed(_encoded(square, "JPEG"), ".jpg", header.size, square.size, tuple(problems))


def _excess(data: bytes, extras: list[str]) -> str:
    if extras:
        return f"carries more than its pixels: {', '.join(extras)}"
    return f"{len(data):,} bytes, more than the {MOST_BYTES:,} art may take in every episode"


def _encoded(image: Image.Image, fmt: str) -> bytes:
    """`image` as JPEG or PNG bytes, with nothing but its pixels."""
    image.info.clear()  # Pillow would write back a comment or a profile it read
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def decoded(image: Image.Image) -> Image.Image:
    """Every pixel decoded (an ImageError if that fails), no larger than Apple's largest
    art: a JPEG is decoded at 1/2, 1/4 or 1/8 scale by its own decoder (draft mode),
    anything else reduced by a whole factor right after decoding."""
    largest = max(image.size)
    try:
        if image.format == "JPEG" and largest > apple.ARTWORK_MAX_PX:
            wanted = [-(-side * apple.ARTWORK_MAX_PX // largest) for side in image.size]
            image.draft(None, (wanted[0], wanted[1]))
        image.load()
    except UNREADABLE as error:
        raise ImageError(f"not a readable image: {error}") from None
    image = _full_colour(image)
    factor = max(image.size) // apple.ARTWORK_MAX_PX
    return image.reduce(factor) if factor > 1 else image


def _full_colour(image: Image.Image) -> Image.Image:
    """`image` in a mode Pillow reduces, blurs and converts faithfully: a palette as
    colours (and its transparency), bilevel as grey, 16-bit grey scaled to 8 bits (a
    plain conversion clips all but the darkest 1/256 of it to white)."""
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("P", "PA"):
        transparent = image.mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if transparent else "RGB")
    return image.convert("L") if image.mode == "1" else image


def _rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid over white (JPEG has none, and apps show black)."""
    ImageOps.exif_transpose(image, in_place=True)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def blur_fill(image: Image.Image, side: int) -> Image.Image:
    """`image` whole in a `side`-px square, over a blurred, cropped-to-fill copy of itself."""
    if image.size == (side, side):
        return image  # square already (too large, or carrying more than pixels)
    small = max(1, side // BLUR_SCALE)
    background = ImageOps.fit(image, (small, small), Image.Resampling.BILINEAR)
    background = background.filter(ImageFilter.GaussianBlur(2))
    canvas = background.resize((side, side), Image.Resampling.BICUBIC)
    picture = ImageOps.contain(image, (side, side), Image.Resampling.LANCZOS)
    canvas.paste(picture, ((side - picture.width) // 2, (side - picture.height) // 2))
    return canvas


def hashed_name(stem: str, conformed: Conformed) -> str:
    return f"{stem}-{hashlib.sha256(conformed.data).hexdigest()[:8]}{conformed.ext}"
