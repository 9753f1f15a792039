"""Publishing to S3, against moto's S3 server on 127.0.0.1: real HTTP, no patched client."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from helpers.catalogs import ARTICLE, run_publisher, talk_entry
from helpers.moto import (
    moto_server,
    use_test_credentials,
)
from helpers.yaml_writer import DEFAULT_SERIES

from publisher.deliver.s3 import parse_destination, publish_folder
from publisher.errors import ConfigurationError, ToolError
from publisher.messages import describe
from publisher.output.contenttypes import IMMUTABLE_CACHE, SHORT_CACHE

THRESHOLD = 1024 * 1024  # small, so the test's "large" media goes multipart
BASE = "https://feeds.example.org/pod/"

PODCAST_FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel><title>Talks</title>
  <itunes:image href="{BASE}media/talks/cover.jpg"/>
  <item><title>One</title>
    <enclosure url="{BASE}media/talks/one.m4a" length="5" type="audio/mp4"/>
    <podcast:transcript url="{BASE}media/talks/one.vtt" type="text/vtt"/>
    <podcast:chapters url="{BASE}media/talks/one.json" type="application/json+chapters"/>
  </item>
</channel></rss>
"""
VIDEO_FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Talks (video)</title>
  <item><title>One</title>
    <enclosure url="{BASE}media/talks/one.mp4" length="2097152" type="video/mp4"/>
  </item>
