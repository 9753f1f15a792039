"""The media half of a build: enrich, episode art, extract, tag and publish_media with
real tools."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from helpers.media import talk

from publisher.build.runner import run_item_stages
from publisher.stages.enrich import enrich
from publisher.stages.episode_art import publish_episode_art
from publisher.stages.extract import extract
from publisher.stages.publish_media import publish_media
from publisher.stages.tag import tag as tag_stage
from publisher.tools import ffmpeg, mutagen

STAGES = [enrich, publish_episode_art, extract, tag_stage, publish_media]


def build(run):
    run_item_stages(run, STAGES)
    return {item.id: item for item in run.items}


def published_path(run, media):
    return run.out / media.path


def ebur128_integrated(ffmpeg_exe, path) -> float:
    """Integrated loudness measured independently, from loudnorm's JSON report."""
    return ffmpeg.measure_loudness(ffmpeg_exe, path, -16).integrated


def test_aac_source_is_published_as_a_stream_copy_with_tags(make_run, media_server, media_files):
    run = make_run([talk("july-days", media_server.url("/media/talk.m4a"))])
    item = build(run)["july-days"]

    assert item.error is None
    assert item.audio.path == "media/talks/july-days.m4a"
    path = published_path(run, item.audio)
    assert item.audio.length == path.stat().st_size
    assert item.audio.mime_type == "audio/mp4"
    assert item.audio.duration == pytest.approx(3.0, abs=0.1)
    source, made = mutagen.audio_facts(media_files["talk.m4a"]), mutagen.audio_facts(path)
    assert (made.codec, made.bitrate) == (source.codec, source.bitrate)  # no re-encode
    tags = mutagen.read_tags(path)
    assert tags["\xa9nam"] == ["Talk july-days — “quoted” & <escaped>"]
    assert tags["\xa9ART"] == ["Alan Woods"]
    assert tags["\xa9alb"] == ["1917: The Russian Revolution"]
    assert tags["\xa9day"] == ["2017-07-20"]
    assert tags["trkn"] == [(4, 0)]
    assert tags["covr"][0][:4] == b"\x89PNG"  # no thumbnail: the series image
    assert not list(run.work_dir.iterdir())  # the work folder is cleaned up


def test_rerun_makes_no_request_and_writes_no_byte(make_run, media_server):
    entries = [talk("a", media_server.url("/media/talk.m4a"))]
    first = build(make_run(entries))["a"]
    path = published_path(make_run(entries), first.audio)
    before = (path.stat().st_mtime_ns, path.stat().st_size)
    media_server.reset()

    rerun = make_run(entries)
    again = build(rerun)["a"]

    assert media_server.requests == []
    assert rerun.writer.written == []
    assert again.audio == first.audio
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before


def test_opus_source_becomes_mp3_with_id3_chapters(make_run, media_server):
    run = make_run([talk("opus", media_server.url("/media/talk.webm"))], audio_format="mp3")
    item = run.items[0]
    enrich(run, item)
    from publisher.model import Chapter

    item.chapters = (Chapter(0.0, "Opening"), Chapter(1.5, "Main part"))
    for stage in STAGES[1:]:
        stage(run, item)

    path = published_path(run, item.audio)
    assert item.audio.path == "media/talks/opus.mp3"
    assert item.audio.mime_type == "audio/mpeg"
    assert mutagen.audio_facts(path).codec == "mp3"
    assert item.audio.duration == pytest.approx(3.0, abs=0.2)
    tags = mutagen.read_tags(path)
    assert str(tags["TIT2"]) == item.entry.title
    chapters = [frame for key, frame in tags.items() if key.startswith("CHAP")]
    assert sorted((c.start_time, str(c.sub_frames["TIT2"])) for c in chapters) == [
        (0, "Opening"),
        (1500, "Main part"),
    ]
    assert tags["CTOC:toc"].child_element_ids == ["chp0", "chp1"]


def test_m4a_chapters_are_written_and_survive_tagging(make_run, media_server):
    from publisher.model import Chapter

    run = make_run([talk("ch", media_server.url("/media/talk.m4a"))])
    item = run.items[0]
    enrich(run, item)
    item.chapters = (Chapter(0.0, "Début"), Chapter(2.0, "Fin ✓"))
    for stage in STAGES[1:]:
        stage(run, item)
    tags = mutagen.read_tags(published_path(run, item.audio))
    assert tags["chapters"] == [(0.0, "Début"), (2.0, "Fin ✓")]


