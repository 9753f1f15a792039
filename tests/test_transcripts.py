"""Transcripts: YouTube's rolling captions cleaned, WebVTT and SRT written and read back,
the track chosen, and the stage publishing files and state."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.media import new_run, talk
from helpers.runs import save_image

from publisher.formats.captions import (
    Cue,
    choose_caption,
    clean_cues,
    is_rolling,
    parse_srt,
    parse_vtt,
    to_srt,
    to_vtt,
)
from publisher.model import Caption, Item, MediaInfo
from publisher.stages.transcripts import publish_transcripts

# The shape of yt-dlp's .vtt for YouTube automatic captions: each cue repeats the line
# before it, word timings in <c> tags, 10 ms cues in between, lines of one space.
ROLLING = "\n".join(
    [
        "WEBVTT",
        "Kind: captions",
        "Language: en",
        "",
        "00:00:00.000 --> 00:00:02.869 align:start position:0%",
        " ",
        "comrades<00:00:00.400><c> welcome</c><00:00:01.000><c> to</c>",
        "",
        "00:00:02.869 --> 00:00:02.879 align:start position:0%",
        "comrades welcome to",
        " ",
        "",
        "00:00:02.879 --> 00:00:05.000 align:start position:0%",
        "comrades welcome to",
        "the<00:00:03.000><c> July</c><00:00:04.000><c> days</c>",
        "",
        "00:00:05.000 --> 00:00:05.010 align:start position:0%",
        "the July days",
        " ",
        "",
        "00:00:05.010 --> 00:00:07.000 align:start position:0%",
        "the July days",
        "&amp; the <c.colorE5E5E5>revolution</c>",
        "",
    ]
)


def test_rolling_captions_keep_each_line_once_without_markup():
    cues = clean_cues(parse_vtt(ROLLING), is_rolling(ROLLING))
    assert [c.text for c in cues] == ["comrades welcome to", "the July days", "& the revolution"]
    assert [(c.start, c.end) for c in cues] == [(0.0, 2.869), (2.879, 5.0), (5.01, 7.0)]


def test_manual_captions_keep_repeated_speech_and_drop_tags():
    text = """WEBVTT

NOTE a comment

intro
00:00.000 --> 00:01.000
<v Alan>No.</v>

00:00:01.000 --> 00:00:02.000
<i>No.</i>

