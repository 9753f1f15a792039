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

from publisher.build.plan import IMAGE_TYPES, plan, published_file
from publisher.errors import SourceError
from publisher.formats.artwork import ImageError, conform, hashed_name
from publisher.model import IMAGE, Item, MediaFile

if TYPE_CHECKING:
    from publisher.build.run import Run

log = logging.getLogger(__name__)


def publish_episode_art(run: Run, item: Item) -> None:
    """Publish media/<series>/<entry>-<hash8>.jpg from the image its plan names: one
    beside a local source, or the talk's thumbnail; an article's page image.

    Art is an extra: when the image cannot be read the episode keeps the art it had (or
    shows the series cover), and the next run tries again.
    """
    output = plan(run, item).get(IMAGE)
    if output is None:
        return
    reusable = published_file(run, item, output)
    if reusable and not run.options.refresh:
        item.image = reusable
        return
    from publisher.tools import http  # loads requests: only when art is made

    location = output.recipe.location
    try:
        if isinstance(location, Path):
            data = http.read_local(location)
        else:
            data = http.fetch_url(location, run.options.allow_private_sources)
        conformed = conform(data)
    except (SourceError, ImageError) as error:
        log.warning("%s: episode art not made, kept as it was: %s", item.id, error)
        return
    relative = hashed_name(output.stem, conformed)
    run.writer.write_bytes(relative, conformed.data)
    media = MediaFile(relative, len(conformed.data), IMAGE_TYPES[conformed.ext])
    run.state.save_media_file(item.id, IMAGE, media, output.made_from)
    item.image = media
