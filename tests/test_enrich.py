"""Enrichment: yt-dlp metadata, cached in the state, refused when unpublishable."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.media import talk

from publisher.errors import SourceError, SourceRefused
from publisher.messages import describe
from publisher.model import Limits, MediaInfo
from publisher.stages.enrich import enrich, refuse_unpublishable
from publisher.tools.ytdlp import client as ytdlp


def test_page_metadata_and_captions(make_run, media_server):
    run = make_run([talk("page", media_server.url("/page.html"))])
    item = run.items[0]
    enrich(run, item)
    info = item.info
    assert info.title.startswith("July Days: Counter-revolution & <reaction>")
    assert info.description == "A talk about the July Days of 1917."
    assert info.thumbnail == media_server.url("/media/cover.jpg")
    assert [(c.language, c.ext, c.automatic) for c in info.captions] == [("en", "vtt", False)]
    assert info.captions[0].url == media_server.url("/media/captions.vtt")
    assert info.fetched_at and info.source == item.entry.source
    assert run.state.media_info("page") == info


def test_cache_is_reused_without_any_request(make_run, media_server):
    entries = [talk("a", media_server.url("/media/talk.m4a"))]
    enrich(make_run(entries), make_run(entries).items[0])
    media_server.reset()
    run = make_run(entries)
    enrich(run, run.items[0])
    assert run.items[0].info is not None
    assert media_server.requests == []


def test_refresh_and_a_changed_source_read_again(make_run, media_server):
    first = make_run([talk("a", media_server.url("/media/talk.m4a"))])
    enrich(first, first.items[0])
    media_server.reset()
    refreshed = make_run([talk("a", media_server.url("/media/talk.m4a"))], refresh=True)
    enrich(refreshed, refreshed.items[0])
    assert media_server.requests
    media_server.reset()
    moved = make_run([talk("a", media_server.url("/media/talk.webm"))])
    enrich(moved, moved.items[0])
    assert moved.items[0].info.source.endswith("talk.webm")
    assert any("talk.webm" in path for path in media_server.requests)


def test_local_file_info_comes_from_the_file(make_run, media_files):
    run = make_run([talk("local", str(media_files["talk.webm"]), title="Catalog title")])
    enrich(run, run.items[0])
    info = run.items[0].info
    assert info.title == "Catalog title"
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert info.audio_codec == "opus"


def test_timeout_is_a_one_line_source_error(make_run, media_server, monkeypatch):
    monkeypatch.setattr(ytdlp, "SOCKET_TIMEOUT", 0.5)
    run = make_run([talk("slow", media_server.url("/stall"))])
    with pytest.raises(SourceError, match="timed out") as error:
        enrich(run, run.items[0])
    assert "\n" not in str(error.value)


def test_private_sources_refused_without_the_option(make_run, media_server):
    run = make_run([talk("p", media_server.url("/media/talk.m4a"))], allow_private_sources=False)
    media_server.reset()
    with pytest.raises(SourceRefused) as refused:
        enrich(run, run.items[0])
    assert refused.value.advice == "use --allow-private-sources to read from intranets"
    assert media_server.requests == []


def test_too_long_source_is_refused_before_download(make_run, media_files):
    run = make_run([talk("long", str(media_files["talk.m4a"]))])
    site = dataclasses.replace(run.catalog.site, limits=Limits(max_duration=1))
    run.catalog = dataclasses.replace(run.catalog, site=site)
    with pytest.raises(SourceRefused, match="over the limit"):
        enrich(run, run.items[0])
    assert run.state.media_info("long") is None  # a refusal is not cached


def test_live_and_oversized_sources_are_refused():
    entry = talk("x", "https://example.org/live")
    with pytest.raises(SourceRefused, match="live stream"):
        refuse_unpublishable(MediaInfo(source="s", is_live=True), Limits(), entry)
    with pytest.raises(SourceRefused) as refused:
        refuse_unpublishable(MediaInfo(source="s", filesize=10**9), Limits(max_filesize=10), entry)
    assert describe(refused.value) == (
        "source https://example.org/live is 1000 MB, over the limit of 0 MB"
        " — raise site.limits.max_filesize to allow it"
    )


def test_outside_text_is_cleaned_and_signed_urls_dropped():
    raw = {
        "title": "Bad\x00 title\x1b[31m \ud800✓",
        "description": "line one\r\nline two\x07",
        "thumbnail": "https://rr3---sn.googlevideo.com/videoplayback?expire=1&sig=x",
        "webpage_url": "https://www.youtube.com/watch?v=abc",
        "chapters": [{"start_time": 0, "end_time": 5, "title": "Intro\x0c"}],
        "live_status": "is_upcoming",
        "subtitles": {"en": [{"ext": "srt", "url": "https://x.org/a.srt"},
                             {"ext": "vtt", "url": "https://x.org/a.vtt"}]},
        "automatic_captions": {"en": [{"ext": "vtt", "url": "https://x.org/auto.vtt"}],
                               "fr": [{"ext": "vtt", "url": "https://x.org/fr.vtt"}]},
        "language": "en",
    }  # fmt: skip
    info = ytdlp.media_info(raw, "src", {"acodec": "mp4a.40.2", "vcodec": "none"})
    assert info.title == "Bad title[31m ✓"
    assert info.description == "line one\nline two"
    assert info.thumbnail is None
    assert info.chapters[0].title == "Intro"
    assert info.is_live
    assert [(c.url, c.automatic) for c in info.captions] == [
        ("https://x.org/a.vtt", False),
        ("https://x.org/auto.vtt", True),
    ]
    assert info.audio_codec == "mp4a.40.2" and info.video_codec is None


def test_format_choice_prefers_aac_audio_only():
    formats = [
        {"format_id": "18", "acodec": "mp4a.40.2", "vcodec": "avc1", "height": 360, "tbr": 500},
        {"format_id": "251", "acodec": "opus", "vcodec": "none", "abr": 130},
        {"format_id": "140", "acodec": "mp4a.40.2", "vcodec": "none", "abr": 128},
        {"format_id": "137", "acodec": "none", "vcodec": "avc1", "height": 1080},
        {"format_id": "248", "acodec": "none", "vcodec": "vp9", "height": 1080},
    ]
    for fmt in formats:  # yt-dlp's formats always have one; yt-dlp's sorting reads it
        fmt["url"] = f"https://media.example.org/{fmt['format_id']}"
    assert ytdlp.choose_audio(formats, prefer_aac=True)["format_id"] == "140"
    assert ytdlp.choose_audio(formats, prefer_aac=False)["format_id"] == "251"
    assert ytdlp.choose_video(formats)["format_id"] == "137"
