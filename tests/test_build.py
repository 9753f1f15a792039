"""`publisher build` on the shipped catalog, as a user runs it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from helpers.catalogs import run_publisher
from helpers.moto import free_port
from lxml import etree

SHIPPED_PENDING = {
    "june-days-1917",
    "july-days",
    "kornilov-coup",
    "october-revolution-masses-take-power",
    "leon-trotsky-life-of-a-revolutionary",
    "from-february-to-july",
}


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """path -> (sha256, mtime_ns) of every file under `folder`."""
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_shipped_catalog_publishes_with_pending_talks_named(shipped_catalog: Path):
    folder = shipped_catalog.parent
    result = run_publisher("build", "--offline", cwd=folder)
    assert result.exit_code == 3, result.stderr
    summary, where = result.stdout.splitlines()
    pending = summary.split("; pending: ", 1)[1]
    assert where.startswith("feeds: feeds/ (pages: feeds/index.html)")
    assert set(pending.split(", ")) == SHIPPED_PENDING
    out = folder / "feeds"
    for relative in [
        "index.html",
        "feeds.opml",
        "articles.xml",
        "articles.atom",
        "russian-revolution-1917/podcast.xml",
        "russian-revolution-1917/video.xml",
        "leon-trotsky-documentary/podcast.xml",
        "february-to-july-1917/podcast.xml",
    ]:
        assert (out / relative).is_file(), relative
    articles = etree.parse(str(out / "articles.xml"))
    assert len(articles.findall("channel/item")) == 6
    assert (folder / ".publisher" / "state.db").is_file()
    assert not (out / ".publisher").exists(), "state must never be published"


def test_the_published_sample_passes_check(shipped_catalog: Path):
    folder = shipped_catalog.parent
    assert run_publisher("build", "--offline", cwd=folder).exit_code == 3
    result = run_publisher("check", cwd=folder)
    assert result.exit_code == 0, result.stdout
    *findings, summary = result.stdout.splitlines()
    # Offline, every talk is pending: each podcast feed is warned about as empty, and
    # nothing else is found.
    assert summary == "check: 0 errors, 5 warnings"
    assert all(" apple.episodes: no episodes" in line for line in findings), findings


def test_second_build_writes_no_byte(shipped_catalog: Path):
    folder = shipped_catalog.parent
    assert run_publisher("build", "--offline", cwd=folder).exit_code == 3
    before = snapshot(folder / "feeds")
    second = run_publisher("build", "--offline", cwd=folder)
    assert second.exit_code == 3
    assert "0 files written" in second.stdout
    assert snapshot(folder / "feeds") == before


def test_build_reports_unreachable_sources(shipped_catalog: Path):
    """Online, the talks whose sources cannot be reached fail and the rest is published.
    The shipped sources are moved to a loopback port nothing listens on: the test needs no
    network, and cannot pass by having none."""
    folder = shipped_catalog.parent
    closed = f"http://127.0.0.1:{free_port()}/"
    text = shipped_catalog.read_text(encoding="utf-8")
    moved = re.sub(r"(?m)^(\s+source: )https?://[^/]+/", rf"\g<1>{closed}", text)
    assert moved.count(closed) == 2
    shipped_catalog.write_text(moved, encoding="utf-8")
    result = run_publisher("build", "--allow-private-sources", cwd=folder, timeout=180)
    assert result.exit_code == 3, result.stderr
    assert (folder / "feeds" / "articles.xml").is_file()
    status = run_publisher("status", "--json", cwd=folder)
    assert status.exit_code == 0, status.stderr
    rows = {row["id"]: row for row in json.loads(status.stdout)}
    for talk in ("july-days", "june-days-1917"):
        assert rows[talk]["state"] == "failed"
        assert "127.0.0.1" in rows[talk]["error"], rows[talk]["error"]
    assert rows["kornilov-coup"]["state"] == "pending"
    assert rows["lenin-and-the-october-insurrection"]["state"] == "published"


def test_a_change_to_one_entry_rewrites_only_the_files_it_affects(shipped_catalog: Path):
    folder = shipped_catalog.parent
    assert run_publisher("build", "--offline", cwd=folder).exit_code == 3
    before = snapshot(folder / "feeds")
    text = shipped_catalog.read_text(encoding="utf-8")
    old_title = '"Lenin and the October insurrection"'
    shipped_catalog.write_text(text.replace(old_title, '"Lenin and the insurrection"'), "utf-8")
    assert run_publisher("build", "--offline", cwd=folder).exit_code == 3
    after = snapshot(folder / "feeds")
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {"articles.xml", "articles.atom", "index.html"}