</channel></rss>
"""


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[str]:
    """moto's S3 server, with its request recorder, for this module's tests."""
    with moto_server(tmp_path_factory.mktemp("moto") / "requests.jsonl") as url:
        yield url


@pytest.fixture(autouse=True)
def aws_env(monkeypatch, tmp_path):
    use_test_credentials(monkeypatch, tmp_path)


@pytest.fixture
def s3(endpoint):
    return boto3.client("s3", endpoint_url=endpoint)


@pytest.fixture
def bucket(s3) -> str:
    name = f"test-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def folder(tmp_path) -> Path:
    """A small published folder: two feeds, OPML, pages, media, one file over the threshold."""
    root = tmp_path / "feeds"
    files = {
        "index.html": b'<!doctype html><title>Home</title><link rel=stylesheet href="style.css">',
        "style.css": b"body { margin: 0 }",
        "feeds.opml": b'<?xml version="1.0"?><opml version="2.0"><body/></opml>',
        "talks/podcast.xml": PODCAST_FEED.encode(),
        "talks/video.xml": VIDEO_FEED.encode(),
        "talks/index.html": b"<!doctype html><title>Talks</title>",
        "media/talks/one.m4a": b"audio",
        "media/talks/one.vtt": b"WEBVTT\n",
        "media/talks/one.json": b'{"version": "1.2.0", "chapters": []}',
        "media/talks/cover.jpg": b"\xff\xd8\xff jpeg",
        "media/talks/one.mp4": os.urandom(2 * THRESHOLD),
        "talks/.tmp-abc.xml": b"half-written",
    }
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return root


def publish(folder, bucket, endpoint, prefix="site", **options):
    return publish_folder(
        folder, f"s3://{bucket}/{prefix}", endpoint, multipart_threshold=THRESHOLD, **options
    )


@contextlib.contextmanager
def recorded_writes(endpoint: str, bucket: str, methods=("PUT", "POST", "DELETE")):
    """The (method, key) of every PUT, POST and DELETE (or `methods`) the S3 server
    received, in order.

    Read from moto's own request recorder, so it sees the requests as they arrived.
    """
    writes: list[tuple[str, str]] = []
    for step in ("reset-recording", "start-recording"):
        requests.post(f"{endpoint}/moto-api/recorder/{step}", timeout=5).raise_for_status()
    yield writes
    requests.post(f"{endpoint}/moto-api/recorder/stop-recording", timeout=5).raise_for_status()
    log = requests.get(f"{endpoint}/moto-api/recorder/download-recording", timeout=5).text
    for line in log.splitlines():
        entry = json.loads(line)
        path = unquote(urlsplit(entry["url"]).path)
        if entry["method"] in methods and path.startswith(f"/{bucket}/"):
            writes.append((entry["method"], path.removeprefix(f"/{bucket}/")))


def remote_keys(s3, bucket) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def test_uploads_every_file_with_its_type_and_cache_policy(s3, bucket, endpoint, folder):
    report = publish(folder, bucket, endpoint)

    assert len(report.uploaded) == 11 and report.skipped == [] and report.deleted == []
    assert remote_keys(s3, bucket) == {f"site/{relative}" for relative in report.uploaded}
    expected = {
        "talks/podcast.xml": ("application/rss+xml; charset=utf-8", SHORT_CACHE),
        "feeds.opml": ("text/x-opml; charset=utf-8", SHORT_CACHE),
        "index.html": ("text/html; charset=utf-8", SHORT_CACHE),
        "style.css": ("text/css; charset=utf-8", SHORT_CACHE),
        "media/talks/one.m4a": ("audio/mp4", IMMUTABLE_CACHE),
        "media/talks/one.mp4": ("video/mp4", IMMUTABLE_CACHE),
        "media/talks/cover.jpg": ("image/jpeg", IMMUTABLE_CACHE),
        "media/talks/one.vtt": ("text/vtt; charset=utf-8", SHORT_CACHE),
        "media/talks/one.json": ("application/json; charset=utf-8", SHORT_CACHE),
    }
    for relative, (content_type, cache) in expected.items():
        head = s3.head_object(Bucket=bucket, Key=f"site/{relative}")
        assert (head["ContentType"], head["CacheControl"]) == (content_type, cache), relative


def test_large_media_goes_multipart_and_keeps_its_md5(s3, bucket, endpoint, folder):
    publish(folder, bucket, endpoint)

    head = s3.head_object(Bucket=bucket, Key="site/media/talks/one.mp4")
    assert "-" in head["ETag"]  # a multipart ETag, not an MD5
    assert len(head["Metadata"]["md5"]) == 32
    body = s3.get_object(Bucket=bucket, Key="site/media/talks/one.mp4")["Body"].read()
    assert body == (folder / "media/talks/one.mp4").read_bytes()


def test_content_first_then_feeds_then_opml(bucket, endpoint, folder):
    # The recorder logs request bodies; a big parallel one could interleave its lines.
    (folder / "media/talks/one.mp4").unlink()
    started = []
    with recorded_writes(endpoint, bucket) as writes:
        report = publish(folder, bucket, endpoint, progress=lambda _, rel: started.append(rel))

    arrived = [key.removeprefix("site/") for method, key in writes if method == "PUT"]
    assert sorted(arrived) == sorted(report.uploaded) and len(arrived) == 10
    for order in (arrived, report.uploaded, started):
        kinds = [
            "opml" if r.endswith(".opml") else "feed" if r.endswith(".xml") else "content"
            for r in order
        ]
        assert kinds == sorted(kinds, key=["content", "feed", "opml"].index), order


def test_unchanged_folder_uploads_nothing(s3, bucket, endpoint, folder):
    publish(folder, bucket, endpoint)
    before = {
        k: s3.head_object(Bucket=bucket, Key=k)["LastModified"] for k in remote_keys(s3, bucket)
    }

    with recorded_writes(endpoint, bucket) as writes:
        again = publish(folder, bucket, endpoint)

    assert writes == []
    assert again.uploaded == [] and len(again.skipped) == 11
    after = {
        k: s3.head_object(Bucket=bucket, Key=k)["LastModified"] for k in remote_keys(s3, bucket)
    }
    assert after == before


def test_changed_files_are_uploaded_again(s3, bucket, endpoint, folder):
    publish(folder, bucket, endpoint)
    (folder / "index.html").write_bytes(b"<!doctype html><title>New home</title>")
    (folder / "media/talks/one.mp4").write_bytes(os.urandom(2 * THRESHOLD))  # same size

    report = publish(folder, bucket, endpoint)

    assert sorted(report.uploaded) == ["index.html", "media/talks/one.mp4"]
    body = s3.get_object(Bucket=bucket, Key="site/index.html")["Body"].read()
    assert body == b"<!doctype html><title>New home</title>"


def test_delete_removes_stale_objects_but_keeps_referenced_media(s3, bucket, endpoint, folder):
    manifest: set[str] = set()
    (folder / "media/talks/gone.m4a").write_bytes(b"old")
    (folder / "old/podcast.xml").parent.mkdir()
    gone = f'<item><enclosure url="{BASE}media/talks/gone.m4a"/></item>'
    (folder / "old/podcast.xml").write_text(f"<rss><channel>{gone}</channel></rss>")
    publish(folder, bucket, endpoint, manifest=manifest)  # published once, then removed
    for relative in ("media/talks/gone.m4a", "old/podcast.xml", "media/talks/one.m4a"):
        (folder / relative).unlink()  # one.m4a: gone locally, but podcast.xml still links it
    s3.put_object(Bucket=bucket, Key="site/media/talks/not-ours.m4a", Body=b"someone's")
    s3.put_object(Bucket=bucket, Key="site-other/keep.txt", Body=b"not ours")
    s3.put_object(Bucket=bucket, Key="elsewhere.txt", Body=b"not ours")

    without_delete = publish(folder, bucket, endpoint, manifest=manifest)
    assert without_delete.deleted == [] and "site/old/podcast.xml" in remote_keys(s3, bucket)

    report = publish(folder, bucket, endpoint, delete=True, manifest=manifest)

    assert report.deleted == ["media/talks/gone.m4a", "old/podcast.xml"]
    assert report.kept == ["media/talks/one.m4a"]
    assert report.foreign == ["media/talks/not-ours.m4a"]
    keys = remote_keys(s3, bucket)
    assert {"site/media/talks/one.m4a", "site-other/keep.txt", "elsewhere.txt"} <= keys
    assert "site/media/talks/not-ours.m4a" in keys
    assert not {"site/media/talks/gone.m4a", "site/old/podcast.xml"} & keys
    assert "old/podcast.xml" not in manifest and "index.html" in manifest


def test_delete_without_a_prefix_never_touches_what_the_publisher_did_not_write(
    s3, bucket, endpoint, write_catalog
):
    """A bucket shared with a backup and another site: `publish s3://BUCKET --delete`."""
    others = {"backups/2024-01-01.tar.gz": b"backup", "blog/index.html": b"<p>blog</p>"}
    for key, body in {**others, "index.html.bak": b"old"}.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    two_series = {"talks": dict(DEFAULT_SERIES), "extra": dict(DEFAULT_SERIES)}
    catalog = write_catalog(entries=[ARTICLE], series=two_series)
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    target = ["publish", f"s3://{bucket}", "--endpoint-url", endpoint, "--delete"]
    first = run_publisher(*target, cwd=catalog.parent)
    assert first.exit_code == 0, first.stderr
    assert first.stdout.strip().endswith(", 0 deleted")
    assert "3 remote files were not uploaded by this folder and were left alone" in first.stderr
    # The catalog drops a series: its feed and page go, and only they.
    write_catalog(entries=[ARTICLE])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    page_before = {k for k in remote_keys(s3, bucket) if k.startswith("extra/")}
    second = run_publisher(*target, cwd=catalog.parent)
    assert second.exit_code == 0, second.stderr
    keys = remote_keys(s3, bucket)
    assert set(others) | {"index.html.bak"} <= keys
    assert page_before and not page_before & keys, "what the publisher wrote and dropped goes"
    assert f"{len(page_before)} deleted" in second.stdout


def test_failed_upload_leaves_the_old_feed_and_raises(s3, bucket, endpoint, folder):
    publish(folder, bucket, endpoint)
    old_feed = (folder / "talks/podcast.xml").read_bytes()
    new_feed = PODCAST_FEED.replace("One", "Two").replace("one.m4a", "two.m4a")
    (folder / "talks/podcast.xml").write_text(new_feed)
    (folder / "media/talks/two.m4a").write_bytes(b"new audio")

    def vanish_media(action, relative):  # the file disappears as its upload starts
        if action == "upload" and relative == "media/talks/two.m4a":
            (folder / relative).unlink()

    with pytest.raises(ToolError, match=r"media/talks/two\.m4a"):
        publish(folder, bucket, endpoint, progress=vanish_media)

    assert s3.get_object(Bucket=bucket, Key="site/talks/podcast.xml")["Body"].read() == old_feed


def test_missing_bucket_is_a_tool_error(endpoint, folder):
    with pytest.raises(ToolError, match="no-such-bucket") as missing:
        publish(folder, "no-such-bucket", endpoint)
    assert missing.value.advice == (
        "check the bucket's name, and --endpoint-url for a service other than AWS"
    )


def test_no_credentials_says_how_to_give_them(bucket, endpoint, folder, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no machine role to ask here
    with pytest.raises(ToolError) as refused:
        publish(folder, bucket, endpoint)
    assert describe(refused.value) == (
        f"S3: cannot list s3://{bucket}/site: Unable to locate credentials — give S3"
        " credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE),"
        " or the machine's role"
    )


def test_empty_folder_is_refused_before_anything_is_deleted(bucket, endpoint, tmp_path):
    with pytest.raises(ConfigurationError, match="nothing to publish"):
        publish(tmp_path, bucket, endpoint, delete=True)


def test_publishes_at_the_bucket_root_without_prefix(s3, bucket, endpoint, folder):
    publish_folder(folder, f"s3://{bucket}", endpoint, multipart_threshold=THRESHOLD)
    assert "talks/podcast.xml" in remote_keys(s3, bucket)


@pytest.mark.parametrize(
    ("destination", "bucket", "prefix"),
    [
        ("s3://b-1/feeds/", "b-1", "feeds"),
        ("s3://my.bucket", "my.bucket", ""),
        ("s3://abc/a/b", "abc", "a/b"),
    ],
)
def test_destination_is_parsed(destination, bucket, prefix):
    target = parse_destination(destination)
    assert (target.bucket, target.prefix) == (bucket, prefix)


@pytest.mark.parametrize(
    "destination",
    [
        "feeds",
        "https://b/x",
        "s3://",
        "s3://Bad_Bucket/x",
        "s3://ab/x",
        "s3://abc/a/../b",
        "s3://abc/a//b",
    ],
)
def test_bad_destination_is_a_configuration_error(destination):
    with pytest.raises(ConfigurationError) as caught:
        parse_destination(destination)
    assert "\n" not in str(caught.value)


def test_the_publish_command_uploads_a_built_folder(s3, bucket, endpoint, write_catalog):
    catalog = write_catalog(entries=[ARTICLE])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    target = f"s3://{bucket}/site"
    result = run_publisher("publish", target, "--endpoint-url", endpoint, cwd=catalog.parent)
    assert result.exit_code == 0, result.stderr
    published = sorted(
        str(p.relative_to(catalog.parent / "feeds"))
        for p in (catalog.parent / "feeds").rglob("*")
        if p.is_file()
    )
    assert remote_keys(s3, bucket) == {f"site/{relative}" for relative in published}
    assert result.stdout.strip() == f"publish: {len(published)} uploaded, 0 unchanged, 0 deleted"
    again = run_publisher("publish", target, "--endpoint-url", endpoint, cwd=catalog.parent)
    assert again.stdout.strip() == f"publish: 0 uploaded, {len(published)} unchanged, 0 deleted"


def test_the_publish_command_refuses_a_bad_destination(write_catalog):
    catalog = write_catalog(entries=[])
    result = run_publisher("publish", "http://not-s3/", cwd=catalog.parent)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr


def test_an_unchanged_folder_is_not_read_again_when_digests_are_remembered(
    s3, bucket, endpoint, folder, monkeypatch
):
    digests: dict[str, list] = {}
    publish(folder, bucket, endpoint, digests=digests)
    publish(folder, bucket, endpoint, digests=digests)  # learns the multipart ETags
    reads = []
    with monkeypatch.context() as patch:
        patch.setattr("publisher.deliver.folder.file_md5", lambda path: reads.append(path) or "")
        with recorded_writes(endpoint, bucket, ("PUT", "POST", "DELETE", "HEAD")) as made:
            report = publish(folder, bucket, endpoint, digests=digests)
    assert report.uploaded == [] and reads == [] and made == []
    (folder / "index.html").write_text("<p>changed</p>")
    report = publish(folder, bucket, endpoint, digests=digests)
    assert report.uploaded == ["index.html"]
    (folder / "index.html").unlink()
    publish(folder, bucket, endpoint, digests=digests)
    assert "index.html" not in digests, "nothing is remembered of a file that is gone"


def test_publish_cors_lets_web_players_on_any_site_read_the_bucket(
    s3, bucket, endpoint, write_catalog
):
    catalog = write_catalog(entries=[ARTICLE])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    target = f"s3://{bucket}/site"
    plain = run_publisher("publish", target, "--endpoint-url", endpoint, cwd=catalog.parent)
    assert plain.exit_code == 0, plain.stderr
    with pytest.raises(ClientError):  # no rule unless asked for
        s3.get_bucket_cors(Bucket=bucket)
    result = run_publisher(
        "publish", target, "--endpoint-url", endpoint, "--cors", cwd=catalog.parent
    )
    assert result.exit_code == 0, result.stderr
    [rule] = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rule["AllowedOrigins"] == ["*"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD"]
    assert "Range" in rule["AllowedHeaders"]
    preflight = requests.options(
        f"{endpoint}/{bucket}/site/articles.xml",
        headers={"Origin": "https://player.example", "Access-Control-Request-Method": "GET"},
        timeout=5,
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") in ("*", "https://player.example")


README = Path(__file__).resolve().parent.parent / "README.md"


def readme_block(language: str) -> str:
    [block] = re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    return block


@pytest.fixture
def publisher_on_path(tmp_path) -> dict[str, str]:
    """An environment whose PATH has a `publisher` that is this checkout's (as installed)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "publisher"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m publisher "$@"\n')
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


