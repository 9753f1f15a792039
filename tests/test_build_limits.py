"""What validate and the environment let through, build can do: the largest episode
number tags hold builds, a state from a newer publisher and a SOURCE_DATE_EPOCH that is
no time are refused before anything is written, and `lastBuildDate` never precedes the
items it announces."""

from __future__ import annotations

import email.utils
import hashlib
import sqlite3
from pathlib import Path

import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.yaml_writer import DEFAULT_SERIES
from lxml import etree


def digests(folder: Path) -> dict[str, str]:
    """Every file under `folder` (but the lock), path -> SHA-256."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "lock"
    }


def test_the_largest_episode_number_validate_allows_is_tagged(write_catalog, media_files):
    series = {"talks": {**DEFAULT_SERIES, "type": "serial"}}
    entry = talk_entry("last", str(media_files["talk.m4a"]), episode=65535, season=65535)
    catalog = write_catalog([entry], series=series)
    done = run_publisher("build", cwd=catalog.parent)
    assert done.exit_code == 0, done.stderr
    feed = etree.parse(str(catalog.parent / "feeds/talks/podcast.xml"))
    assert feed.findtext(".//{http://www.itunes.com/dtds/podcast-1.0.dtd}episode") == "65535"


@pytest.mark.parametrize("version", [99, 1000])
def test_a_state_from_a_newer_publisher_is_refused_untouched(write_catalog, media_files, version):
    catalog = write_catalog([talk_entry("one", str(media_files["talk.m4a"]))])
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    state = catalog.parent / ".publisher" / "state.db"
    db = sqlite3.connect(state)
    db.execute(f"PRAGMA user_version = {version}")
    db.close()
    before = digests(catalog.parent)
    for command in (("build",), ("build", "--offline"), ("status",)):
        done = run_publisher(*command, cwd=catalog.parent)
        assert done.exit_code == 1, (command, done.stderr)
        assert "Traceback" not in done.stderr
        assert f"was written by a newer publisher (schema {version};" in done.stderr
        assert "upgrade the publisher" in done.stderr
        assert digests(catalog.parent) == before


@pytest.mark.parametrize("epoch", ["99999999999999", "1e10", "-5", "tomorrow", "9" * 5000])
def test_a_source_date_epoch_that_is_no_time_stops_the_build(write_catalog, media_files, epoch):
    catalog = write_catalog([talk_entry("one", str(media_files["talk.m4a"]))])
    done = run_publisher("build", cwd=catalog.parent, env={"SOURCE_DATE_EPOCH": epoch})
    assert done.exit_code == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "SOURCE_DATE_EPOCH=" in done.stderr and "unset it" in done.stderr
    assert not (catalog.parent / "feeds").exists()


@pytest.mark.parametrize("epoch", ["0", "1262304000"])  # 1970, and 2010: before the talks
def test_last_build_date_is_never_before_the_items(write_catalog, media_files, epoch):
    entries = [
        talk_entry("one", str(media_files["talk.m4a"]), published="2017-07-20"),
        talk_entry("two", str(media_files["talk.m4a"]), published="2018-03-01T10:00:00+02:00"),
    ]
    catalog = write_catalog(entries)
    done = run_publisher("build", cwd=catalog.parent, env={"SOURCE_DATE_EPOCH": epoch})
    assert done.exit_code == 0, done.stderr
    channel = etree.parse(str(catalog.parent / "feeds/talks/podcast.xml")).find("channel")
    built = email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate"))
    newest = max(
        email.utils.parsedate_to_datetime(item.findtext("pubDate"))
        for item in channel.iterfind("item")
    )
    assert built >= newest


@pytest.mark.parametrize("url", ["https://feeds.example.org/?s=1", "https://feeds.example.org/#a"])
def test_a_base_url_override_with_a_query_or_fragment_is_refused(write_catalog, url):
    catalog = write_catalog()
    done = run_publisher("build", "--offline", "--base-url", url, cwd=catalog.parent)
    assert done.exit_code == 1, done.stderr
    assert f"--base-url {url!r} has a query or fragment" in done.stderr
    assert not (catalog.parent / "feeds").exists()
