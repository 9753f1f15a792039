"""Format choices on real yt-dlp metadata (tests/data/ytdlp_info, see its README), through
`publisher formats FILE --json` and the library function builds call."""

from __future__ import annotations

import copy
import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers.catalogs import run_publisher
from helpers.yaml_writer import DEFAULT_SERIES

from publisher.editor.formats import FormatsReport
from publisher.errors import IsPlaylist, NoVideo, SourceError, SourceRefused
from publisher.model import Entry, Limits, MediaInfo
from publisher.stages.enrich import refuse_unpublishable
from publisher.tools.ytdlp import formats as ytformats

FIXTURES = Path(__file__).parent / "data" / "ytdlp_info"
REAL = sorted(FIXTURES.glob("*.json"))
STORYBOARD = "storyboard"
CLIENT_IP = re.compile(r"(?<![a-z])ip(?:=|%3D|/)([0-9a-fA-F.:%]+?)(?=[&/\"]|%26)")


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def formats_json(source: Path | str, *args: str, cwd: Path) -> dict:
    done = run_publisher("formats", str(source), "--json", *args, cwd=cwd)
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


def test_a_dub_alone_is_still_published(tmp_path):
    info = with_dub(original_marked=False)
    dubs_only = [f for f in info["formats"] if ytformats.usable(f) and "-1" in f["format_id"]]
    assert ytformats.choose_audio(dubs_only, prefer_aac=True)["format_id"] == "140-1"
    path = tmp_path / "dubs.json"
    path.write_text(json.dumps({"formats": dubs_only}), encoding="utf-8")
    why = formats_json(path, cwd=tmp_path)["audio"]["why"]
    assert "a dub (es-US): the source has no other audio" in why
    assert "left out" not in why  # the dub taken is not one left out


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


# A saved file is anyone's: odd shapes are one line, never a traceback -----------------------

AAC_URL = "https://media.example.org/140"


def audio_and_video(**audio) -> list[dict]:
    """One AAC audio-only format (with `audio`'s fields) and one H.264 video-only format."""
    return [
        {"format_id": "140", "url": AAC_URL, "ext": "m4a", "acodec": "mp4a.40.2",
         "vcodec": "none"} | audio,
        {"format_id": "137", "url": "https://media.example.org/137", "ext": "mp4",
         "acodec": "none", "vcodec": "avc1.640028", "height": 1080},
    ]  # fmt: skip


HOSTILE = {
    "formats-a-string": '{"formats": "140"}',
    "formats-of-strings": '{"formats": ["140", 1, null]}',
    "url-a-list": json.dumps({"formats": [{"format_id": "1", "url": [AAC_URL]}]}),
    "entries-a-number": '{"_type": "playlist", "entries": 5}',
    "live-status-a-list": json.dumps({"live_status": ["is_live"], "formats": audio_and_video()}),
    "nested-too-deep": "[" * 100_000 + "]" * 100_000,
    "numbers-as-text": json.dumps({"formats": audio_and_video(abr="lots", height={})}),
    "not-a-number": json.dumps({"formats": audio_and_video(abr=math.nan, height=math.inf)}),
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_an_odd_info_file_is_one_line_or_an_answer_never_a_traceback(text, tmp_path):
    path = tmp_path / "info.json"
    path.write_text(text, encoding="utf-8")
    done = run_publisher("formats", str(path), "--json", cwd=tmp_path)
    assert "Traceback" not in done.stderr
    if done.exit_code == 0:
        json.loads(done.stdout, parse_constant=pytest.fail)  # strict JSON: no NaN
    else:
        assert done.exit_code == 1 and done.stdout == ""
        assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1


def test_a_huge_file_is_refused_unread(tmp_path):
    path = tmp_path / "info.json"
    with path.open("wb") as file:
        file.truncate(65 << 20)  # sparse: no disk used, but 65 MB to read
    done = run_publisher("formats", str(path), cwd=tmp_path)
    assert done.exit_code == 1
    assert "is larger than 64 MB" in done.stderr


def test_a_path_that_is_no_file_says_so(tmp_path):
    done = run_publisher("formats", "missing.json", cwd=tmp_path)
    assert done.exit_code == 1
    assert f"missing.json does not exist (looked for {tmp_path / 'missing.json'})" in done.stderr
    assert "catalog's folder" not in done.stderr  # no catalog is involved
    assert "yt-dlp -j URL > info.json" in done.stderr
    folder = run_publisher("formats", str(tmp_path), cwd=tmp_path)
    assert folder.exit_code == 1 and "is not a file" in folder.stderr


# Only what a build can fetch and use ------------------------------------------------------


def test_a_format_without_sound_is_never_the_audio(tmp_path):
    video_only = [f for f in audio_and_video() if f["format_id"] == "137"]
    with pytest.raises(SourceError, match="no format with sound"):
        ytformats.choose_audio(video_only, prefer_aac=True)
    path = tmp_path / "silent.json"
    path.write_text(json.dumps({"formats": video_only}), encoding="utf-8")
    done = run_publisher("formats", str(path), cwd=tmp_path)
    assert done.exit_code == 1 and "no format with sound" in done.stderr


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://media.example.org/a.m4a", "rtmp://media.example.org/a"]
)
def test_only_web_addresses_are_chosen(url, tmp_path):
    """The address rules refuse anything but http(s) at download time; the choice must
    not pick it (and `formats` must not say a build downloads it)."""
    better = {"format_id": "141", "url": url, "ext": "m4a", "acodec": "mp4a.40.2",
              "vcodec": "none", "abr": 256}  # fmt: skip
    formats = [better, *audio_and_video(abr=128)]
    assert not ytformats.usable(better)
    path = tmp_path / "info.json"
    path.write_text(json.dumps({"formats": formats}), encoding="utf-8")
    assert formats_json(path, cwd=tmp_path)["audio"]["format_id"] == "140"
    path.write_text(json.dumps({"formats": [better]}), encoding="utf-8")
    alone = run_publisher("formats", str(path), cwd=tmp_path)
    assert alone.exit_code == 1 and "offers no downloadable media" in alone.stderr


