"""Cover and episode art that Apple accepts, under names that change with the image.

Apple wants square JPEG or PNG art, 1400–3000 px, in RGB. Talk thumbnails are 16:9 and
often 1280 px wide, so `conform` puts them on a square canvas: the picture whole, in the
middle, over a blurred and enlarged copy of itself filling the rest (the "blur-fill" TV
uses for portrait video; black bars look like a broken image in a podcast app). Art that
already conforms is published byte for byte.

Catalog images that are too small are upscaled so the feed stays valid, and reported
with a warning on every build (and by `catalog_image_problems`, for `validate`): an
editor should replace them, but a cron build must not stop publishing for it.

Apps cache artwork by URL, so a new image must get a new name: the published name ends
with a hash of the published bytes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import ConfigurationError, SourceError
from publisher.formats import apple
from publisher.formats.artwork import (
    Conformed,
    ImageError,
    conform,
    hashed_name,
)
from publisher.model import Catalog, Item, MediaFile
from publisher.output import urls
from publisher.sources import is_url, local_source_path, metadata_url

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

ROLE = "image"
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp")
MIME_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


# Channel art --------------------------------------------------------------------------


def publish_channel_art(run: Run) -> None:
    """Publish the site's and each series' cover; fills `run.artwork`."""
    site_image = run.catalog.site.image
    run.artwork["site"] = publish_image(run, site_image, "media/cover")
    for series in sorted(run.catalog.series.values(), key=lambda s: s.id):
        if series.image and series.image != site_image:
            run.artwork[series.id] = publish_image(
                run, series.image, f"{urls.media_dir(series.id)}/cover"
            )


def publish_image(run: Run, image: str, stem: str) -> str:
    """The published path of a catalog image (or the URL itself for a remote one)."""
    if is_url(image):
        return image  # served by someone else; `check` says it could not be verified
    conformed = _conform_catalog_image(run.catalog.root, image)
    relative = hashed_name(stem, conformed)
    run.writer.write_bytes(relative, conformed.data)
    return relative


def _conform_catalog_image(root: Path, image: str) -> Conformed:
    try:
        conformed = conform((root / image).read_bytes())
    except OSError as error:
        raise ConfigurationError(f"cannot read the image {image}: {error.strerror}") from None
    except ImageError as error:
        raise ConfigurationError(f"the image {image} is {error}") from None
    if conformed.upscaled:
        log.warning("%s", _too_small(image, conformed))
    elif conformed.changes:
        log.info("%s: %s; published as a conforming JPEG", image, "; ".join(conformed.changes))
    return conformed


def _too_small(image: str, conformed: Conformed) -> str:
    width, height = conformed.original_size
    return (
        f"{image}: {width}×{height} px is below Apple's {apple.ARTWORK_MIN_PX} px minimum;"
        f" published upscaled to {conformed.size[0]}×{conformed.size[1]}, which looks"
        f" blurred: give a square image of {apple.ARTWORK_MIN_PX}–{apple.ARTWORK_MAX_PX} px"
    )


def catalog_image_problems(catalog: Catalog) -> list[str]:
    """Catalog images that cannot be read or that are too small to publish well."""
    images = [("site", catalog.site.image)]
    images += [(f"series {s.id}", s.image) for s in catalog.series.values() if s.image]
    problems = []
    for owner, image in images:
        if is_url(image):
            continue
        try:
            conformed = conform((catalog.root / image).read_bytes())
        except (OSError, ImageError) as error:
            problems.append(f"{owner}: image {image}: {error}")
            continue
        if conformed.upscaled:
            problems.append(f"{owner}: {_too_small(image, conformed)}")
    return problems


# Episode art --------------------------------------------------------------------------


def publish_episode_art(run: Run, item: Item) -> None:
    """Publish media/<series>/<entry>-<hash8>.jpg from the talk's thumbnail.

    Art is an extra: when the thumbnail cannot be read the episode keeps the art it had
    (or shows the series cover), and the next run tries again.
    """
    found = thumbnail_origin(run, item)
    if found is None:
        return
    location, made_from = found
    reusable = run.reusable_file(item, ROLE, made_from)
    if reusable and not run.options.refresh:
        item.image = reusable
        return
    from publisher.tools import http  # loads requests: only when art is made

    try:
        if isinstance(location, Path):
            data = http.read_local(location)
        else:
            data = http.fetch_url(location, run.options.allow_private_sources)
        conformed = conform(data)
    except (SourceError, ImageError) as error:
        log.warning("%s: episode art not made, kept as it was: %s", item.id, error)
        return
    relative = hashed_name(urls.entry_stem(item.entry.series, item.id), conformed)
    run.writer.write_bytes(relative, conformed.data)
    media = MediaFile(relative, len(conformed.data), MIME_TYPES[conformed.ext])
    run.state.save_media_file(item.id, ROLE, media, made_from)
    item.image = media


def thumbnail_origin(run: Run, item: Item) -> tuple[Path | str, str] | None:
    """(where to read, what the state remembers of it): an image beside a local source
    (same stem), else the source's thumbnail. Only the editor's files are paths; what the
    source's metadata names is fetched as a URL, or not at all (`metadata_url`)."""
    source = item.entry.source or ""
    if source and not is_url(source):
        for ext in IMAGE_EXTS:
            beside = local_source_path(source, run.catalog.root).with_suffix(ext)
            if beside.is_file():
                stat = beside.stat()
                return beside.resolve(), f"{beside.name} {stat.st_size} {stat.st_mtime_ns}"
    if item.info:
        thumbnail = metadata_url(item.info.thumbnail)
    else:  # an article: its page's Open Graph image
        thumbnail = metadata_url(item.page.image) if item.page else None
    return (thumbnail, thumbnail) if thumbnail else None
