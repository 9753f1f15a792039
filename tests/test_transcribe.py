"""Transcripts made from a talk's own speech: real speech (flite), the real Whisper base
model (int8, on the CPU), the real `publisher build`; what a listener would check."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import yaml_writer
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
    `long` says it over and over, for about 40 s; `again` is `seized` four times over (48 s:
    two of Whisper's 30 s windows, each heard); and talks with none: `silence`, `noise`."""
    folder = tmp_path_factory.mktemp("speech")
    # 8 s of each, in which Whisper base hears "You" and "." (seed 2: the same noise each time)
    sounds = {"silence": "anullsrc=r=44100:cl=mono", "noise": "anoisesrc=c=white:a=0.5:seed=2"}
    for name, sound in sounds.items():
        command = [ffmpeg_exe, "-v", "error", "-nostdin", "-f", "lavfi", "-i", sound, "-t", "8",
                   "-c:a", "aac", str(folder / f"{name}.m4a")]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)
    seized = speech_talk(ffmpeg_exe, [SEIZED_POWER, SOVIETS], folder / "seized.m4a")
    command = [ffmpeg_exe, "-v", "error", "-nostdin", "-stream_loop", "3", "-i", str(seized),
               "-c", "copy", str(folder / "again.m4a")]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return {
        "seized": seized,
        "long": speech_talk(ffmpeg_exe, [SEIZED_POWER, SOVIETS] * 6, folder / "long.m4a", 0.5),
        "again": folder / "again.m4a",
        **{name: folder / f"{name}.m4a" for name in sounds},
    }


@pytest.fixture
def transcribing(write_catalog, tmp_path, spoken, whisper_model):
    """transcribing(*ids, talk="seized", series={...}, **transcribe) -> catalog path: talks
    from local files under talks/ (copied once), in a site that transcribes with the base
    model; `series` adds keys to the series `talks`."""

    def write(*ids: str, talk: str = "seized", series: dict | None = None, **transcribe) -> Path:
        (tmp_path / "talks").mkdir(exist_ok=True)
        for entry_id in ids:
            if not (tmp_path / "talks" / f"{entry_id}.m4a").exists():  # the same file again
                shutil.copy(spoken[talk], tmp_path / "talks" / f"{entry_id}.m4a")
        settings = {"model": str(whisper_model), "max_minutes": 5, **transcribe}
        entries = [talk_entry(i, f"talks/{i}.m4a") for i in ids]
        talks = {"talks": {**yaml_writer.DEFAULT_SERIES, **(series or {})}}
        return write_catalog(entries=entries, series=talks, site={"transcribe": settings})

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
    files = [path for path in out.rglob("*") if path.is_file()]  # all new: each written once
    assert f"{len(files)} files written" in first.stdout  # though rendered twice
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
    assert cues_of([(9.0, 9.5, " ."), (9.5, 9.9, " …")]) == []  # what Whisper hears in noise
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


def _work_file(catalog: Path, entry_id: str, **fields) -> Path:
    """A work file for `entry_id` as a killed run might leave it: `fields` over a valid one."""
    audio = catalog.parent / f"talks/{entry_id}.m4a"
    stat = audio.stat()
    recipe = f"speech|talks/{entry_id}.m4a@{stat.st_size}:{stat.st_mtime_ns}|en"
    work = {"made_from": recipe, "cues": [], "failures": 0, "retry_after": 0.0,
            "nothing_heard": False, **fields}  # fmt: skip
    path = catalog.parent / f".publisher/work/{entry_id}.transcribing.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(work), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "fields",
    [
        {"retry_after": "soon"},
        {"cues": "abc"},
        {"cues": [[5.0, 6.0, "later"], [0.0, 1.0, "earlier"]]},  # out of order
        {"cues": [[0.0, 1e308, "past the end of the audio"]]},
    ],
    ids=["retry-after-text", "cues-text", "cues-out-of-order", "cue-past-the-end"],
)
def test_a_corrupt_work_file_is_work_made_again_not_a_crash(transcribing, fields):
    catalog = transcribing("seized")
    work = _work_file(catalog, "seized", **fields)
    done = build(catalog)
    assert done.exit_code == 0, done.stderr
    assert "from " not in done.stderr.split("transcribing its speech", 1)[1].split("\n")[0]
    vtt, _srt = published_cues(catalog.parent / "feeds", "seized")
    assert cue_saying(vtt, SEIZED_POWER) and cue_saying(vtt, SOVIETS)  # heard from the start
    assert not any(word in c.text for c in vtt for word in ("later", "earlier", "past"))
    assert not work.exists()


