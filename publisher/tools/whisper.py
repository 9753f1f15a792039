"""Whisper through faster-whisper (CTranslate2): the only module that imports it.

Transcription runs in a child process, `python -m publisher.tools.whisper`: one 30-second
window of a large model on a CPU can take longer than a run may take to stop, and model
loading (or its first download) longer still, while a child can be killed at once. The
child loads the model, transcribes, and writes one JSON line per segment as it goes; the
parent hands each to the caller, so a transcription that is stopped (SIGTERM, the run's
time budget) keeps what was done, and the next run resumes from there (`Job.start`).
Those lines go through a pipe of their own, not the child's stdout: whatever else prints
there (a library, a site hook) is never taken for a message.

The child reads its stdin until the parent closes it: should the parent die without
killing it (SIGKILL), the child sees the end of its stdin and exits.

Importing this module loads no part of faster-whisper: a build with nothing to
transcribe never pays for it (tests/test_startup.py).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from publisher.errors import ToolError

log = logging.getLogger(__name__)

# The publisher is installed from its folder (README), not by a name on PyPI: the extra
# from there, or faster-whisper itself into the same Python.
INSTALL = (
    "install the transcribe extra: pip install '.[transcribe]' in the publisher's folder"
    " (or pip install 'faster-whisper>=1.1' into the Python that runs it)"
)
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")  # what makes a model folder
POLL_SECONDS = 0.2  # how often the parent looks at the stop event and the deadline
CUE_CHARACTERS = 84  # two caption lines of 42, the common limit for subtitles
CUE_PAUSE = 1.0  # seconds of silence between words that start a new cue
KNOWN_NAMES = "tiny, base, small, medium, large-v3, large-v3-turbo"
# Whisper makes words up in silence and noise ("You", "."); what it makes up, it is unsure
# of. A window it thinks silent (no-speech probability over Whisper's own threshold)
# whose words are below Whisper's own threshold of an anomalous word is dropped.
NO_SPEECH = 0.6
WORD_DOUBT = 0.15

Outcome = Literal["done", "stopped", "out of time"]


class ModelUnavailable(ToolError):
    """The model cannot be had: faster-whisper missing, no such model or folder, offline."""

    def __init__(self, model: str, why: str, advice: str):
        super().__init__(f"the transcription model {model!r} is not available: {why}", advice)
        self.model = model


class TranscriptionFailed(ToolError):
    """Whisper ran but failed on this audio (it could not be decoded, the child crashed)."""


@dataclass(frozen=True)
class Segment:
    start: float  # seconds from the start of the audio
    end: float
    text: str


@dataclass(frozen=True)
class Job:
    audio: Path
    model: str  # a faster-whisper model name (base, large-v3…), or a model folder
    language: str  # as Whisper names languages: en, fr, de…
    start: float = 0.0  # seconds already transcribed by an earlier, stopped run
    threads: int = 0  # CPU threads; 0: every core this process may use


# The model ------------------------------------------------------------------------------


def is_installed() -> bool:
    return importlib.util.find_spec("faster_whisper") is not None


def version() -> str | None:
    try:
        return importlib.metadata.version("faster-whisper")
    except importlib.metadata.PackageNotFoundError:
        return None


def load_problem() -> str | None:
    """Why faster-whisper does not load in this Python, or None when it does (doctor)."""
    try:
        import faster_whisper  # noqa: F401  (only loading it tells)
    except Exception as error:  # a missing library of CTranslate2 or PyAV, say
        return _first_line(error)
    return None


def model_location(model: str, root: Path) -> Path | None:
    """The folder a model given as a path names (relative to `root`, the catalog's
    folder); None when `model` is a name for faster-whisper to fetch or find cached. A
    path is absolute, starts with ./ ../ or ~, or names a folder that exists."""
    path = Path(model).expanduser()
    looks_like_path = model.startswith(("/", "./", "../", "~")) or path.is_absolute()
    candidate = path if path.is_absolute() else root / path
    if looks_like_path or candidate.is_dir():
        return candidate
    return None


def check_model(model: str, root: Path) -> str:
    """Where the model is, without loading it; raises ModelUnavailable when it cannot be
    had. A name not yet fetched is "to be fetched" (the first transcription does it)."""
    if not is_installed():
        raise ModelUnavailable(model, "faster-whisper is not installed", INSTALL)
    folder = model_location(model, root)
    if folder is not None:
        missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
        if missing:
            why = f"{folder} has no {', '.join(missing)}"
            advice = "give a folder holding a CTranslate2 Whisper model (model.bin, config.json…)"
            raise ModelUnavailable(model, why, advice)
        return str(folder)
    cached = _cached_model(model)
    return cached or "not fetched yet: the first transcription fetches it into the model cache"


def _cached_model(name: str) -> str | None:
    from faster_whisper.utils import download_model  # doctor only; never in a build

    try:
        return download_model(name, local_files_only=True)
    except ValueError as error:  # not a model name faster-whisper knows
        raise ModelUnavailable(name, str(error).split(",")[0], _name_advice()) from None
    except Exception:  # not in the cache: huggingface_hub says so in many ways
        return None


def _name_advice() -> str:
    return (
        f"give a faster-whisper model name ({KNOWN_NAMES}) or a model folder; a name is"
        " fetched once into the model cache, which needs the network the first time"
    )


# Transcribing: the parent's side --------------------------------------------------------


def transcribe(
    job: Job,
    root: Path,
    on_segment: Callable[[Segment], None],
    stop: threading.Event,
    deadline: float,
) -> Outcome:
    """Transcribe `job.audio` from `job.start`, handing each segment to `on_segment` as
    it comes. Returns "done", or why it stopped early: `stop` was set, or `deadline`
    (time.monotonic()) passed; whatever stops it, the child is killed on the way out."""
    if not is_installed():
        raise ModelUnavailable(job.model, "faster-whisper is not installed", INSTALL)
    folder = model_location(job.model, root)
    if folder is not None:
        check_model(job.model, root)  # a folder is checked here: no child for a typo
        job = Job(job.audio, str(folder), job.language, job.start, job.threads)
    reading, writing = os.pipe()
    command = [sys.executable, "-m", "publisher.tools.whisper", json.dumps(_request(job)),
               str(writing)]  # fmt: skip
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as output,
        open(reading, encoding="utf-8", errors="replace") as messages,
    ):
        try:
            child = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=output, stderr=output, text=True,
                pass_fds=(writing,),
            )  # fmt: skip
        finally:
            os.close(writing)  # the child's alone: its end closes when the child ends
        try:
            return _follow(child, messages, job, on_segment, stop, deadline, output)
        finally:
            _end(child)


def _request(job: Job) -> dict:
    request = asdict(job)
    request["audio"] = str(job.audio)
    request["threads"] = job.threads or len(os.sched_getaffinity(0))
    return request


def _follow(child, messages, job: Job, on_segment, stop, deadline, output) -> Outcome:
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in messages:
            lines.put(line)
        lines.put(None)  # the child closed its end: it ended

    threading.Thread(target=read, daemon=True).start()
    while True:
        if stop.is_set():
            return "stopped"
        if time.monotonic() >= deadline:
            return "out of time"
        try:
            line = lines.get(timeout=POLL_SECONDS)
        except queue.Empty:
            continue
        if line is None:
            raise TranscriptionFailed(_crash(job, child.wait(), output))
        message = _message(line)
        if "segment" in message:
            on_segment(Segment(*message["segment"]))
        elif "model_error" in message:
            raise ModelUnavailable(job.model, message["model_error"], _name_advice())
        elif "error" in message:
            raise TranscriptionFailed(
                f"Whisper could not transcribe {job.audio.name}: {message['error']}"
            )
        elif "done" in message:
            return "done"


def _message(line: str) -> dict:
    """One line of the child's, as `_say` wrote it; anything else is a failure."""
    try:
        message = json.loads(line)
    except ValueError:
        message = None
    if not isinstance(message, dict) or len(message) != 1:
        raise TranscriptionFailed(f"Whisper's child said something unreadable: {line[:80]!r}")
    segment = message.get("segment")
    if segment is not None and not (
        isinstance(segment, list) and len(segment) == 3
        and all(isinstance(n, int | float) for n in segment[:2]) and isinstance(segment[2], str)
    ):  # fmt: skip
        raise TranscriptionFailed(f"Whisper's child gave an unreadable segment: {segment!r:.80}")
    return message


