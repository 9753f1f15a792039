"""Format choices on real yt-dlp metadata (tests/data/ytdlp_info, see its README), through
`publisher formats FILE --json` and the library function builds call."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers.catalogs import run_publisher
from helpers.yaml_writer import DEFAULT_SERIES

from publisher.editor.formats import FormatsReport
from publisher.errors import IsPlaylist, NoVideo, SourceRefused
from publisher.model import Entry, Limits, MediaInfo
from publisher.stages.enrich import refuse_unpublishable
from publisher.tools.ytdlp import formats as ytformats

FIXTURES = Path(__file__).parent / "data" / "ytdlp_info"
REAL = sorted(FIXTURES.glob("*.json"))
STORYBOARD = "storyboard"
CLIENT_IP = re.compile(r"(?<![a-z])ip(?:=|%3D|/)([0-9a-fA-F.:%]+?)(?=[&/\"]|%26)")


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def formats_json(path: Path, *args: str, cwd: Path) -> dict:
    done = run_publisher("formats", str(path), "--json", *args, cwd=cwd)
    assert done.exit_code == 0, done.stderr
    return json.loads(done.stdout)


def test_there_are_real_fixtures_with_storyboards_and_a_recorded_live_stream():
    infos = [json.loads(path.read_text(encoding="utf-8")) for path in REAL]
    assert len(infos) >= 3
    assert any(info.get("live_status") == "was_live" for info in infos)
    for info in infos:
        notes = {f.get("format_note") for f in info["formats"]}
        assert STORYBOARD in notes  # each offers sb0… the publisher must never take
        addresses = set(CLIENT_IP.findall(json.dumps(info)))
        assert addresses <= {"203.0.113.1", "2001%3Adb8%3A%3A1", "2001:db8::1", "0.0.0.0"}


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_m4a_and_video_choices_on_real_metadata(path, tmp_path):
    chosen = formats_json(path, cwd=tmp_path)
    audio, video = chosen["audio"], chosen["video"]
    # m4a: an audio-only AAC track, so the episode is a stream copy
    assert audio["vcodec"] == "none" and audio["acodec"].startswith("mp4a.40.2")
    assert audio["format_id"] == "140" and "stream copy" in audio["why"]
    # video: H.264 at most 1080 lines, never a storyboard, never the 2160-line VP9
    assert video["vcodec"].startswith("avc1") and video["height"] == 1080
    assert video["format_id"] == "137" and video["format_note"] != STORYBOARD
    assert video["protocol"] == "https"  # the direct file, not the HLS copy (270)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_mp3_series_takes_the_best_audio_only_track(path, write_catalog, tmp_path):
    series = {"talks": {**DEFAULT_SERIES, "audio": {"format": "mp3"}}}
    catalog = write_catalog(series=series)
    chosen = formats_json(path, "--series", "talks", "--catalog", str(catalog), cwd=tmp_path)
    assert chosen["audio"]["format_id"] == "251"  # Opus 130k over AAC 128k: both re-encode
    assert chosen["audio"]["vcodec"] == "none"
    assert "video" not in chosen  # the series publishes no video


def test_storyboards_are_never_taken_as_video():
    info = load("tubesync-storyboards-1080p.json")
    only_images = [f for f in info["formats"] if f.get("vcodec") == "none"]
    assert any(f["format_id"].startswith("sb") for f in only_images)
    with pytest.raises(NoVideo):
        ytformats.choose_video([f for f in only_images if ytformats.usable(f)])


# Audio languages and dubs ------------------------------------------------------------------

DUB_XTAGS = "&xtags=acont%3Ddubbed-auto%3Alang%3Des-US"


def with_dub(original_marked: bool) -> dict:
    """The first real fixture as yt-dlp gives a video YouTube has dubbed into Spanish: each
    English audio track as the original (language_preference 10, "original" in its note),
    and for each a Spanish AI dub at a higher bitrate, marked the default track (5), as a
    viewer in a Spanish-speaking country gets it. With `original_marked` False, YouTube
    named no track "original" (every language_preference -1): only the URL's xtags tell."""
    info = copy.deepcopy(load("tubesync-storyboards-1080p.json"))
    audio = [f for f in info["formats"] if f.get("vcodec") == "none" and f.get("acodec") not in
             (None, "none")]  # fmt: skip
    for fmt in audio:
        dub = copy.deepcopy(fmt)
        dub.update(
            format_id=f"{fmt['format_id']}-1",
            language="es-US",
            language_preference=5 if original_marked else -1,
            format_note=f"Spanish (United States) (default), {fmt.get('format_note')}",
            url=fmt["url"] + DUB_XTAGS,
            abr=(fmt.get("abr") or 0) + 32,
            tbr=(fmt.get("tbr") or 0) + 32,
        )
        info["formats"].append(dub)
        if original_marked:
            fmt.update(
                language="en",
                language_preference=10,
                format_note=f"English original, {fmt.get('format_note')}",
            )
        fmt["url"] += "&xtags=acont%3Doriginal%3Alang%3Den"
    return info