@pytest.fixture
def partial_catalog(write_catalog, media_files, endpoint, s3):
    """A catalog where one talk publishes and one fails (a private address): exit 3, the
    normal state of a catalog with new talks. The README's bucket is `feeds`."""
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket="feeds")
    catalog = write_catalog(
        entries=[
            talk_entry("local", str(media_files["talk.m4a"])),
            talk_entry("refused", "http://127.0.0.1:9/talk.m4a"),
            ARTICLE,
        ]
    )
    return catalog


def test_the_readme_cron_line_publishes_after_a_partial_build(
    partial_catalog, endpoint, s3, publisher_on_path
):
    [line] = [row for row in readme_block("cron").splitlines() if row.strip()]
    command = line.split(None, 5)[5]  # after the five schedule fields
    assert command.startswith("cd /srv/podcasts && ")
    command = command.replace("cd /srv/podcasts", f"cd {partial_catalog.parent}", 1)
    env = {**publisher_on_path, "AWS_ENDPOINT_URL": endpoint}
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True)
    assert done.returncode == 3, done.stderr  # a talk failed; cron mails stderr
    assert "refused:" in done.stderr
    keys = {key for key in remote_keys(s3, "feeds") if key.startswith("podcasts/")}
    assert {"podcasts/talks/podcast.xml", "podcasts/articles.xml"} <= keys
    feed = s3.get_object(Bucket="feeds", Key="podcasts/talks/podcast.xml")["Body"].read()
    assert b"Talk local" in feed and b"Talk refused" not in feed
    assert any(key.startswith("podcasts/media/talks/local") for key in keys)


def test_the_readme_systemd_unit_counts_a_partial_build_as_success(
    partial_catalog, endpoint, s3, publisher_on_path
):
    unit = readme_block("ini")
    [command] = re.findall(r"^ExecStart=(.*)$", unit, re.M)
    [statuses] = re.findall(r"^SuccessExitStatus=(.*)$", unit, re.M)
    argv = command.split()
    assert argv[0] == "/usr/local/bin/publisher"
    env = {**publisher_on_path, "AWS_ENDPOINT_URL": endpoint}
    done = subprocess.run(
        ["publisher", *argv[1:]], cwd=partial_catalog.parent, env=env, capture_output=True
    )
    assert done.returncode in {0, *map(int, statuses.split())}
    assert "podcasts/talks/podcast.xml" in remote_keys(s3, "feeds")
