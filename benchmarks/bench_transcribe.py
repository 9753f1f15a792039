"""Benchmark: what a transcript made from speech costs, beside what the audio costs.

    python benchmarks/bench_transcribe.py [--minutes 10] [--model PATH]

Speaks the shipped catalog's prose (its series descriptions, summaries and titles, over
again until the talk lasts `--minutes`) with flite, as Opus in WebM (YouTube's usual
audio, which an m4a series re-encodes), and times, each a real `publisher build` in a
fresh process:

- extract: the build that publishes the talk's audio (transcription off);
- transcribe: the next build, with `site.transcribe` on, which only transcribes (the
  Whisper base model, int8, on this machine's CPU cores);

and reports the real-time factor (transcription time / speech time), the peak resident
memory of each build and anything it ran (the Whisper child included), and the word error
rate of the transcript against the text flite spoke. `--model` gives a model folder; by
default the base model is assembled from the test packages.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))

import imageio_ffmpeg  # noqa: E402
from helpers import yaml_writer  # noqa: E402
from helpers.measure import measure  # noqa: E402
from helpers.speech import speak, wav_seconds, whisper_base_model, word_error_rate  # noqa: E402

from publisher.catalog.load import load_catalog  # noqa: E402
from publisher.formats.captions import parse_vtt  # noqa: E402

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def catalog_prose() -> str:
    catalog = load_catalog(REPO / "media_catalog.yaml")
    texts = [series.description for series in catalog.series.values()]
    texts += [entry.summary for entry in catalog.entries if entry.summary]
    texts += [f"{entry.title}." for entry in catalog.entries]
    return " ".join(" ".join(texts).split())


def spoken_talk(folder: Path, minutes: float) -> tuple[Path, str, float]:
    """A WebM talk of about `minutes` of flite speech; the text said and its length."""
    prose = catalog_prose().split()
    probe = speak(" ".join(prose), folder / "probe.wav")
    per_word = wav_seconds(probe) / len(prose)
    probe.unlink()
    count = int(minutes * 60 / per_word)
    text = " ".join((prose * (count // len(prose) + 1))[:count])
    wav = speak(text, folder / "speech.wav")
    seconds = wav_seconds(wav)
    talk = folder / "talks" / "talk.webm"
    talk.parent.mkdir()
    subprocess.run(
        [FFMPEG, "-v", "error", "-nostdin", "-y", "-i", str(wav), "-ar", "48000",
         "-c:a", "libopus", "-b:a", "48k", str(talk)],
        check=True,
    )  # fmt: skip
    wav.unlink()
    return talk, text, seconds


def write_catalog(folder: Path, transcribe: dict | None) -> Path:
    (folder / "assets").mkdir(exist_ok=True)
    (folder / "assets" / "cover.png").write_bytes((REPO / "assets" / "cover.png").read_bytes())
    site = dict(yaml_writer.DEFAULT_SITE)
    if transcribe:
        site["transcribe"] = transcribe
    entry = {"id": "talk", "kind": "video", "series": "talks", "title": "A talk",
             "source": "talks/talk.webm", "published": "2017-07-20"}  # fmt: skip
    document = {"site": site, "series": {"talks": yaml_writer.DEFAULT_SERIES}, "entries": [entry]}
    path = folder / "media_catalog.yaml"
    path.write_text(yaml_writer.dump(document), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--model", type=Path, help="a Whisper model folder (CTranslate2)")
    parser.add_argument("--show", action="store_true", help="print the text said and heard")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-transcribe-") as temp:
        folder = Path(temp)
        model = options.model or whisper_base_model(folder / "model")
        started = time.perf_counter()
        _talk, said, seconds = spoken_talk(folder, options.minutes)
        print(f"speech: {seconds / 60:.1f} min, {len(said.split())} words "
              f"(flite, {time.perf_counter() - started:.0f} s to make)")  # fmt: skip
        build = [sys.executable, "-m", "publisher", "build"]
        write_catalog(folder, None)
        extract = measure(build, folder)
        write_catalog(folder, {"model": str(model), "max_minutes": 600})
        transcribe = measure(build, folder)
        vtt = (folder / "feeds/media/talks/talk.speech.vtt").read_text(encoding="utf-8")
        cues = parse_vtt(vtt)
        heard = " ".join(cue.text for cue in cues)
        wer = word_error_rate(said, heard)
        if options.show:
            print(f"said:  {said}\nheard: {heard}")
    print(f"extract (publish the audio): {extract['wall']:6.1f} s, "
          f"peak {extract['peak_mb']:.0f} MB")  # fmt: skip
    print(f"transcribe (base, int8):     {transcribe['wall']:6.1f} s, "
          f"peak {transcribe['peak_mb']:.0f} MB")  # fmt: skip
    print(f"real-time factor: {transcribe['wall'] / seconds:.3f} "
          f"({seconds / transcribe['wall']:.1f}x faster than the speech); "
          f"transcribe / extract: {transcribe['wall'] / extract['wall']:.1f}x")  # fmt: skip
    print(f"word error rate: {wer:.1%} over {len(said.split())} words, {len(cues)} cues")


if __name__ == "__main__":
    main()
