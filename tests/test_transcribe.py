"""Transcripts made from a talk's own speech: real speech (flite), the real Whisper base
model (int8, on the CPU), the real `publisher build`; what a listener would check."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers.catalogs import run_publisher, talk_entry
from helpers.media import talk as helpers_talk
from helpers.speech import SEIZED_POWER, speech_talk, whisper_base_model, words
from lxml import etree
from test_startup import NEVER_IN_NO_OP_BUILD, imports_of

from publisher.check.findings import PODCAST_NS
from publisher.formats.captions import parse_srt, parse_vtt

SOVIETS = "All power to the soviets."
PODCAST = f"{{{PODCAST_NS}}}"


@pytest.fixture(scope="session")
def whisper_model(tmp_path_factory) -> Path:
    """The Whisper base model folder, assembled once per session."""
    return whisper_base_model(tmp_path_factory.mktemp("whisper") / "base")


@pytest.fixture(scope="session")
def spoken(ffmpeg_exe, tmp_path_factory) -> dict[str, Path]:
    """Talks made of speech: `seized` says SEIZED_POWER, 3 s of silence, then SOVIETS;
    `long` says it over and over, for about 40 s."""
    folder = tmp_path_factory.mktemp("speech")
    return {
        "seized": speech_talk(ffmpeg_exe, [SEIZED_POWER, SOVIETS], folder / "seized.m4a"),
        "long": speech_talk(ffmpeg_exe, [SEIZED_POWER, SOVIETS] * 6, folder / "long.m4a", 0.5),
    }


@pytest.fixture
def transcribing(write_catalog, tmp_path, spoken, whisper_model):
    """transcribing(*ids, talk="seized", **transcribe) -> catalog path: talks from local
    files under talks/, in a site that transcribes with the base model."""

    def write(*ids: str, talk: str = "seized", **transcribe) -> Path:
        (tmp_path / "talks").mkdir(exist_ok=True)
        for entry_id in ids:
            shutil.copy(spoken[talk], tmp_path / "talks" / f"{entry_id}.m4a")
        settings = {"model": str(whisper_model), "max_minutes": 5, **transcribe}
        entries = [talk_entry(i, f"talks/{i}.m4a") for i in ids]
        return write_catalog(entries=entries, site={"transcribe": settings})

    return write


def build(catalog: Path, *args: str):
    return run_publisher("build", *args, cwd=catalog.parent, timeout=300)


def published_cues(out: Path, entry_id: str) -> tuple[list, list]:
    vtt = (out / f"media/talks/{entry_id}.speech.vtt").read_text(encoding="utf-8")
    srt = (out / f"media/talks/{entry_id}.speech.srt").read_text(encoding="utf-8")
    return parse_vtt(vtt), parse_srt(srt)


def cue_saying(cues, sentence: str):
    """The cue whose words include the sentence's (without punctuation and case)."""
    said = " ".join(words(sentence))
    return next(cue for cue in cues if said in " ".join(words(cue.text)))


def transcripts_in_feed(out: Path) -> list[dict]:
    feed = etree.parse(str(out / "talks/podcast.xml"))
    return [dict(t.attrib) for t in feed.iter(f"{PODCAST}transcript")]


def test_a_talk_without_captions_gets_its_spoken_words_timed_in_vtt_srt_feed_and_page(
    transcribing,
):
    catalog = transcribing("seized")
    first = build(catalog)
    assert first.exit_code == 0, first.stderr
    out = catalog.parent / "feeds"
    vtt, srt = published_cues(out, "seized")
    for cues in (vtt, srt):
        seized, soviets = cue_saying(cues, SEIZED_POWER), cue_saying(cues, SOVIETS)
        # spoken from 1 s to about 4 s, then after 3 s of silence, until about 8.5 s
        assert seized.start < 2 < 3 < seized.end < 5 <= soviets.start < 8 < soviets.end
    assert transcripts_in_feed(out) == [
        {"url": "https://feeds.example.org/media/talks/seized.speech.vtt", "type": "text/vtt",
         "language": "en", "rel": "captions"},
        {"url": "https://feeds.example.org/media/talks/seized.speech.srt",
         "type": "application/x-subrip", "language": "en", "rel": "captions"},
    ]  # fmt: skip
    page = (out / "talks/index.html").read_text(encoding="utf-8").lower()
    for cue in (seized, soviets):  # each said line, with a link that seeks to it
        assert f'seized.m4a#t={cue.start:.3f}" data-start' in page and cue.text.lower() in page
    # made once: the next build transcribes nothing and changes no byte
    again = build(catalog)
    assert again.exit_code == 0, again.stderr
    assert "transcribing" not in again.stderr
    assert "0 files written" in again.stdout
    code, packages = imports_of("build", cwd=catalog.parent)
    assert code == 0 and not packages & NEVER_IN_NO_OP_BUILD