def _crash(job: Job, code: int, output) -> str:
    output.seek(0)
    last = next((line for line in reversed(output.read().splitlines()) if line.strip()), "")
    return f"Whisper stopped on {job.audio.name} (exit {code}){': ' + last if last else ''}"


def _end(child: subprocess.Popen) -> None:
    """Kill the child unless it is done: it holds nothing that needs a clean exit."""
    if child.poll() is None:
        child.kill()
    child.wait()
    if child.stdin is not None:
        child.stdin.close()


# Transcribing: the child's side ---------------------------------------------------------


def _child(request: dict, messages: int) -> None:
    out = os.fdopen(messages, "w", encoding="utf-8")  # the pipe to the parent
    _exit_when_orphaned()
    job = Job(Path(request["audio"]), request["model"], request["language"],
              request["start"], request["threads"])  # fmt: skip
    try:
        model = _load(job)
    except Exception as error:
        _say(out, model_error=_first_line(error))
        return
    try:
        segments, _info = model.transcribe(
            str(job.audio),
            language=job.language,
            clip_timestamps=[job.start] if job.start else "0",
            vad_filter=False,  # a clip start cannot be combined with it; speech is the norm
            word_timestamps=True,  # cues of a sentence each, timed where it is said
        )
        for segment in segments:
            if is_made_up(segment.no_speech_prob, [w.probability for w in segment.words or ()]):
                continue
            words = [(word.start, word.end, word.word) for word in segment.words or ()]
            for start, end, text in cues_of(words):
                _say(out, segment=[round(start, 3), round(end, 3), text])
    except Exception as error:
        _say(out, error=_first_line(error))
        return
    _say(out, done=True)


