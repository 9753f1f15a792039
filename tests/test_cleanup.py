"""Media nobody references is kept for the grace period, then removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from run_factory import make_run

from publisher import workfiles
from publisher.cleanup import sweep_unreferenced_media
from publisher.render import render


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
    rows = run.state.db.execute("SELECT count(*) FROM removed_media").fetchone()
    assert rows == (0,)


def test_work_folders_of_removed_entries_are_deleted(tmp_path):
    run = make_run(tmp_path, count=1)
    kept = run.work_dir / run.items[0].id
    gone = run.work_dir / "a-removed-talk"
    for folder in (kept, gone):
        folder.mkdir()
        (folder / "download-abc.m4a.part").write_bytes(b"half a download")
    workfiles.forget_removed_entries(run)
    assert kept.exists() and not gone.exists()
