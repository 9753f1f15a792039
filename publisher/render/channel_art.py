"""Channel art: the site's and each series' cover, published as Apple accepts it, under a
name that changes with the image (apps cache artwork by URL).

Catalog images that are too small are upscaled so the feed stays valid, and reported
with a warning on every build (and by `catalog_image_problems`, for `validate`): an
editor should replace them, but a cron build must not stop publishing for it. The rule
that makes art conform is `publisher.formats.artwork`'s, shared with episode art.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import ConfigurationError
from publisher.formats import apple
from publisher.formats.artwork import Conformed, ImageError, conform, hashed_name
from publisher.model import Catalog
from publisher.output import urls
from publisher.sources import is_url

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)


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
