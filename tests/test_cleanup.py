"""Media nobody references is kept for the grace period, then removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from helpers.catalogs import run_publisher, talk_entry
from helpers.runs import make_run
from helpers.yaml_writer import DEFAULT_SERIES

from publisher.build.sweep import sweep_unreferenced_media
from publisher.render import render
from publisher.stages import workfiles


def test_orphaned_media_is_kept_for_the_grace_period_then_removed(tmp_path):
    run = make_run(tmp_path, count=2)
    render(run)
    orphan = run.out / "media" / "talks" / "removed-talk.m4a"
    orphan.write_bytes(b"old episode")
    referenced = [run.out / item.audio.path for item in run.items if item.audio]
    now = datetime.now(UTC)

    assert sweep_unreferenced_media(run, now) == []
    assert orphan.exists(), "apps may still fetch it from an old feed"
    grace = run.catalog.site.media_grace_days
    assert sweep_unreferenced_media(run, now + timedelta(days=grace - 1)) == []
    assert orphan.exists()
    removed = sweep_unreferenced_media(run, now + timedelta(days=grace, seconds=1))
    assert removed == ["media/talks/removed-talk.m4a"]
    assert not orphan.exists()
    assert referenced and all(path.exists() for path in referenced)


def test_a_file_referenced_again_starts_over(tmp_path):
    run = make_run(tmp_path, count=1)
    render(run)
    orphan = run.out / "media" / "talks" / "back.m4a"
    orphan.write_bytes(b"x")
    now = datetime.now(UTC)
    sweep_unreferenced_media(run, now)
    orphan.unlink()  # gone in between: forgotten, not an error
    assert sweep_unreferenced_media(run, now + timedelta(days=365)) == []
    assert run.state.orphans() == {}


def test_work_folders_of_removed_entries_are_deleted(tmp_path):
    run = make_run(tmp_path, count=1)
    kept = run.work_dir / run.items[0].id
    gone = run.work_dir / "a-removed-talk"
    for folder in (kept, gone):
        folder.mkdir()
        (folder / "download-abc.m4a.part").write_bytes(b"half a download")
    workfiles.forget_removed_entries(run)
    assert kept.exists() and not gone.exists()


def test_media_of_an_entry_removed_from_the_catalog_is_swept(write_catalog, media_server):
    """The state still records the removed entry's files (a re-added entry is known by
    them); that must not keep them published forever."""

    def talk(entry_id: str, name: str) -> dict:
        return {
            "id": entry_id,
            "kind": "video",
            "series": "talks",
            "title": f"Talk {entry_id}",
            "source": media_server.url(f"/media/{name}"),
            "published": "2017-07-20",
        }

    site = {"media_grace_days": 0}
    catalog = write_catalog(
        entries=[talk("kept", "talk.m4a"), talk("gone", "talk.webm")], site=site
    )
    media = catalog.parent / "feeds" / "media" / "talks"
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    assert (media / "gone.m4a").is_file()

    write_catalog(entries=[talk("kept", "talk.m4a")], site=site)
    result = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert result.exit_code == 0, result.stderr
    assert not (media / "gone.m4a").exists()
    assert (media / "kept.m4a").is_file()
    assert run_publisher("check", cwd=catalog.parent).exit_code == 0


def test_turning_video_off_unpublishes_the_video_feed_and_its_files(write_catalog, media_server):
    site = {"media_grace_days": 0}
    entries = [talk_entry("one", media_server.url("/media/talk.mp4"))]
    catalog = write_catalog(entries, {"talks": {**DEFAULT_SERIES, "video": True}}, site)
    out = catalog.parent / "feeds"
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    assert (out / "talks" / "video.xml").is_file()
    assert (out / "media" / "talks" / "one.mp4").is_file()

    write_catalog(entries, {"talks": {**DEFAULT_SERIES, "video": False}}, site)
    result = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert result.exit_code == 0, result.stderr
    assert not (out / "talks" / "video.xml").exists()
    assert "alternateEnclosure" not in (out / "talks" / "podcast.xml").read_text()
    assert not (out / "media" / "talks" / "one.mp4").exists()
    assert (out / "media" / "talks" / "one.m4a").is_file()
    assert run_publisher("check", cwd=catalog.parent).exit_code == 0


def test_archive_pages_no_longer_needed_are_removed(write_catalog, media_server):
    """A stale archive page would keep listing a removed episode, and once its media is
    swept, `check` (and apps) would find its enclosure missing."""
    entries = [
        talk_entry("old", media_server.url("/media/talk.webm"), published="2017-07-01"),
        talk_entry("new", media_server.url("/media/talk.m4a"), published="2017-07-02"),
    ]
    catalog = write_catalog(entries, site={"media_grace_days": 0, "feed_page_size": 1})
    archive = catalog.parent / "feeds" / "talks" / "podcast-archive-1.xml"
    assert run_publisher("build", "--allow-private-sources", cwd=catalog.parent).exit_code == 0
    assert archive.is_file()

    write_catalog(entries[1:], site={"media_grace_days": 0, "feed_page_size": 0})
    result = run_publisher("build", "--allow-private-sources", cwd=catalog.parent)
    assert result.exit_code == 0, result.stderr
    assert not archive.exists()
    assert not (catalog.parent / "feeds" / "media" / "talks" / "old.m4a").exists()
    assert run_publisher("check", cwd=catalog.parent).exit_code == 0