def is_made_up(no_speech: float, probabilities: list[float]) -> bool:
    """Whether a window's words are what Whisper makes up in silence or noise."""
    doubt = sum(probabilities) / len(probabilities) if probabilities else 0.0
    return no_speech > NO_SPEECH and doubt < WORD_DOUBT


def cues_of(words: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """Whisper's timed words as caption cues: a new cue after a sentence ends, after a
    pause, or before a cue would grow past two lines. Whisper's own segments run
    sentences together across pauses; a reader seeking by cue wants each where it is said."""
    cues: list[tuple[float, float, str]] = []
    for start, end, word in words:  # a word brings its own space: " power", "-based"
        if not any(character.isalnum() for character in word):
            continue  # a "." alone is no word: Whisper hears it in noise
        if cues:
            first, last, joined = cues[-1]
            ended = joined.endswith((".", "?", "!", "…"))
            longer = len(joined) + len(word) > CUE_CHARACTERS
            if not (ended or longer or start - last >= CUE_PAUSE):
                cues[-1] = (first, end, joined + word)
                continue
        cues.append((start, end, word.strip()))
    return cues


def _load(job: Job):
    import ctranslate2
    from faster_whisper import WhisperModel

    on_gpu = ctranslate2.get_cuda_device_count() > 0
    return WhisperModel(
        job.model,
        device="cuda" if on_gpu else "cpu",
        compute_type="float16" if on_gpu else "int8",
        cpu_threads=job.threads,
    )


def _say(out, **message) -> None:
    out.write(json.dumps(message, ensure_ascii=False) + "\n")
    out.flush()


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _exit_when_orphaned() -> None:
    def wait_for_end_of_input() -> None:
        sys.stdin.read()
        os._exit(1)

    threading.Thread(target=wait_for_end_of_input, daemon=True).start()


if __name__ == "__main__":
    _child(json.loads(sys.argv[1]), int(sys.argv[2]))
