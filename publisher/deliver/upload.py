"""`publisher publish` as a library call: upload the published folder, then tell the hubs
and directories.

Under the run lock (a build never changes the folder mid-upload), with what the state
remembers of this destination: each file's digests, so unchanged media is neither read
nor asked about again, and the manifest of what this folder put there, which is all that
`--delete` may remove.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from publisher.catalog.load import load_catalog
from publisher.deliver.pings import ping_directories
from publisher.deliver.s3 import Progress, PublishReport, allow_cross_origin, publish_folder
from publisher.deliver.websub import feed_urls_to_ping, ping_hubs
from publisher.output.lock import RunLock
from publisher.state import State, folder_key, state_path_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """Where and how to publish: `publisher publish`'s and `build --publish`'s options."""

    destination: str
    endpoint_url: str | None = None
    delete: bool = False
    cors: bool = False  # also set the bucket's CORS rule, so web players may read it


def publish(
    catalog_path: Path, out: Path, upload: Upload, progress: Progress | None = None
) -> PublishReport:
    """Upload `out` to the destination (content first, feeds last) and ping the hubs."""
    site = load_catalog(catalog_path).site
    state_path = state_path_for(catalog_path)
    with RunLock(state_path.parent):
        state = State(state_path, folder_key(catalog_path, out))
        try:
            report = _publish_remembering(state, out, upload, progress)
        finally:
            state.close()
    if report.foreign:
        log.info(
            "%d remote files were not uploaded by this folder and were left alone",
            len(report.foreign),
        )
    if upload.cors:
        allow_cross_origin(upload.destination, upload.endpoint_url)
    changed = feed_urls_to_ping(site.base_url, report.uploaded)
    ping_hubs(site.hubs, changed)  # each logs its own problems; never fatal
    ping_directories(site.pings, changed)
    return report


def _publish_remembering(
    state: State, out: Path, upload: Upload, progress: Progress | None
) -> PublishReport:
    digests_key = f"s3-digests:{upload.destination}"
    # per folder: two folders published to one place each delete only their own files
    manifest_key = f"s3-manifest:{state.folder}:{upload.destination}"
    digests = json.loads(state.meta(digests_key) or "{}")
    manifest = set(json.loads(state.meta(manifest_key) or "[]"))
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
        _remember(state, digests_key, json.dumps(digests, sort_keys=True))
        _remember(state, manifest_key, json.dumps(sorted(manifest)))


def _remember(state: State, key: str, value: str) -> None:
    if state.meta(key) != value:  # an unchanged publish leaves the state file alone
        state.set_meta(key, value)