def test_loudness_is_normalized_within_one_lu(make_run, media_server, ffmpeg_exe):
    run = make_run([talk("quiet", media_server.url("/media/quiet.m4a"))], loudness=-16)
    item = build(run)["quiet"]
    assert item.error is None
    assert ebur128_integrated(ffmpeg_exe, published_path(run, item.audio)) == pytest.approx(
        -16, abs=1.0
    )


def test_loud_enough_source_keeps_the_stream_copy(make_run, media_server, media_files):
    run = make_run([talk("loud", media_server.url("/media/loud.m4a"))], loudness=-16)
    item = build(run)["loud"]
    made = mutagen.audio_facts(published_path(run, item.audio))
    source = mutagen.audio_facts(media_files["loud.m4a"])
    assert (made.codec, made.bitrate) == (source.codec, source.bitrate)


def test_video_series_remuxes_h264_without_reencoding(make_run, media_server, ffmpeg_exe):
    run = make_run([talk("vid", media_server.url("/page.html"))], video=True)
    item = build(run)["vid"]
    assert item.error is None
    assert item.video.path == "media/talks/vid.mp4"
    assert item.video.mime_type == "video/mp4"
    video = published_path(run, item.video)
    assert item.video.length == video.stat().st_size
    kinds = {(s.kind, s.codec) for s in ffmpeg.streams(ffmpeg_exe, video)}
    assert {("video", "h264"), ("audio", "aac")} <= kinds


def video_packets_digest(ffmpeg_exe, path) -> str:
    """A digest of the video stream's packets: equal only if the picture was copied."""
    command = [ffmpeg_exe, "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy",
               "-f", "md5", "-"]  # fmt: skip
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def test_video_audio_is_normalized_and_its_picture_copied(
    make_run, media_server, media_files, ffmpeg_exe
):
    source_level = ebur128_integrated(ffmpeg_exe, media_files["talk.mp4"])
    assert abs(source_level - -16) > 3  # the source needs normalising (about -22 LUFS)
    run = make_run([talk("vid", media_server.url("/page.html"))], video=True, loudness=-16)
    item = build(run)["vid"]
    assert item.error is None
    video = published_path(run, item.video)
    assert ebur128_integrated(ffmpeg_exe, video) == pytest.approx(-16, abs=1.0)
    assert ebur128_integrated(ffmpeg_exe, published_path(run, item.audio)) == pytest.approx(
        -16, abs=1.0
    )
    assert video_packets_digest(ffmpeg_exe, video) == video_packets_digest(
        ffmpeg_exe, media_files["talk.mp4"]
    )
    assert item.audio.path == "media/talks/vid.m4a"
    # the page's og:image became the cover (JPEG), not the series' PNG
    assert mutagen.read_tags(published_path(run, item.audio))["covr"][0][:2] == b"\xff\xd8"


def test_local_file_source(make_run, media_files):
    run = make_run([talk("local", str(media_files["talk.mp3"]))])
    item = build(run)["local"]
    assert item.error is None
    assert item.audio.path == "media/talks/local.m4a"
    assert mutagen.audio_facts(published_path(run, item.audio)).codec.startswith("mp4a")
    assert media_files["talk.mp3"].is_file()  # the user's file is read, never moved


def test_failures_are_recorded_and_do_not_stop_the_others(make_run, media_server):
    entries = [
        talk("good", media_server.url("/media/talk.m4a")),
        talk("gone", media_server.url("/404")),
        talk("limited", media_server.url("/429")),
    ]
    # one job: "good" is done before "limited" makes the site hold every later request
    run = make_run(entries, jobs=1)
    items = build(run)
    assert items["good"].audio is not None
    assert "404" in items["gone"].error and "\n" not in items["gone"].error
    assert "429" in items["limited"].error
    assert set(run.state.errors()) == {"gone", "limited"}
    assert not (run.out / "media/talks/gone.m4a").exists()


def test_changed_format_replaces_media_under_a_new_name(make_run, media_server):
    entries = [talk("r", media_server.url("/media/talk.m4a"))]
    first = build(make_run(entries))["r"].audio
    again = build(make_run(entries, audio_format="mp3"))["r"].audio
    assert first.path == "media/talks/r.m4a"
    assert again.path.startswith("media/talks/r-") and again.path.endswith(".mp3")


