"""Cover art that Apple accepts: square, 1400–3000 px, RGB JPEG or PNG.

A pure codec (bytes in, a conformed image out; no run, state or network): art that
already conforms is kept byte for byte, anything else is centred on a blurred square."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from publisher.formats import apple
from publisher.formats.imageinfo import artwork_problems

JPEG_QUALITY = 90
MAX_PIXELS = 40_000_000  # larger than any real cover; refuses decompression bombs early
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


def open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ImageError(f"not a readable image: {error}") from None
    if image.size[0] * image.size[1] > MAX_PIXELS:
        raise ImageError(f"{image.size[0]}×{image.size[1]} px is too large to be a cover")
    return image


def conform(data: bytes) -> Conformed:
    """`data` as Apple-conforming art: unchanged if it already is, else a square RGB JPEG."""
    image = open_image(data)
    problems = artwork_problems(image)
    if not problems:
        ext = ".jpg" if image.format == "JPEG" else ".png"
        return Conformed(data, ext, image.size, image.size, ())
    side = min(max(max(image.size), apple.ARTWORK_MIN_PX), apple.ARTWORK_MAX_PX)
    try:
        square = blur_fill(_rgb(image), side)
    except OSError as error:  # truncated or corrupt data shows only when decoding
        raise ImageError(f"not a readable image: {error}") from None
    buffer = io.BytesIO()
    square.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Conformed(buffer.getvalue(), ".jpg", image.size, square.size, tuple(problems))


def _rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid over white (JPEG has none, and apps show black)."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def blur_fill(image: Image.Image, side: int) -> Image.Image:
    """`image` whole in a `side`-px square, over a blurred, cropped-to-fill copy of itself."""
    small = max(1, side // BLUR_SCALE)
    background = ImageOps.fit(image, (small, small), Image.Resampling.BILINEAR)
    background = background.filter(ImageFilter.GaussianBlur(2))
    canvas = background.resize((side, side), Image.Resampling.BICUBIC)
    picture = ImageOps.contain(image, (side, side), Image.Resampling.LANCZOS)
    canvas.paste(picture, ((side - picture.width) // 2, (side - picture.height) // 2))
    return canvas


def hashed_name(stem: str, conformed: Conformed) -> str:
    return f"{stem}-{hashlib.sha256(conformed.data).hexdigest()[:8]}{conformed.ext}"