def test_text_heard_before_is_published_as_one_line_of_plain_text(transcribing):
    catalog = transcribing("seized")
    hostile = "<b>Comrades</b>\u0007 --> \n\n00:00:09,000 --> 00:00:10,000\nand &amp;"
    # cues as Whisper's times may give them, the second starting before the first ends
    _work_file(catalog, "seized", cues=[[0.0, 0.5, hostile], [0.4, 0.6, "Overlapping."]])
    done = build(catalog)
    assert done.exit_code == 0, done.stderr
    assert "from 1 s" in done.stderr  # a work file as saved: gone on with
    out = catalog.parent / "feeds"
    vtt, srt = published_cues(out, "seized")
    assert vtt[0].text == "<b>Comrades</b> --> 00:00:09,000 --> 00:00:10,000 and &amp;"
    assert vtt[1].text == "Overlapping." and vtt[0].end == 0.4
    assert len(vtt) == len(srt) and cue_saying(vtt[2:], SOVIETS)  # then speech
    raw = (out / "media/talks/seized.speech.vtt").read_text(encoding="utf-8")
    assert "\u0007" not in raw and "&lt;b&gt;Comrades&lt;/b&gt; --&gt; 00:00:09" in raw


def test_what_else_prints_on_the_childs_stdout_is_never_taken_for_whispers_words(
    transcribing, tmp_path
):
    """A site hook (or a library) that prints, even a line that looks like the child's
    own "done", does not end a transcription as if no speech were heard."""
    catalog = transcribing("seized")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(
        "print('{\"done\": true}'); print('a site hook says hello')\n", encoding="utf-8"
    )
    path = os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")]))
    done = run_publisher("build", cwd=catalog.parent, env={"PYTHONPATH": path}, timeout=300)
    assert done.exit_code == 0, done.stderr
    assert "heard no speech" not in done.stderr
    vtt, _srt = published_cues(catalog.parent / "feeds", "seized")
    assert cue_saying(vtt, SEIZED_POWER) and cue_saying(vtt, SOVIETS)


def test_a_lost_state_keeps_the_transcripts_made_from_speech(transcribing):
    catalog = transcribing("seized")
    assert build(catalog).exit_code == 0
    out = catalog.parent / "feeds"
    published = transcripts_in_feed(out)
    vtt = (out / "media/talks/seized.speech.vtt").read_bytes()
    for path in (catalog.parent / ".publisher").glob("state.db*"):  # its backup too
        path.unlink()
    recovered = build(catalog)
    assert recovered.exit_code == 0, recovered.stderr
    assert "recovered from feeds" in recovered.stderr
    assert "transcribing" not in recovered.stderr  # not made a second time
    assert transcripts_in_feed(out) == published and published[0]["language"] == "en"
    assert (out / "media/talks/seized.speech.vtt").read_bytes() == vtt
    again = build(catalog)
    assert "transcribing" not in again.stderr and "0 files written" in again.stdout


