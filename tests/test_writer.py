"""The one writer: atomic replacement, no rewrite of unchanged bytes, no escape."""

from __future__ import annotations

import os

import pytest

from publisher.errors import OutputError
from publisher.model import MediaFile
from publisher.output.writer import TEMP_PREFIX, Writer, is_in_folder, remove_stale_temp_files


def test_writes_atomically_and_leaves_no_temp_file(tmp_path):
    writer = Writer(tmp_path)
    assert writer.write_text("a/feed.xml", "<rss/>") is True
    assert (tmp_path / "a" / "feed.xml").read_text() == "<rss/>"
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))


def test_unchanged_bytes_keep_the_file_and_its_mtime(tmp_path):
    Writer(tmp_path).write_text("feed.xml", "same")
    target = tmp_path / "feed.xml"
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    second = Writer(tmp_path)
    assert second.write_text("feed.xml", "same") is False
    assert target.stat().st_mtime_ns == 1_000_000_000
    assert second.written == [] and second.unchanged == ["feed.xml"]


def test_refuses_two_outputs_to_one_path(tmp_path):
    writer = Writer(tmp_path)
    writer.write_text("feed.xml", "one")
    with pytest.raises(OutputError, match="two outputs"):
        writer.write_text("./feed.xml", "two")
    assert (tmp_path / "feed.xml").read_text() == "one"


@pytest.mark.parametrize(
    "relative", ["../escape.xml", "/etc/passwd", "a/../../escape", "nul\0byte", "x" * 300]
)
def test_refuses_paths_outside_the_folder(tmp_path, relative):
    with pytest.raises(OutputError):
        Writer(tmp_path / "out").write_text(relative, "no")
    assert not (tmp_path / "escape.xml").exists()


def test_refuses_a_symlink_that_leads_outside(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    with pytest.raises(OutputError):
        Writer(tmp_path / "out").write_text("link/escape.xml", "no")


def test_stale_temp_files_of_a_killed_run_are_removed(tmp_path):
    (tmp_path / "media").mkdir()
    leftover = tmp_path / "media" / f"{TEMP_PREFIX}abc.m4a"
    leftover.write_bytes(b"half")
    assert remove_stale_temp_files(tmp_path) == 1
    assert not leftover.exists()


def test_publish_file_moves_a_finished_file_into_place(tmp_path):
    made = tmp_path / "work.m4a"
    made.write_bytes(b"audio")
    writer = Writer(tmp_path / "out")
    assert writer.publish_file("media/s/e.m4a", made) is True
    assert (tmp_path / "out" / "media" / "s" / "e.m4a").read_bytes() == b"audio"
    assert not made.exists()


def test_a_published_file_is_in_the_folder_only_as_a_file_of_its_recorded_length(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.m4a").write_bytes(b"x" * 10)
    (tmp_path / "media" / "loop.m4a").symlink_to(tmp_path / "media" / "loop.m4a")
    assert is_in_folder(tmp_path, MediaFile("media/a.m4a", 10, "audio/mp4"))
    assert not is_in_folder(tmp_path, MediaFile("media/a.m4a", 11, "audio/mp4"))
    assert not is_in_folder(tmp_path, MediaFile("media", 4096, "audio/mp4"))  # a folder
    # names read back from a hostile feed are simply not there
    for name in ("media/missing.m4a", "media/a.m4a/x", "media/loop.m4a", "media/a\0.m4a"):
        assert not is_in_folder(tmp_path, MediaFile(name, 10, "audio/mp4")), name
