"""Who hears about a feed, and when.

The rule: a hub or directory hears about a feed once, when it is live at its public URL
and has an episode. So:

- a feed with no item is never announced (Apple and the directories refuse a show
  without episodes; it is announced with its first one);
- the state keeps the digest of each feed's bytes as last considered (announced, or
  found empty), so each change is announced once, by whichever command makes it live,
  and a run with nothing new reads no feed as XML;
- `build` announces only when its folder IS the public site (`folder_is_public_site`);
  a folder that is uploaded is announced by `publish`, after the upload; a preview
  (another base URL) announces nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

from publisher.deliver.pings import ping_directories
from publisher.deliver.websub import ping_hubs
from publisher.model import Catalog
from publisher.output import inventory, urls
from publisher.state import State

log = logging.getLogger(__name__)


def announce_live_feeds(
    catalog: Catalog,
    base_url: str,
    folder: Path,
    candidates: Iterable[str],
    state: State,
    allow_private: bool = False,
) -> list[str]:
    """Tell the site's hubs and pings about each feed among `candidates` (paths under
    `folder`, live at `base_url`) that has an item and was not announced as it is now;
    never the feeds of a `listed: false` series. Returns the problems; never raises. A
    failed ping is not tried again for the same bytes: it is a courtesy, apps and
    directories poll anyway. Hubs on private addresses are told only with
    `allow_private`, as for sources."""
    site = catalog.site
    if not site.hubs and not site.pings:
        return []
    unlisted = inventory.unlisted(catalog)
    listed = [relative for relative in candidates if relative not in unlisted]
    considered = feeds_not_considered(folder, base_url, listed, state.announced())
    if not considered:
        return []
    feed_urls = [url for url, (_, items) in sorted(considered.items()) if items]
    problems = ping_hubs(site.hubs, feed_urls, allow_private=allow_private)
    problems += ping_directories(site.pings, feed_urls, allow_private=allow_private)
    state.record_announced({url: digest for url, (digest, _) in considered.items()})
    return problems


def feeds_not_considered(
    folder: Path, base_url: str, candidates: Iterable[str], announced: dict[str, str]
) -> dict[str, tuple[str, int]]:
    """Public URL -> (digest, number of items) of each subscribable feed whose bytes are
    not the ones last considered."""
    found = {}
    for relative in sorted(set(candidates)):
        if not inventory.subscribable(relative):
            continue
        try:
            data = (folder / relative).read_bytes()
        except OSError:
            continue  # not in the folder (a feed check refused it the first time)
        url = urls.public_url(base_url, relative)
        digest = hashlib.sha256(data).hexdigest()
        if announced.get(url) != digest:
            from publisher.output.xmlsafe import feed_item_count  # lxml: only for news

            found[url] = (digest, feed_item_count(data) or 0)  # empty: not announced
    return found


def folder_feeds(folder: Path) -> list[str]:
    """Every subscribable feed published under `folder`, relative to it."""
    found = list(folder.glob("*.xml")) + list(folder.glob("*.atom")) + list(folder.glob("*/*.xml"))
    relatives = (path.relative_to(folder).as_posix() for path in found if path.is_file())
    return sorted(r for r in relatives if inventory.subscribable(r))