def test_a_series_that_stops_transcribing_withdraws_its_transcripts(transcribing):
    catalog = transcribing("seized")
    assert build(catalog).exit_code == 0
    out = catalog.parent / "feeds"
    assert len(transcripts_in_feed(out)) == 2
    transcribing("seized", series={"transcribe": False})
    off = build(catalog)
    assert off.exit_code == 0, off.stderr
    assert transcripts_in_feed(out) == []
    assert "seized.speech" not in (out / "talks/index.html").read_text(encoding="utf-8")
    check = run_publisher("check", cwd=catalog.parent)
    assert check.exit_code == 0, check.stdout + check.stderr
    # and on again: made again, as for a talk never transcribed
    transcribing("seized")
    on = build(catalog)
    assert on.exit_code == 0 and "seized: transcript made from its speech" in on.stderr
    assert len(transcripts_in_feed(out)) == 2


def test_silence_and_noise_get_no_transcript_of_words_whisper_made_up(transcribing):
    transcribing("silence", talk="silence")
    catalog = transcribing("silence", "noise", talk="noise")
    done = build(catalog)
    assert done.exit_code == 0, done.stderr
    for talk in ("silence", "noise"):
        assert f"{talk}: Whisper heard no speech; no transcript" in done.stderr
        assert not (catalog.parent / f"feeds/media/talks/{talk}.speech.vtt").exists()
    assert transcripts_in_feed(catalog.parent / "feeds") == []
    assert "transcribing" not in build(catalog).stderr  # and not asked again


def test_without_faster_whisper_one_warning_says_how_to_install_it(transcribing, tmp_path):
    catalog = transcribing("one", "two")
    hooks = tmp_path / "hooks"
    hooks.mkdir()  # a Python in which faster-whisper is not installed
    (hooks / "sitecustomize.py").write_text(
        "import sys; sys.modules['faster_whisper'] = None\n", encoding="utf-8"
    )
    path = os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")]))
    for command in ("build", "doctor"):
        done = run_publisher(command, cwd=catalog.parent, env={"PYTHONPATH": path}, timeout=300)
        said = [
            line for line in (done.stdout + done.stderr).splitlines() if "faster-whisper" in line
        ]
        assert len(said) == 1, done.stdout + done.stderr
        assert "pip install '.[transcribe]'" in said[0]
        assert "publisher[transcribe]" not in said[0]  # no package of that name is ours
    assert build(catalog).exit_code == 0  # (the build above published both episodes)
    assert len(transcripts_in_feed(catalog.parent / "feeds")) == 4


def test_a_build_killed_while_transcribing_leaves_no_whisper_and_loses_only_seconds(
    transcribing,
):
    catalog = transcribing("again", talk="again")
    work = catalog.parent / ".publisher/work/again.transcribing.json"
    command = [sys.executable, "-m", "publisher", "build"]
    build_process = subprocess.Popen(
        command, cwd=catalog.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        whisper = _whisper_child(build_process.pid, timeout=120)
        end = time.monotonic() + 60
        while not (work.exists() and json.loads(work.read_text(encoding="utf-8"))["cues"]):
            assert time.monotonic() < end and build_process.poll() is None, "nothing saved"
            time.sleep(0.05)
        build_process.send_signal(signal.SIGKILL)  # no chance to save or to end its child
        build_process.wait(timeout=10)
    finally:
        build_process.kill()
        build_process.wait()
    heard = json.loads(work.read_text(encoding="utf-8"))["cues"]
    assert heard[-1][1] < 30  # saved as it went: killed within its first 30 s window
    end = time.monotonic() + 5
    while _alive(whisper):  # orphaned, it sees the end of its input and exits
        assert time.monotonic() < end, "Whisper goes on running without its build"
        time.sleep(0.1)
    again = build(catalog)
    assert again.exit_code == 0, again.stderr
    assert f"from {heard[-1][1]:.0f} s" in again.stderr
    vtt, _srt = published_cues(catalog.parent / "feeds", "again")
    assert [c.text for c in vtt[: len(heard)]] == [text for _s, _e, text in heard]
    assert all(a.end <= b.start for a, b in zip(vtt, vtt[1:], strict=False))  # heard once
