"""The published folder never gives away the catalog, its state or the cookies file:
an output folder holding them is refused, and `publish` and `serve` deliver only what
the feeds and pages name (tested with moto's S3 server and `serve` on 127.0.0.1)."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import boto3
import pytest
from helpers.catalogs import ARTICLE, run_publisher, talk_entry
from helpers.moto import (
    moto_server,
    use_test_credentials,
)

from publisher.deliver.serve import make_server_for

COOKIES = "# Netscape HTTP Cookie File\n.youtube.com\tTRUE\t/\tTRUE\t0\tSID\tsecret-session\n"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with moto_server() as url:
        yield url


@pytest.fixture(autouse=True)
def aws_env(monkeypatch, tmp_path):
    use_test_credentials(monkeypatch, tmp_path)


def with_cookies(write_catalog, folder: Path, entries=()) -> Path:
    """A catalog naming a cookies file beside it (or in `folder`, relative to it)."""
    catalog = write_catalog(entries=[ARTICLE, *entries], site={"fetch": {"cookies": "c/y.txt"}})
    cookies = catalog.parent / "c" / "y.txt"
    cookies.parent.mkdir(exist_ok=True)
    cookies.write_text(COOKIES)
    cookies.chmod(0o600)
    return catalog


@pytest.mark.parametrize(
    ("out", "named"),
    [
        (".", "the catalog"),  # build --out .
        ("..", "the state"),  # a folder above the catalog
        ("c", "the cookies file (site.fetch.cookies)"),  # the folder the cookies are in
        (".publisher", "the state"),
    ],
)
def test_an_output_folder_holding_secrets_is_refused(write_catalog, out, named):
    catalog = with_cookies(write_catalog, Path("."))
    for command in (("build", "--offline", "--out", out), ("publish", "s3://b/p", "--out", out)):
        done = run_publisher(*command, cwd=catalog.parent)
        assert done.exit_code == 1, (command, done.stderr)
        assert f"--out {out} holds" in done.stderr and named in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert not (catalog.parent / "index.html").exists()
    assert not (catalog.parent / "feeds.opml").exists()


def test_a_catalog_kept_inside_a_web_root_is_refused(tmp_path, write_catalog):
    catalog = write_catalog(entries=[ARTICLE])
    webroot = tmp_path.parent / f"www-{uuid.uuid4().hex[:8]}"
    project = webroot / "podcasts"
    shutil.copytree(catalog.parent, project)
    try:
        done = run_publisher("build", "--offline", "--out", str(webroot), cwd=project)
        assert done.exit_code == 1, done.stderr
        assert f"--out {webroot} holds" in done.stderr and "the catalog" in done.stderr
        assert not (webroot / "index.html").exists()
    finally:
        shutil.rmtree(webroot)


def planted(folder: Path) -> dict[str, bytes]:
    """Files lying in a published folder that no feed or page names."""
    files = {
        "youtube-cookies.txt": COOKIES.encode(),
        "media_catalog.yaml": b"site: {}",
        ".publisher/state.db": b"SQLite format 3\x00",
        ".env": b"AWS_SECRET_ACCESS_KEY=x",
        "notes.txt": b"private notes",
        "media/talks/unnamed.m4a": b"not in any feed",
        "talks/.git/config": b"[core]",
        "backup/index.html.bak": b"old",
    }
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    return files


def test_publish_uploads_only_what_the_feeds_and_pages_name(write_catalog, media_files, endpoint):
    catalog = write_catalog(entries=[ARTICLE, talk_entry("one", str(media_files["talk.m4a"]))])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    feeds = catalog.parent / "feeds"
    built = {p.relative_to(feeds).as_posix() for p in feeds.rglob("*") if p.is_file()}
    planted(feeds)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    bucket = f"t-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    done = run_publisher(
        "publish", f"s3://{bucket}/site", "--endpoint-url", endpoint, cwd=catalog.parent
    )
    assert done.exit_code == 0, done.stderr
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys == {f"site/{relative}" for relative in built}
    assert any(key.endswith(".m4a") for key in keys)


@pytest.fixture
def served_folder(write_catalog, media_files):
    catalog = write_catalog(entries=[ARTICLE, talk_entry("one", str(media_files["talk.m4a"]))])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    folder = catalog.parent / "feeds"
    planted(folder)
    server = make_server_for(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, server.port
    server.shutdown()
    server.server_close()


def status_of(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    status = connection.getresponse().status
    connection.close()
    return status


def test_serve_gives_only_what_the_feeds_and_pages_name(served_folder):
    folder, port = served_folder
    for relative in planted(folder):
        assert status_of(port, "/" + relative) == 404, relative
    for path in folder.rglob("*"):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative not in planted(folder):
            assert status_of(port, "/" + relative) == 200, relative


def test_the_catalog_folder_mounted_as_the_web_root_is_refused(tmp_path, write_catalog):
    """The project folder bind-mounted as the web root (two volumes of one folder, as a
    container setup may do): the same folder by another path, which names do not show.
    The mount is made in a user and mount namespace of the test's own."""
    catalog = with_cookies(write_catalog, Path("."))
    webroot = tmp_path.parent / f"www-{uuid.uuid4().hex[:8]}"
    webroot.mkdir()
    try:
        for command in ("build --offline", "publish s3://b/p"):
            script = (
                f'mount --bind "{catalog.parent}" "{webroot}"'
                f' && exec "{sys.executable}" -m publisher {command} --out "{webroot}"'
            )
            done = subprocess.run(
                ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                cwd=catalog.parent,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 1, (command, done.stdout, done.stderr)
            assert f"--out {webroot} holds" in done.stderr, done.stderr
            for named in ("the catalog", "the state", "the cookies file"):
                assert named in done.stderr
        assert not (catalog.parent / "index.html").exists()
    finally:
        webroot.rmdir()
