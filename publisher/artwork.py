"""Cover art: published under a name that changes when the image changes.

Apps cache artwork by URL, so a new image must get a new name; the content hash in the
name does that.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from publisher import urls
from publisher.errors import ConfigurationError
from publisher.pipeline import Run


def publish_channel_art(run: Run) -> None:
    """Publish the site's and each series' cover; fills `run.artwork`."""
    site_image = run.catalog.site.image
    run.artwork["site"] = publish_image(run, site_image, "media/cover")
    for series in run.catalog.series.values():
        if series.image and series.image != site_image:
            run.artwork[series.id] = publish_image(
                run, series.image, f"{urls.media_dir(series.id)}/cover"
            )


def publish_image(run: Run, image: str, stem: str) -> str:
    """The published path of a catalog image (or the URL itself for a remote one)."""
    if "://" in image:
        return image
    path = (run.catalog.root / image).resolve()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigurationError(f"cannot read the image {image}: {error.strerror}") from None
    relative = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{Path(image).suffix.lower()}"
    run.writer.write_bytes(relative, data)
    return relative
