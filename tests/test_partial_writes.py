"""The exit code and the message say what happened to the published folder: a read-only
state is said before anything is written (exit 1 is then true), and a disk that fills
up part way says which files were published (exit 3) and names the published file it
was writing, not the work file it copied from. Real mounts: tests run as root."""

from __future__ import annotations

import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.moto import aws_test_environment, moto_server
from helpers.yaml_writer import DEFAULT_SERIES
from test_recovery import fill, mounted


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@contextmanager
def read_only_file(path: Path):
    """`path` itself read-only (its folder stays writable): a bind mount of the file."""
    subprocess.run(["mount", "--bind", str(path), str(path)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(path)], check=True)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


@pytest.mark.parametrize("offline", [False, True])
def test_a_read_only_state_file_is_said_before_any_feed_is_written(
    write_catalog, media_files, offline
):
    source = str(media_files["talk.m4a"])
    catalog = write_catalog([talk_entry("one", source)])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    feeds = catalog.parent / "feeds"
    before = snapshot(feeds)
    write_catalog([talk_entry("one", source, title="Renamed")])  # only the feeds change
    with read_only_file(catalog.parent / ".publisher" / "state.db"):
        done = run_publisher("build", *(["--offline"] if offline else []), cwd=catalog.parent)
    assert done.exit_code == 1, done.stderr
    assert "Traceback" not in done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert "read-only" in line
    assert snapshot(feeds) == before  # exit 1: nothing was written, and that is true


def test_publish_with_a_read_only_state_uploads_nothing(write_catalog, media_files, tmp_path):
    catalog = write_catalog([talk_entry("one", str(media_files["talk.m4a"]))])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    env = aws_test_environment(tmp_path)
    with moto_server() as endpoint:
        s3 = boto3.client("s3", endpoint_url=endpoint, **_keys(env))
        bucket = f"ro-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(Bucket=bucket)
        with read_only_file(catalog.parent / ".publisher" / "state.db"):
            done = run_publisher(
                "publish", f"s3://{bucket}/site", "--endpoint-url", endpoint,
                cwd=catalog.parent, env=env,
            )  # fmt: skip
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert done.exit_code == 1, done.stderr
    assert "read-only" in done.stderr


def _keys(env: dict[str, str]) -> dict[str, str]:
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "region_name": env["AWS_DEFAULT_REGION"],
    }


def two_series(source: str, b_summary: str = "Short.", a_title: str = "A") -> tuple:
    series = {"a": dict(DEFAULT_SERIES), "b": dict(DEFAULT_SERIES)}
    entries = [
        talk_entry("a-one", source, series="a", title=a_title),
        talk_entry("b-one", source, series="b", summary=b_summary),
    ]
    return entries, series


def test_a_disk_that_fills_up_part_way_says_what_was_published(write_catalog, media_files):
    """Series a's feed fits, series b's grows past the room left: a's is published, the
    run exits 3 and says so, naming the published file it could not write."""
    source = str(media_files["talk.m4a"])
    catalog = write_catalog(*two_series(source))
    out = catalog.parent / "feeds"
    with mounted(out, "-t", "tmpfs", "-o", "size=2m", "tmpfs"):
        assert run_publisher("build", cwd=catalog.parent).exit_code == 0
        fill(out, leave=16 * 1024)
        write_catalog(*two_series(source, b_summary="long words " * 6000, a_title="A, renamed"))
        done = run_publisher("build", cwd=catalog.parent)
        a_feed = (out / "a" / "podcast.xml").read_text()
        (out / "filler").unlink()
    assert "Traceback" not in done.stderr
    assert done.exit_code == 3, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert "the disk is full (writing " in line and str(out) in line, line
    assert ".publisher" not in line
    assert "published whole before it (a/podcast.xml" in line, line
    assert "every other one kept its last version" in line
    assert "A, renamed" in a_feed


def test_a_full_disk_before_anything_is_written_exits_1(write_catalog, media_files):
    source = str(media_files["talk.m4a"])
    catalog = write_catalog(*two_series(source))
    out = catalog.parent / "feeds"
    with mounted(out, "-t", "tmpfs", "-o", "size=2m", "tmpfs"):
        assert run_publisher("build", cwd=catalog.parent).exit_code == 0
        before = snapshot(out)
        fill(out)
        write_catalog(*two_series(source, a_title="A, renamed"))
        done = run_publisher("build", cwd=catalog.parent)
        (out / "filler").unlink()
        after = snapshot(out)
    assert done.exit_code == 1, done.stderr
    assert "the disk is full (writing " in done.stderr and str(out) in done.stderr
    assert after == before


def test_a_full_published_disk_names_the_published_file_not_the_work_file(
    write_catalog, media_server
):
    """The media is made on the state's disk and copied to the published one: the copy
    fails, and the message names where it was going."""
    first = talk_entry("one", media_server.url("/media/talk.m4a"))
    catalog = write_catalog([first])
    out = catalog.parent / "feeds"
    with mounted(out, "-t", "tmpfs", "-o", "size=1m", "tmpfs"):
        assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
        fill(out, leave=64 * 1024)  # room for feeds and pages, not for an episode
        second = talk_entry("two", media_server.url("/media/talk.webm"), published="2017-07-21")
        write_catalog([first, second])
        done = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    [line] = [line for line in done.stderr.splitlines() if "two:" in line]
    assert f"the disk is full (writing {out}/media/talks/two" in line, line
    assert ".publisher" not in line
