"""Every exit code of the contract, from the real command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.catalogs import ARTICLE, lock_held_elsewhere, run_publisher, talk_entry


def test_exit_0_when_everything_is_published(write_catalog):
    catalog = write_catalog(entries=[ARTICLE])
    result = run_publisher("build", cwd=catalog.parent)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().startswith("build: 1 published, 0 pending, 0 failed")


def test_exit_1_and_nothing_written_for_an_invalid_catalog(write_catalog):
    catalog = write_catalog(entries=[{**ARTICLE, "published": "2017-02-30"}])
    result = run_publisher("build", cwd=catalog.parent)
    assert result.exit_code == 1
    assert f"{catalog.name}:" in result.stderr and "entries[0].published" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (catalog.parent / "feeds").exists()
    # only the lock, taken before the catalog is read (so a second run exits 75 at once)
    assert [p.name for p in (catalog.parent / ".publisher").iterdir()] == ["lock"]


def test_exit_2_for_a_usage_error(write_catalog):
    catalog = write_catalog(entries=[ARTICLE])
    result = run_publisher("build", "--jobs", "many", cwd=catalog.parent)
    assert result.exit_code == 2
    assert "--jobs" in result.stderr


def test_exit_3_when_a_talk_is_pending(write_catalog):
    talk = {
        "id": "a-talk",
        "kind": "video",
        "series": "talks",
        "title": "A talk",
        "published": "2017-07-20",
    }
    catalog = write_catalog(entries=[ARTICLE, talk])
    result = run_publisher("build", cwd=catalog.parent)
    assert result.exit_code == 3
    summary, where = result.stdout.splitlines()
    assert summary.endswith("; pending: a-talk")
    assert where == (
        "feeds: feeds/ (pages: feeds/index.html); to try them in a podcast app: publisher serve"
    )
    assert (catalog.parent / "feeds" / "articles.xml").is_file()


def test_exit_75_while_another_run_holds_the_lock(write_catalog):
    catalog = write_catalog(entries=[ARTICLE])
    with lock_held_elsewhere(catalog.parent / ".publisher") as holder:
        result = run_publisher("build", cwd=catalog.parent)
        assert result.exit_code == 75
        assert f"pid {holder.pid}" in result.stderr
        assert not (catalog.parent / "feeds").exists()
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0, "a dead holder's lock is free"


def test_python_dash_m_and_help_work(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0
    for command in ("build", "check", "status", "serve", "publish", "validate", "add"):
        assert command in result.stdout


def test_a_preview_build_logs_each_check_warning_once_prefixed(write_catalog, media_files):
    """`--base-url http://…` gives check warnings; each is one `warning: …` line, and the
    http URLs are one of them (test_a_preview_says_once_that_its_urls_are_http)."""
    talk = {
        "id": "a-talk",
        "kind": "video",
        "series": "talks",
        "title": "A talk",
        "source": str(media_files["talk.m4a"]),
        "published": "2017-07-20",
    }
    catalog = write_catalog(entries=[talk])
    result = run_publisher("build", "--base-url", "http://127.0.0.1:8000/", cwd=catalog.parent)
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert any("are http, not https" in line for line in warnings), result.stderr
    assert not any("apple.https" in line for line in warnings), result.stderr
    assert all(not line.startswith("warning: warning:") for line in warnings), result.stderr


def test_a_preview_build_says_how_to_serve_it(write_catalog):
    catalog = write_catalog(entries=[ARTICLE])
    base = "http://192.168.1.20:8080/"
    result = run_publisher("build", "--out", "preview", "--base-url", base, cwd=catalog.parent)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].endswith(
        "publisher serve --out preview --host 0.0.0.0 --port 8080"
    )


def test_a_preview_says_once_that_its_urls_are_http(write_catalog, media_files):
    """Every URL of a preview's feeds is http for one reason: one line, not one per URL."""
    talks = [talk_entry(name, str(media_files["talk.m4a"])) for name in ("one", "two")]
    catalog = write_catalog(entries=[*talks, ARTICLE])
    base = "http://127.0.0.1:8000/"
    result = run_publisher("build", "--out", "preview", "--base-url", base, cwd=catalog.parent)
    assert result.exit_code == 0, result.stderr
    http = [line for line in result.stderr.splitlines() if "http" in line and base in line]
    assert len(http) == 1, result.stderr
    assert http[0].startswith("warning: ") and "fine for a preview" in http[0]
