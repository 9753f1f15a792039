"""The episode plan: every file a talk should have, with its role, type, name and recipe.

The recipes' texts are those the state has always recorded: a plan that worded them
otherwise would have every published episode made again, under a new name.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.media import new_run, talk

from publisher.build.plan import plan
from publisher.model import Caption, Chapter, Item, MediaFile, MediaInfo

URL = "https://www.youtube.com/watch?v=abc"
SUMMARY = "Timestamps:\n0:00 Opening\n1:30 Questions"


def test_a_talk_from_a_url_in_a_video_series_plans_every_output(tmp_path: Path):
    info = MediaInfo(
        URL,
        thumbnail="https://i.ytimg.com/vi/abc/maxres.jpg",
        captions=(Caption("en", "https://x.example/en.vtt", "vtt", automatic=True),),
        duration=600.0,
    )
    run = new_run(tmp_path, [talk("july", URL, summary=SUMMARY)], loudness=-16, video=True)
    outputs = plan(run, Item(run.items[0].entry, info=info)).outputs
    assert [(o.role, o.mime_type, o.name, o.made_from) for o in outputs] == [
        ("audio", "audio/mp4", "media/talks/july.m4a", f"{URL}|m4a|-16"),
        ("video", "video/mp4", "media/talks/july.mp4", f"{URL}|mp4|-16"),
        ("image", "image/jpeg", "media/talks/july.jpg", "https://i.ytimg.com/vi/abc/maxres.jpg"),
        ("transcript.vtt", "text/vtt", "media/talks/july.vtt", f"{URL} captions en automatic"),
        (
            "transcript.srt",
            "application/x-subrip",
            "media/talks/july.srt",
            f"{URL} captions en automatic",
        ),
        ("chapters", "application/json+chapters", "media/talks/july.chapters.json", "description"),
    ]
    assert outputs[-1].recipe.chapters == (
        Chapter(0, "Opening", None),
        Chapter(90, "Questions", None),
    )
    assert [o.role for o in outputs if o.extra] == ["image", "transcript.vtt", "transcript.srt"]
    run.state.close()


def test_a_local_source_is_named_by_size_and_mtime_and_read_where_it_is(tmp_path: Path):
    run = new_run(tmp_path, [talk("july", "talks/july.mp3")], audio_format="mp3")
    source = run.catalog.root / "talks" / "july.mp3"
    source.parent.mkdir()
    source.write_bytes(b"ID3")
    os.utime(source, ns=(1_000_000_000, 1_000_000_000))
    (source.parent / "july.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n")
    [audio, vtt, srt] = plan(run, run.items[0]).outputs
    assert (audio.role, audio.mime_type, audio.made_from) == (
        "audio",
        "audio/mpeg",
        "talks/july.mp3@3:1000000000|mp3|off",
    )
    assert audio.recipe.location == source
    stat = (source.parent / "july.srt").stat()
    assert vtt.made_from == srt.made_from == f"july.srt {stat.st_size} {stat.st_mtime_ns}"
    assert vtt.recipe.location == (source.parent / "july.srt").resolve()
    assert vtt.recipe.format == "srt"
    run.state.close()


def test_a_talk_is_current_while_its_media_is_made_by_the_plans_recipes(tmp_path: Path):
    run = new_run(tmp_path, [talk("july", URL)])
    item = run.items[0]
    item.info = MediaInfo(URL, offers_video=False)
    audio = MediaFile("media/talks/july.m4a", 10, "audio/mp4")
    item.audio = audio
    assert plan(run, item, {"audio": f"{URL}|m4a|off"}).is_current(item)
    assert plan(run, item, {"audio": f"{URL}|mp3|off"}).stale(item) == ["audio"]
    item.audio = None
    assert not plan(run, item, {"audio": f"{URL}|m4a|off"}).is_current(item)
    run.state.close()


def test_item_files_are_listed_by_role_in_one_order(tmp_path: Path):
    item = Item(talk("july", URL))
    vtt = MediaFile("media/talks/july.vtt", 1, "text/vtt")
    srt = MediaFile("media/talks/july.srt", 1, "application/x-subrip")
    audio = MediaFile("media/talks/july.m4a", 1, "audio/mp4")
    item.set_file("transcript.srt", srt)
    item.set_file("transcript.vtt", vtt)
    item.set_file("audio", audio)
    assert item.transcripts == [vtt, srt]
    assert item.files() == {"audio": audio, "transcript.vtt": vtt, "transcript.srt": srt}


def test_a_transcribing_talk_plans_its_transcript_from_speech_once_per_source(tmp_path: Path):
    """The transcript made from speech is one entry of the plan: its roles and types are
    the captions', its names `.speech.vtt` and `.speech.srt`, its recipe the source and
    the language heard (as the state has recorded it), whatever the audio's format or
    loudness; captions made by people in the talk's language win, and it is not planned."""
    from dataclasses import replace

    from publisher.build.plan import speech
    from publisher.model import Transcribe

    machine = Caption("en", "https://x.example/en.vtt", "vtt", automatic=True)
    made_from = set()
    for audio_format, loudness in (("m4a", None), ("mp3", -16)):
        run = new_run(tmp_path / audio_format, [talk("july", URL)], audio_format, loudness)
        run.catalog = replace(run.catalog, site=replace(run.catalog.site, transcribe=Transcribe()))
        item = Item(run.items[0].entry, info=MediaInfo(URL, captions=(machine,)))
        outputs = plan(run, item).made_by(speech)
        assert [(o.role, o.mime_type, o.name) for o in outputs] == [
            ("transcript.vtt", "text/vtt", "media/talks/july.speech.vtt"),
            ("transcript.srt", "application/x-subrip", "media/talks/july.speech.srt"),
        ]
        made_from |= {o.made_from for o in outputs}
        human = replace(machine, automatic=False)
        by_people = Item(item.entry, info=MediaInfo(URL, captions=(human,)))
        assert plan(run, by_people).made_by(speech) == ()
        run.state.close()
    assert made_from == {f"speech|{URL}|en"}