def test_a_talk_with_captions_made_by_people_keeps_them(transcribing, tmp_path):
    catalog = transcribing("captioned")
    captions = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nComrades, the July Days.\n"
    (tmp_path / "talks/captioned.vtt").write_text(captions, encoding="utf-8")
    done = build(catalog)
    assert done.exit_code == 0, done.stderr
    assert "transcribing" not in done.stderr
    out = tmp_path / "feeds"
    published = (out / "media/talks/captioned.vtt").read_text(encoding="utf-8")
    assert [c.text for c in parse_vtt(published)] == ["Comrades, the July Days."]
    assert not (out / "media/talks/captioned.speech.vtt").exists()
    assert [t["url"].rsplit("/", 1)[1] for t in transcripts_in_feed(out)] == [
        "captioned.vtt", "captioned.srt"
    ]  # fmt: skip


@pytest.mark.parametrize("model", ["no-such-model", "./models/whisper-large"])
def test_a_model_that_cannot_be_had_publishes_the_episodes_and_names_it(transcribing, model):
    catalog = transcribing("one", "two", model=model)
    for _attempt in range(2):  # and the next run tries again
        done = build(catalog)
        assert done.exit_code == 0, done.stderr
        warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
        about_model = [line for line in warnings if repr(model) in line]
        assert len(about_model) == 1, done.stderr  # once, not once per talk
        assert "the next run tries again" in about_model[0]
        assert f"transcription model {model!r} not available" in done.stdout
        feed = (catalog.parent / "feeds/talks/podcast.xml").read_text(encoding="utf-8")
        assert feed.count("<enclosure") == 2
        assert transcripts_in_feed(catalog.parent / "feeds") == []


def test_the_budget_stops_transcription_and_the_next_run_goes_on_from_there(transcribing):
    catalog = transcribing("first", "second", max_minutes=0.01)  # 0.6 s: not even the model
    stopped = build(catalog)
    assert stopped.exit_code == 0, stopped.stderr
    assert "2 talks wait for a transcript (site.transcribe.max_minutes)" in stopped.stdout
    out = catalog.parent / "feeds"
    assert (out / "media/talks/first.m4a").is_file() and transcripts_in_feed(out) == []
    # What a stopped run heard is kept: pretend it heard the first sentence of `first`.
    work = catalog.parent / ".publisher/work/first.transcribing.json"
    kept = json.loads(work.read_text(encoding="utf-8"))
    kept["cues"] = [[0.0, 5.5, "Heard by an earlier run."]]
    work.write_text(json.dumps(kept), encoding="utf-8")
    catalog.write_text(catalog.read_text().replace("max_minutes: 0.01", "max_minutes: 5"))
    finished = build(catalog)
    assert finished.exit_code == 0, finished.stderr
    assert "first: transcribing its speech" in finished.stderr and "from 6 s" in finished.stderr
    vtt, _srt = published_cues(out, "first")
    assert vtt[0].text == "Heard by an earlier run."
    assert "peasants" not in " ".join(c.text for c in vtt)  # not heard a second time
    assert cue_saying(vtt, SOVIETS).start >= 5.5
    second, _srt = published_cues(out, "second")
    assert cue_saying(second, SEIZED_POWER) and not work.exists()


def test_a_talk_whisper_fails_on_is_backed_off(transcribing, whisper_model):
    catalog = transcribing("broken", model="no-such-model")
    assert build(catalog).exit_code == 0  # published, not transcribed
    audio = catalog.parent / "feeds/media/talks/broken.m4a"
    audio.write_bytes(b"\0" * audio.stat().st_size)  # no longer audio, same length
    catalog.write_text(catalog.read_text().replace("no-such-model", str(whisper_model)))
    failed = build(catalog)
    assert failed.exit_code == 0, failed.stderr  # the episode is not what failed
    assert "broken: no transcript: Whisper could not transcribe broken.m4a" in failed.stderr
    assert "tried again in 1 hours" in failed.stderr
    later = build(catalog)
    assert later.exit_code == 0, later.stderr
    assert "transcribing" not in later.stderr  # backed off: not tried again yet


def test_doctor_says_where_the_model_is_and_whether_faster_whisper_loads(
    transcribing, whisper_model
):
    catalog = transcribing("one")
    done = run_publisher("doctor", "--json", cwd=catalog.parent)
    checks = {check["name"]: check for check in json.loads(done.stdout)}
    line = checks["transcription"]
    assert line["status"] == "ok", line
    assert line["detail"].startswith("faster-whisper 1.") and "loads" in line["detail"]
    assert f"model {whisper_model}: {whisper_model}" in line["detail"]
    catalog.write_text(catalog.read_text().replace(str(whisper_model), "no-such-model"))
    done = run_publisher("doctor", cwd=catalog.parent)
    assert done.exit_code == 1
    line = next(line for line in done.stdout.splitlines() if "transcription:" in line)
    assert line.startswith("MISSING transcription: the transcription model 'no-such-model'")
    assert "give a faster-whisper model name" in line