@pytest.mark.parametrize("original_marked", [True, False], ids=["marked", "unmarked"])
def test_the_original_voice_never_a_dub(original_marked, tmp_path):
    path = tmp_path / "dubbed.json"
    path.write_text(json.dumps(with_dub(original_marked)), encoding="utf-8")
    chosen = formats_json(path, cwd=tmp_path)
    assert chosen["audio"]["format_id"] == "140"
    assert "dubs left out: es-US" in chosen["audio"]["why"]
    formats = [f for f in with_dub(original_marked)["formats"] if ytformats.usable(f)]
    assert ytformats.choose_audio(formats, prefer_aac=False)["format_id"] == "251"


def test_a_series_in_another_language_still_gets_the_talks_own_voice(write_catalog, tmp_path):
    path = tmp_path / "dubbed.json"
    path.write_text(json.dumps(with_dub(original_marked=True)), encoding="utf-8")
    catalog = write_catalog()
    done = run_publisher("formats", str(path), "--series", "talks", "--catalog", str(catalog),
                         cwd=tmp_path)  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert "audio: 140 (m4a, mp4a.40.2, language en)" in done.stdout
    # a series whose `language` is Spanish: the same choice, and the note says why
    raw = with_dub(original_marked=True)
    report = FormatsReport(str(path), "talks", "es", ytformats.choices(raw, "x", "m4a", False))
    assert report.as_dict()["audio"]["language"] == "en"
    assert "the talk's own voice (en) is published, never a dub" in "\n".join(report.lines())


def test_a_dub_alone_is_still_published():
    info = with_dub(original_marked=False)
    dubs_only = [f for f in info["formats"] if ytformats.usable(f) and "-1" in f["format_id"]]
    assert ytformats.choose_audio(dubs_only, prefer_aac=True)["format_id"] == "140-1"


# What cannot be published (yet) ------------------------------------------------------------


@pytest.mark.parametrize(
    "status, reason",
    [
        ("is_live", "is live now"),
        ("is_upcoming", "has not started yet"),
        ("post_live", "still processing its recording"),
    ],
)
def test_a_stream_that_has_not_ended_waits_with_its_reason(status, reason, tmp_path):
    info = load("tubesync-was-live.json") | {"live_status": status}
    path = tmp_path / "live.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    done = run_publisher("formats", str(path), "--json", cwd=tmp_path)
    assert done.exit_code == 1 and done.stdout == ""
    assert "is a live stream that" in done.stderr and reason in done.stderr
    assert "published once the stream has ended" in done.stderr
    # the build's refusal says the same, and the recorded stream is published
    entry = Entry(
        "talk", "video", "Talk", datetime(2024, 1, 1, tzinfo=UTC), "talks", "https://x.org/v"
    )
    with pytest.raises(SourceRefused, match=reason):
        refuse_unpublishable(MediaInfo("s", is_live=True, live_status=status), Limits(), entry)
    refuse_unpublishable(MediaInfo("s", live_status="was_live"), Limits(), entry)


def test_a_playlist_is_recognised_with_the_advice_to_follow_it(tmp_path):
    video = load("tubesync-was-live.json")
    playlist = {"_type": "playlist", "id": "PL1", "title": "Talks", "playlist_count": 2,
                "entries": [video, video]}  # fmt: skip
    path = tmp_path / "playlist.json"
    path.write_text(json.dumps(playlist), encoding="utf-8")
    done = run_publisher("formats", str(path), cwd=tmp_path)
    assert done.exit_code == 1
    assert "is a playlist of 2 videos, not one talk" in done.stderr
    assert "follow:" in done.stderr
    with pytest.raises(IsPlaylist):
        ytformats.refuse_unpublishable(playlist, "https://x.org/list")


def test_a_file_that_is_no_info_json_is_one_line_with_what_to_do(tmp_path):
    path = tmp_path / "info.json"
    path.write_text("{not json", encoding="utf-8")
    done = run_publisher("formats", str(path), cwd=tmp_path)
    assert done.exit_code == 1
    assert "is not a yt-dlp info JSON file" in done.stderr and "yt-dlp -j" in done.stderr
