"""`publisher publish` as a library call: upload the published folder, then tell the hubs
and directories about the feeds it made live (`deliver.notify`).

Under the run lock (a build never changes the folder mid-upload), with what the state
remembers of this destination: each file's digests, so unchanged media is neither read
nor asked about again, and the manifest of what this folder put there, which is all that
`--delete` may remove.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from publisher.catalog.load import load_catalog
from publisher.deliver.notify import announce_live_feeds, folder_feeds
from publisher.deliver.s3 import Progress, PublishReport, allow_cross_origin, publish_folder
from publisher.errors import ConfigurationError
from publisher.output.deliverable import refuse_secret_holding_output
from publisher.output.lock import RunLock
from publisher.state import State, folder_key, opened_state, state_path_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """Where and how to publish: `publisher publish`'s and `build --publish`'s options."""

    destination: str
    endpoint_url: str | None = None
    delete: bool = False
    cors: bool = False  # also set the bucket's CORS rule, so web players may read it


def publish(
    catalog_path: Path,
    out: Path,
    upload: Upload,
    progress: Progress | None = None,
    allow_private: bool = False,
) -> PublishReport:
    """Upload `out` to the destination (content first, feeds last) and ping the hubs
    (on a private address only with `allow_private`, as for sources)."""
    catalog = load_catalog(catalog_path)
    site = catalog.site
    cookies = catalog.root / site.fetch.cookies if site.fetch.cookies else None
    refuse_secret_holding_output(out, catalog_path, state_path_for(catalog_path).parent, cookies)
    refuse_a_preview(out, site.base_url)
    state_path = state_path_for(catalog_path)
    with (
        RunLock(state_path.parent),
        opened_state(state_path, folder_key(catalog_path, out)) as state,
    ):
        state.require_writable()  # it records what it uploads: read-only is said first
        report = _publish_remembering(state, out, upload, progress)
        if report.foreign:
            log.info(
                "%d remote files were not uploaded by this folder and were left alone",
                len(report.foreign),
            )
        if upload.cors:
            allow_cross_origin(upload.destination, upload.endpoint_url)
        # live now: every feed not yet announced as it is (each logs its own problems)
        announce_live_feeds(catalog, site.base_url, out, folder_feeds(out), state, allow_private)
    return report


def refuse_a_preview(out: Path, base_url: str) -> None:
    """A folder built for another address (the README's phone recipe builds into feeds/
    for http://192.168.1.20:8000/) is a preview: uploaded, it would put that address in
    every subscriber's app, and the directories would be told of it."""
    from publisher.deliver.serve import built_for

    built = built_for(out)
    if built is not None and built != base_url:
        raise ConfigurationError(
            f"{out}/ was built for {built}, not for the catalog's base_url {base_url}"
            " (a preview): run `publisher build` without --base-url, then publish"
        )


def _publish_remembering(
    state: State, out: Path, upload: Upload, progress: Progress | None
) -> PublishReport:
    digests = state.upload_digests(upload.destination)
    # per folder: two folders published to one place each delete only their own files
    manifest = state.upload_manifest(upload.destination)
    try:
        return publish_folder(
            out,
            upload.destination,
            endpoint_url=upload.endpoint_url,
            delete=upload.delete,
            progress=progress,
            digests=digests,
            manifest=manifest,
        )
    finally:  # what was read and what was put there is true whatever the upload did
        state.save_upload_digests(upload.destination, digests)
        state.save_upload_manifest(upload.destination, manifest)