def test_a_source_without_video_shows_the_audio_episode_only(tmp_path):
    """A build publishes the audio of a talk with no picture (and warns); `formats` says
    so instead of failing."""
    path = tmp_path / "audio.json"
    audio_only = [f for f in audio_and_video() if f["format_id"] == "140"]
    path.write_text(json.dumps({"formats": audio_only}), encoding="utf-8")
    chosen = formats_json(path, cwd=tmp_path)
    assert chosen["audio"]["format_id"] == "140" and chosen["video"] is None
    done = run_publisher("formats", str(path), cwd=tmp_path)
    assert "video: none — the source offers no video: a build publishes the audio" in done.stdout


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_the_video_sound_is_what_a_build_muxes_whatever_the_audio_format(
    path, write_catalog, tmp_path
):
    series = {"talks": {**DEFAULT_SERIES, "audio": {"format": "mp3"}, "video": True}}
    catalog = write_catalog(series=series)
    chosen = formats_json(path, "--series", "talks", "--catalog", str(catalog), cwd=tmp_path)
    assert chosen["audio"]["format_id"] == "251"  # the mp3 episode's source
    # the video's sound is AAC (copied into the MP4), as Maker.make_video takes it
    assert chosen["video"]["sound"]["format_id"] == "140"
    assert "sound from 140 (AAC, copied)" in chosen["video"]["why"]
    formats = [f for f in load(path.name)["formats"] if ytformats.usable(f)]
    video, sound = ytformats.choose_video_and_sound(formats)
    assert (video["format_id"], sound["format_id"]) == ("137", "140")


# Online: a URL read as a build reads it ----------------------------------------------------


def test_a_url_is_read_as_a_build_reads_it_and_loopback_only_when_allowed(media_server, tmp_path):
    page = media_server.url("/page.html")
    refused = run_publisher("formats", page, cwd=tmp_path)
    assert refused.exit_code == 1 and "loopback" in refused.stderr
    assert "--allow-private-sources" in refused.stderr
    chosen = formats_json(page, "--allow-private-sources", cwd=tmp_path)
    assert chosen["audio"]["format_id"] == chosen["video"]["format_id"]  # the one <video>
    assert chosen["video"]["sound"] is None  # it has sound of its own, as far as is known
    # a plain file's codecs are known only once downloaded: no claim of a re-encode
    assert "codec unknown until downloaded: copied if AAC" in chosen["audio"]["why"]
    assert "codec unknown until downloaded: remuxed if H.264" in chosen["video"]["why"]
    text = run_publisher("formats", page, "--allow-private-sources", cwd=tmp_path).stdout
    assert "  video: 0 (mp4) — codec unknown" in text
    direct = formats_json(media_server.url("/media/talk.m4a"), "--allow-private-sources",
                          cwd=tmp_path)  # fmt: skip
    assert direct["audio"]["ext"] == "m4a"


def test_a_formats_fields_cannot_drive_the_terminal_or_forge_a_line(tmp_path):
    hostile = audio_and_video(ext="m4a\x1b]0;owned\x07", language="en\x1b[2J\n  video: forged")
    path = tmp_path / "info.json"
    path.write_text(json.dumps({"formats": hostile}), encoding="utf-8")
    done = run_publisher("formats", str(path), cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert not any(line.startswith("  video: forged") for line in done.stdout.splitlines())


def test_a_saved_file_needs_no_catalog_even_a_broken_one(tmp_path):
    (tmp_path / "media_catalog.yaml").write_text("site: [unfinished\n", encoding="utf-8")
    path = tmp_path / "info.json"
    path.write_text(json.dumps({"formats": audio_and_video()}), encoding="utf-8")
    assert formats_json(path, cwd=tmp_path)["audio"]["format_id"] == "140"
