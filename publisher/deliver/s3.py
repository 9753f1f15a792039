"""Publish the folder to S3-compatible storage: the only module that talks to boto3.

Listeners must never fetch a feed whose episodes are not there yet, so uploads run in
phases: content (media, images, transcripts, chapters, pages, css), then feeds, then the
OPML list. A failure stops before the next phase, which leaves the old feeds in place.
Objects whose bytes already match are skipped, so an unchanged folder makes no PUT.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from publisher import redaction
from publisher.deliver.folder import (
    Digests,
    list_local_files,
    referenced_suffixes,
    upload_phases,
)
from publisher.errors import ADVICE_BUILD_FIRST, ConfigurationError, ToolError
from publisher.output import contenttypes, inventory
from publisher.output.contenttypes import cache_control, content_type
from publisher.output.deliverable import deliverable_files

log = logging.getLogger(__name__)

DEFAULT_MULTIPART_THRESHOLD = 16 * 1024 * 1024
UPLOAD_WORKERS = 8
# Multipart ETags are not an MD5 of the bytes, so every object carries its own.
MD5_METADATA = "md5"
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_S3_ERRORS = (BotoCoreError, ClientError, S3UploadFailedError)

# Called as progress(action, relative path) with action upload, skip, delete or keep;
# "upload" comes from worker threads, as each upload starts.
Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class Destination:
    """Where the folder goes: a bucket and a key prefix without slashes at either end."""

    bucket: str
    prefix: str

    def key_for(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    @property
    def list_prefix(self) -> str:
        # "feeds/" and not "feeds", which would also match "feeds-old/…"
        return f"{self.prefix}/" if self.prefix else ""


@dataclass
class PublishReport:
    """What a publish did, each list in the order it happened."""

    uploaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # stale, but a feed still references it
    # not here, and never uploaded by this folder: another site's, a backup… left alone
    foreign: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RemoteObject:
    key: str
    etag: str  # without quotes
    size: int


def parse_destination(destination: str) -> Destination:
    """`s3://BUCKET/PREFIX` → Destination, or a one-line ConfigurationError."""
    scheme, sep, rest = destination.partition("://")
    if scheme != "s3" or not sep:
        raise ConfigurationError(
            f"{destination!r} is not an S3 destination", advice="use s3://BUCKET/PREFIX"
        )
    bucket, _, prefix = rest.partition("/")
    if not _BUCKET_NAME.fullmatch(bucket):
        raise ConfigurationError(
            f"{bucket!r} is not a valid S3 bucket name (3–63 of a-z, 0-9, '.', '-')"
        )
    prefix = prefix.strip("/")
    parts = prefix.split("/") if prefix else []
    if any(part in ("", ".", "..") for part in parts) or any(ord(c) < 32 for c in prefix):
        raise ConfigurationError(f"{prefix!r} is not a usable S3 key prefix")
    return Destination(bucket, prefix)


def publish_folder(
    folder: Path,
    destination: str,
    endpoint_url: str | None = None,
    delete: bool = False,
    progress: Progress | None = None,
    *,
    multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
    digests: dict[str, list] | None = None,
    manifest: set[str] | None = None,
) -> PublishReport:
    """Upload `folder` to `destination`: content first, feeds and OPML last.

    `digests` remembers, between runs, each file's MD5 by size and mtime and the ETag it
    matched: an unchanged folder of large media is then neither read nor asked about
    again. The caller keeps it (the CLI in the state database); it is updated in place.

    `manifest` is every file (relative to the prefix) this folder has put at this
    destination, updated in place too: `delete` removes only those, so objects the
    publisher never wrote (a backup, another site sharing the bucket) are never touched,
    whatever the prefix. Without one, nothing is known to be ours and nothing is deleted.

    Raises ConfigurationError for a bad destination or an empty folder, and ToolError
    (naming the file and the S3 error) when listing, an upload or a deletion fails; feeds
    are uploaded only after all content succeeded, and deletions happen last.
    """
    target = parse_destination(destination)
    local = list_local_files(folder)
    deliverable = {rel: path for rel, path in deliverable_files(folder).items() if rel in local}
    if not deliverable:
        raise ConfigurationError(f"nothing to publish: {folder} has no files", ADVICE_BUILD_FIRST)
    # Read the feeds before touching the bucket: an unreadable feed must not cost media.
    feeds = [folder / relative for relative in local if inventory.is_feed(relative)]
    protected = referenced_suffixes(feeds) if delete else set()
    notify = progress or (lambda action, relative: None)
    client = _make_client(endpoint_url)
    remote = list_remote_objects(client, target)
    report = PublishReport()
    known = Digests(digests if digests is not None else {})
    known.forget_all_but(local)
    ours = manifest if manifest is not None else set()
    ours &= set(remote) | set(local)  # what was removed by hand is nobody's any more
    try:
        changed = _changed_files(client, target, deliverable, remote, report, notify, known)
        config = TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_threshold
        )
        for phase in upload_phases(changed):
            phase_files = {rel: deliverable[rel] for rel in phase}
            _upload_phase(client, target, phase_files, config, report, notify, known)
        if delete:
            # media waiting out its grace period stays; anything else no longer
            # delivered goes (a cookies file an older version uploaded, say)
            waiting = {rel for rel in local if rel.startswith("media/") and "/." not in rel}
            gone = set(remote) - set(deliverable) - waiting
            report.foreign = sorted(gone - ours)
            _delete_stale(client, target, sorted(gone & ours), protected, report, notify)
    finally:  # whatever failed, what was put there is ours, and what was deleted is not
        ours |= set(report.uploaded) | set(report.skipped)
        ours -= set(report.deleted)
    return report


def allow_cross_origin(destination: str, endpoint_url: str | None = None) -> None:
    """Set the bucket's CORS rule: any origin may GET and HEAD, as `serve` allows.

    Web players on other sites can then read chapters and transcripts and seek in media.
    S3 keeps one CORS configuration per bucket, so this replaces any rule it had.
    """
    target = parse_destination(destination)
    rule = {
        "AllowedOrigins": list(contenttypes.CORS_ORIGINS),
        "AllowedMethods": list(contenttypes.CORS_METHODS),
        "AllowedHeaders": list(contenttypes.CORS_REQUEST_HEADERS),
        "ExposeHeaders": list(contenttypes.CORS_EXPOSED_HEADERS),
        "MaxAgeSeconds": contenttypes.CORS_MAX_AGE,
    }
    client = _make_client(endpoint_url)
    try:
        client.put_bucket_cors(Bucket=target.bucket, CORSConfiguration={"CORSRules": [rule]})
    except _S3_ERRORS as error:
        raise ToolError(
            f"S3: cannot set the CORS rule of {target.bucket}: {_one_line(error)}",
            advice="check that these credentials may change the bucket's CORS configuration",
        ) from None


def list_remote_objects(client, target: Destination) -> dict[str, RemoteObject]:
    """The objects under the prefix, by relative path: one paginated listing."""
    objects = {}
    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=target.bucket, Prefix=target.list_prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                relative = item["Key"][len(target.list_prefix) :]
                objects[relative] = RemoteObject(item["Key"], item["ETag"].strip('"'), item["Size"])
    except _S3_ERRORS as error:
        raise ToolError(
            f"S3: cannot list s3://{target.bucket}/{target.prefix}: {_one_line(error)}",
            advice=_advice_for(error),
        ) from None
    return objects


def _make_client(endpoint_url: str | None):
    s3_options = {}
    if endpoint_url:
        # S3-compatible servers (MinIO, Ceph, moto, IP endpoints) often lack bucket DNS names.
        s3_options["addressing_style"] = "path"
    config = Config(
        s3=s3_options,
        retries={"mode": "standard", "max_attempts": 5},
        max_pool_connections=UPLOAD_WORKERS * 2,
    )
    try:
        session = boto3.session.Session()
        _keep_out_of_logs(session)
        return session.client("s3", endpoint_url=endpoint_url, config=config)
    except _S3_ERRORS + (ValueError,) as error:
        raise ConfigurationError(f"S3: cannot make a client: {error}") from None


def _keep_out_of_logs(session) -> None:
    """The credentials the AWS chain found (environment, profile, instance role): never
    printed, not even by botocore's debug log under --verbose."""
    credentials = session.get_credentials()
    if credentials is not None:
        frozen = credentials.get_frozen_credentials()
        for value in (frozen.access_key, frozen.secret_key, frozen.token):
            redaction.remember_secret(value)