00:00:03.000 --> 00:00:04.000
a &lt; b &amp; c
"""
    cues = clean_cues(parse_vtt(text), rolling=False)
    assert [c.text for c in cues] == ["No.", "a < b & c"]  # the touching repeat is merged
    assert cues[0].end == 2.0


def test_vtt_escapes_what_would_read_as_markup():
    cues = [Cue(0.0, 1.5, "Comrades & friends <welcome>")]
    assert "&lt;welcome&gt;" in to_vtt(cues)
    assert parse_vtt(to_vtt(cues)) == cues


@pytest.mark.parametrize("write, read", [(to_vtt, parse_vtt), (to_srt, parse_srt)])
def test_written_transcripts_read_back_the_same(write, read):
    # No "<tag>"-like text: SRT has no escaping, so players (and we) take it as markup.
    cues = [
        Cue(0.0, 1.5, "Comrades & friends, a < b"),
        Cue(1.5, 3.25, "The July Days — part one\nעברית 🚩 --> arrows"),
        Cue(3723.004, 3724.0, "an hour later"),
    ]
    assert read(write(cues)) == cues


def test_srt_input_is_read():
    text = (
        "1\n00:00:01,000 --> 00:00:02,500\n<i>Hello</i> {\\an8}there\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nworld\n"
    )
    assert parse_srt(text) == [Cue(1.0, 2.5, "Hello there"), Cue(3.0, 4.0, "world")]


def test_the_site_language_wins_then_manual_before_automatic():
    manual_fr = Caption("fr", "https://x/fr.vtt", "vtt")
    auto_en = Caption("en-orig", "https://x/en.vtt", "vtt", automatic=True)
    manual_en = Caption("en", "https://x/en-m.vtt", "vtt")
    json3 = Caption("en", "https://x/en.json3", "json3")
    assert choose_caption((manual_fr, auto_en), "en") == auto_en
    assert choose_caption((manual_fr, auto_en, manual_en), "en") == manual_en
    assert choose_caption((manual_fr,), "en") == manual_fr
    assert choose_caption((json3,), "en") is None


def test_stage_publishes_vtt_and_srt_from_a_caption_beside_a_local_source(tmp_path: Path):
    talks = tmp_path / "catalog" / "talks"
    talks.mkdir(parents=True)
    (talks / "july.mp4").write_bytes(b"video")
    (talks / "july.vtt").write_text(ROLLING, encoding="utf-8")
    entry = talk("july", "talks/july.mp4")
    run = new_run(tmp_path, [entry])
    item = Item(entry, info=MediaInfo(source="talks/july.mp4"))
    publish_transcripts(run, item)
    assert [t.path for t in item.transcripts] == ["media/talks/july.vtt", "media/talks/july.srt"]
    vtt = (run.out / "media/talks/july.vtt").read_text(encoding="utf-8")
    assert [c.text for c in parse_vtt(vtt)] == [
        "comrades welcome to",
        "the July days",
        "& the revolution",
    ]
    assert item.transcripts[0].length == len(vtt.encode())
    assert set(run.state.media_files("july")) == {"transcript.vtt", "transcript.srt"}
    run.state.close()
    # A second run with the same captions reuses what was made (and writes nothing).
    rerun = new_run(tmp_path, [entry])
    again = Item(entry, info=item.info)
    publish_transcripts(rerun, again)
    assert again.transcripts == item.transcripts
    assert rerun.writer.written == []
    rerun.state.close()


def test_a_source_under_home_finds_the_captions_and_image_beside_it(
    write_catalog, media_files, tmp_path: Path
):
    """`source: ~/…` names one place for the media and for what lies beside it."""
    home = tmp_path / "home"
    (home / "talks").mkdir(parents=True)
    (home / "talks" / "july.m4a").write_bytes(media_files["talk.m4a"].read_bytes())
    (home / "talks" / "july.vtt").write_text(ROLLING, encoding="utf-8")
    save_image(home / "talks" / "july.jpg", (1400, 1400), "JPEG", colour="green")
    catalog = write_catalog(entries=[talk_entry("july", "~/talks/july.m4a")])
    built = run_publisher("build", cwd=catalog.parent, env={"HOME": str(home)})
    assert built.exit_code == 0, built.stderr
    media = catalog.parent / "feeds" / "media" / "talks"
    assert (media / "july.vtt").is_file() and (media / "july.srt").is_file()
    assert list(media.glob("july-*.jpg")), sorted(p.name for p in media.iterdir())


def test_captions_put_beside_a_published_local_source_are_published_next_build(
    write_catalog, media_files
):
    """A talk is often published before its captions are written: the next build takes
    the file put beside it, and an edit of it, without --refresh."""
    catalog = write_catalog(entries=[talk_entry("july", "talks/july.m4a")])
    talks = catalog.parent / "talks"
    talks.mkdir()
    (talks / "july.m4a").write_bytes(media_files["talk.m4a"].read_bytes())
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    media = catalog.parent / "feeds" / "media" / "talks"
    assert not (media / "july.vtt").exists()

    (talks / "july.vtt").write_text(ROLLING, encoding="utf-8")
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    assert "the July days" in (media / "july.vtt").read_text(encoding="utf-8")
    feed = (catalog.parent / "feeds" / "talks" / "podcast.xml").read_text(encoding="utf-8")
    assert "media/talks/july.vtt" in feed

    (talks / "july.vtt").write_text(ROLLING.replace("July", "October"), encoding="utf-8")
    assert run_publisher("build", cwd=catalog.parent).exit_code == 0
    assert "the October days" in (media / "july.vtt").read_text(encoding="utf-8")