def test_sigterm_during_transcription_stops_the_build_within_seconds(transcribing):
    catalog = transcribing("long", talk="long")
    command = [sys.executable, "-m", "publisher", "build"]
    build_process = subprocess.Popen(
        command, cwd=catalog.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    stderr: list[str] = []
    reader = threading.Thread(target=lambda: stderr.extend(build_process.stderr), daemon=True)
    reader.start()
    try:
        whisper = _whisper_child(build_process.pid, timeout=120)
        time.sleep(4)  # the model is loaded and the first windows are being transcribed
        assert build_process.poll() is None and _alive(whisper), "".join(stderr)
        build_process.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        code = build_process.wait(timeout=30)
        took = time.monotonic() - asked
    finally:
        build_process.kill()
        build_process.wait()
    reader.join(timeout=5)
    assert code == 143 and took < 3, (code, took, "".join(stderr))
    assert not _alive(whisper)  # no Whisper left running behind the build
    feed = (catalog.parent / "feeds/talks/podcast.xml").read_text(encoding="utf-8")
    assert "long.m4a" in feed and "podcast:transcript" not in feed  # audio first


def _whisper_child(pid: int, timeout: float) -> int:
    """The pid of the build's Whisper child, once it runs."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            for child in task.read_text().split():
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"publisher.tools.whisper" in cmdline:
                    return int(child)
        time.sleep(0.1)
    raise AssertionError("the build never started transcribing")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_whisper_words_become_cues_of_a_sentence_a_pause_or_two_lines_at_most():
    from publisher.tools.whisper import CUE_CHARACTERS, cues_of

    said = [
        (0.0, 0.4, " The"),
        (0.4, 0.9, " counter"),
        (0.9, 1.5, "-revolution."),
        (1.6, 2.0, " All"),
        (2.0, 2.3, " power"),
        (4.0, 4.5, " to"),
        (4.5, 5.0, " them"),
    ]
    long = [(float(n), n + 0.5, " word") for n in range(40)]  # fmt: skip
    assert cues_of(said) == [
        (0.0, 1.5, "The counter-revolution."),
        (1.6, 2.3, "All power"),  # a pause of 1.7 s after it
        (4.0, 5.0, "to them"),
    ]
    assert all(len(text) <= CUE_CHARACTERS for _s, _e, text in cues_of(long))
    assert " ".join(text for _s, _e, text in cues_of(long)) == " ".join(["word"] * 40)


def test_machine_captions_stand_in_until_the_own_transcript_and_never_replace_it(
    make_run, media_server
):
    from dataclasses import replace

    from publisher.build.plan import plan, speech
    from publisher.formats.captions import Cue, transcript_language
    from publisher.model import Caption, Item, MediaFile, MediaInfo, Transcribe
    from publisher.stages.transcripts import publish_transcripts, write_transcripts

    source = media_server.url("/media/talk.m4a")
    automatic = Caption("en", media_server.url("/media/captions.vtt"), "vtt", automatic=True)
    entry = helpers_talk("machine", source)

    def run_with_transcription():
        run = make_run([entry])
        site = replace(run.catalog.site, transcribe=Transcribe("base"))
        run.catalog = replace(run.catalog, site=site)
        item = Item(entry, info=MediaInfo(source=source, captions=(automatic,)))
        item.audio = MediaFile("media/talks/machine.m4a", 1, "audio/mp4")
        return run, item

    run, item = run_with_transcription()
    publish_transcripts(run, item)  # no transcript of its own yet: the machine's stands in
    assert [t.path for t in item.transcripts] == ["media/talks/machine.vtt",
                                                  "media/talks/machine.srt"]  # fmt: skip
    # then the transcript made from its speech is published...
    spoken = [Cue(0.0, 2.0, "Made from the speech.")]
    write_transcripts(run, item, plan(run, item).made_by(speech), spoken)
    # ...and a later run that reads the source's captions again keeps it
    media_server.reset()
    rerun, again = run_with_transcription()
    publish_transcripts(rerun, again)
    assert [t.path for t in again.transcripts] == ["media/talks/machine.speech.vtt",
                                                   "media/talks/machine.speech.srt"]  # fmt: skip
    assert transcript_language(again, "fr") == "en"
    assert rerun.writer.written == [] and media_server.requests == []