def _changed_files(client, target, local, remote, report, notify, known: Digests) -> list[str]:
    """The files whose remote copy is missing or differs; the rest are reported skipped."""

    def needs_upload(relative: str) -> bool:
        return not _matches(client, target, relative, local[relative], remote, known)

    with ThreadPoolExecutor(UPLOAD_WORKERS) as pool:
        verdicts = list(pool.map(needs_upload, local))
    changed = []
    for relative, upload in zip(local, verdicts, strict=True):
        if upload:
            changed.append(relative)
        else:
            report.skipped.append(relative)
            notify("skip", relative)
    return changed


def _matches(client, target, relative: str, path: Path, remote, known: Digests) -> bool:
    found = remote.get(relative)
    try:
        if found is None or found.size != path.stat().st_size:
            return False
        local_md5 = known.md5(relative, path)
    except OSError:  # vanished or unreadable: the upload will report it properly
        return False
    if found.etag in (local_md5, known.matched_etag(relative)):
        return True
    # Multipart (or KMS-encrypted) objects: the ETag is no MD5, our metadata is.
    try:
        head = client.head_object(Bucket=target.bucket, Key=found.key)
    except _S3_ERRORS as error:
        log.debug("S3: cannot read %s, uploading it again: %s", found.key, error)
        return False
    if head.get("Metadata", {}).get(MD5_METADATA) != local_md5:
        return False
    known.remember_etag(relative, found.etag)
    return True