def test_title_change_keeps_the_media(make_run, media_server):
    first = build(make_run([talk("t", media_server.url("/media/talk.m4a"))]))["t"].audio
    run = make_run([talk("t", media_server.url("/media/talk.m4a"), title="New title")])
    assert build(run)["t"].audio == first
    assert run.writer.written == []


KILLED_BUILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from publisher.tools import ffmpeg
    original = ffmpeg.run

    def slow_run(exe, arguments, what, *args, **kwargs):
        if what.startswith("extracting"):
            print("EXTRACTING", flush=True)
            time.sleep(30)  # killed here, in the middle of the extraction step
        return original(exe, arguments, what, *args, **kwargs)

    ffmpeg.run = slow_run
    import pathlib
    from helpers import media as media_helpers
    from publisher.build.runner import run_item_stages
    from publisher.stages.enrich import enrich
    from publisher.stages.extract import extract
    entries = [media_helpers.talk("k", {url!r})]
    run_item_stages(media_helpers.new_run(pathlib.Path({root!r}), entries), [enrich, extract])
    """
)


def test_killed_mid_extraction_leaves_nothing_published(make_run, media_server, tmp_path):
    url = media_server.url("/media/talk.webm")  # needs an encode, so ffmpeg really runs
    run = make_run([talk("k", url)])
    script = KILLED_BUILD.format(tests=os.path.dirname(__file__), root=str(tmp_path), url=url)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "EXTRACTING"
    child.send_signal(signal.SIGKILL)
    child.wait()

    media = run.out / "media"
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]
    assert run.state.media_files("k") == {}
    item = build(make_run([talk("k", url)]))["k"]
    assert item.error is None
    assert published_path(run, item.audio).stat().st_size == item.audio.length


def test_progress_reports_steps(make_run, media_server):
    events = []

    class Recorder:
        def start(self, item, what):
            events.append(what)

        def advance(self, item, fraction):
            events.append(round(fraction, 1))

        def done(self, item):
            events.append("done")

    run = make_run([talk("p", media_server.url("/media/talk.webm"))])
    run.progress = Recorder()
    build(run)
    assert {"downloading", "extracting audio", "tagging", "done"} <= set(events)
    fractions = [event for event in events if isinstance(event, float)]
    assert fractions and all(0.0 <= f <= 1.0 for f in fractions)


def test_an_interrupted_run_stops_measuring_loudness(make_run, media_files):
    """Measuring decodes the whole talk: like the other ffmpeg steps, it gives up on SIGTERM."""
    from publisher.errors import Interrupted
    from publisher.stages.extract import Maker

    run = make_run([talk("quiet", str(media_files["quiet.m4a"]))], loudness=-16)
    maker = Maker(run, run.items[0], client=None)
    run.stopping.set()
    with pytest.raises(Interrupted):
        maker.loudness_filter(media_files["quiet.m4a"], duration=3.0)


SILENT = {  # name -> ffmpeg arguments: four seconds of digital silence
    "silent.m4a": ["-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo", "-t", "4", "-c:a", "aac"],
    "silent.webm": ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "4", "-c:a", "libopus"],
    "silent.mp4": ["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=10:duration=4", "-f", "lavfi",
                   "-i", "anullsrc=r=44100:cl=stereo", "-t", "4", "-c:v", "libx264", "-preset",
                   "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "audio_format", "video"),
    [("silent.m4a", "m4a", False), ("silent.webm", "mp3", False), ("silent.mp4", "m4a", True)],
)
def test_a_silent_talk_in_a_series_with_loudness_is_published(
    make_run, ffmpeg_exe, tmp_path, name, audio_format, video
):
    """loudnorm measures silence as -inf LUFS: there is nothing to normalise, and
    silence is valid audio, so it is published as it is."""
    source = tmp_path / name
    subprocess.run([ffmpeg_exe, "-v", "error", "-y", *SILENT[name], str(source)], check=True)
    run = make_run(
        [talk("quiet", str(source))], audio_format=audio_format, loudness=-16, video=video
    )
    item = build(run)["quiet"]
    assert item.error is None
    assert item.audio.duration == pytest.approx(4.0, abs=0.1)
    assert (item.video is not None) == video
