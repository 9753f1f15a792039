"""Episode art that Apple accepts, under names that change with the image.

Apple wants square JPEG or PNG art, 1400–3000 px, in RGB. Talk thumbnails are 16:9 and
often 1280 px wide, so `conform` (`publisher.formats.artwork`, the rule channel art
shares) puts them on a square canvas: the picture whole, in the middle, over a blurred
and enlarged copy of itself filling the rest (the "blur-fill" TV uses for portrait
video; black bars look like a broken image in a podcast app). Art that already conforms
is published byte for byte.

Apps cache artwork by URL, so a new image must get a new name: the published name ends
with a hash of the published bytes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.errors import SourceError
from publisher.formats.artwork import ImageError, conform, hashed_name
from publisher.model import Item, MediaFile
from publisher.output import urls
from publisher.sources import is_url, local_source_path, metadata_url

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)

ROLE = "image"
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp")
MIME_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


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