def _upload_phase(client, target, files: dict[str, Path], config, report, notify, known) -> None:
    """Upload one phase in parallel; on the first failure, cancel the rest and raise."""
    with ThreadPoolExecutor(UPLOAD_WORKERS) as pool:
        futures = {
            pool.submit(_upload_one, client, target, rel, path, config, notify, known): rel
            for rel, path in files.items()
        }
        failure = None
        for future in as_completed(futures):
            if future.cancelled():
                continue
            try:
                future.result()
            except ToolError as error:
                failure = failure or error
                for pending in futures:
                    pending.cancel()
            else:
                report.uploaded.append(futures[future])
    if failure:
        raise failure


def _upload_one(client, target, relative: str, path: Path, config, notify, known) -> None:
    notify("upload", relative)
    try:
        extra = {
            "ContentType": content_type(relative),
            "CacheControl": cache_control(relative),
            "Metadata": {MD5_METADATA: known.md5(relative, path)},  # read once per change
        }
        client.upload_file(
            str(path), target.bucket, target.key_for(relative), ExtraArgs=extra, Config=config
        )
    except (OSError, *_S3_ERRORS) as error:
        raise ToolError(
            f"S3: upload of {relative} failed: {_one_line(error)}", advice=_advice_for(error)
        ) from None
    log.info("uploaded %s", relative)


def _delete_stale(client, target, stale: list[str], protected, report, notify) -> None:
    """Delete remote objects that are gone locally, except what a feed still references."""
    doomed = []
    for relative in stale:
        if relative in protected:
            report.kept.append(relative)
            notify("keep", relative)
        else:
            doomed.append(relative)
    for start in range(0, len(doomed), 1000):  # DeleteObjects takes at most 1,000 keys
        batch = doomed[start : start + 1000]
        request = {"Objects": [{"Key": target.key_for(rel)} for rel in batch], "Quiet": True}
        try:
            response = client.delete_objects(Bucket=target.bucket, Delete=request)
        except _S3_ERRORS as error:
            raise ToolError(
                f"S3: deleting stale objects failed: {_one_line(error)}",
                advice=_advice_for(error),
            ) from None
        if errors := response.get("Errors"):
            first = errors[0]
            raise ToolError(f"S3: cannot delete {first['Key']}: {first.get('Message', '')}")
        for relative in batch:
            report.deleted.append(relative)
            notify("delete", relative)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _advice_for(error: BaseException) -> str:
    """What to do about a failed S3 call, by the kind of failure botocore reports."""
    if isinstance(error, NoCredentialsError):
        return (
            "give S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile"
            " (AWS_PROFILE), or the machine's role"
        )
    code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else ""
    if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return "check that these credentials may list, write and delete in that bucket"
    if code == "NoSuchBucket":
        return "check the bucket's name, and --endpoint-url for a service other than AWS"
    return ToolError.advice
