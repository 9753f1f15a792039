"""Transcribe: a transcript made from a talk's own speech, with Whisper, on this machine.

A talk is transcribed when its series transcribes (`transcribe`, on the site or the
series) and its source has no captions made by people in its language (`is_human`, the
rule of which text wins). It is never what holds an episode back: this step runs after
the feeds are rendered, so new audio is published first; what it makes is rendered
again at the end of the same run.

A run gives it `site.transcribe.max_minutes` at most. A transcription that is stopped
there, or by SIGTERM, keeps every segment it heard in a work file beside the state
(killed outright, what it heard until its last save, a few seconds before), and the
next run goes on from the last one. A transcript is made once per recipe (the plan's
`speech` output: the source and its language) and never again. A talk Whisper
fails on is backed off (an hour, doubling to a week); a model that cannot be had is
one warning per run, and the next run tries again.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.build.plan import (
    SPEECH,
    Output,
    plan,
    published_files,
    speech,
    transcribe_settings,
)
from publisher.formats.captions import Cue, clean_cues
from publisher.formats.text import one_line
from publisher.model import AUDIO, TRANSCRIPT_SRT, TRANSCRIPT_VTT, Item, Transcribe
from publisher.stages.transcripts import write_transcripts

if TYPE_CHECKING:
    from collections.abc import Callable

    from publisher.build.run import Run
    from publisher.tools.whisper import Segment

log = logging.getLogger(__name__)

WORK_SUFFIX = ".transcribing.json"  # in the run's work dir: the work done on a talk
FIRST_BACKOFF = 3600.0  # seconds before a talk Whisper failed on is tried again
LAST_BACKOFF = 7 * 24 * 3600.0
BUDGET_SETTING = "site.transcribe.max_minutes"
MAX_WORK_BYTES = 16 * 1024 * 1024  # ten hours of speech take about 1 MB
SAVE_EVERY = 5.0  # seconds between saves of the work on a talk being transcribed


@dataclass
class Work:
    """What was done towards one talk's transcript: the segments heard so far (a stopped
    transcription goes on from the last), or the failures that hold it back."""

    made_from: str
    cues: list[list] = field(default_factory=list)  # [start, end, text]
    failures: int = 0
    retry_after: float = 0.0  # a Unix time; 0: now
    nothing_heard: bool = False  # Whisper heard no speech: not tried again

    @property
    def until(self) -> float:
        return self.cues[-1][1] if self.cues else 0.0

    def waits(self, now: float) -> bool:
        return self.nothing_heard or now < self.retry_after

    def back_off(self, now: float) -> float:
        """Record a failure; returns the seconds until the next try."""
        self.failures += 1
        delay = min(LAST_BACKOFF, FIRST_BACKOFF * 2 ** (self.failures - 1))
        self.retry_after = now + delay
        return delay


WORK_FIELDS = {f.name for f in fields(Work)}


def work_path(run: Run, item: Item) -> Path:
    return run.work_dir / f"{item.id}{WORK_SUFFIX}"


def load_work(run: Run, item: Item, recipe: str) -> Work:
    """The work done for this recipe; a fresh start for another (the source changed), or
    for a file that is not what `save_work` writes: it is only work, made again."""
    path = work_path(run, item)
    try:
        if path.stat().st_size > MAX_WORK_BYTES:
            return Work(recipe)
        read = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Work(recipe)  # none yet, or unreadable
    longest = (item.audio.duration if item.audio else None) or math.inf
    return work_of(read, time.time()) if _is_work(read, recipe, longest) else Work(recipe)


def _is_work(read: object, recipe: str, longest: float) -> bool:
    """Whether `read` is a Work of `recipe` as saved: its cues timed within the audio, in
    order, with text, and its counts of the right types (a file cut short or edited by
    hand is not)."""
    if not isinstance(read, dict) or set(read) != WORK_FIELDS or read["made_from"] != recipe:
        return False
    cues, failures = read["cues"], read["failures"]
    if not isinstance(cues, list) or not all(_is_cue(cue, longest) for cue in cues):
        return False
    # in the order heard; Whisper's word times may overlap a little from one cue to the next
    ordered = all(before[0] <= after[0] for before, after in zip(cues, cues[1:], strict=False))
    return (
        ordered
        and isinstance(failures, int) and not isinstance(failures, bool) and failures >= 0
        and _is_seconds(read["retry_after"])
        and isinstance(read["nothing_heard"], bool)
    )  # fmt: skip


def _is_cue(cue: object, longest: float) -> bool:
    return (
        isinstance(cue, list) and len(cue) == 3
        and _is_seconds(cue[0]) and _is_seconds(cue[1]) and cue[0] <= cue[1] <= longest + 1
        and isinstance(cue[2], str)
    )  # fmt: skip


def _is_seconds(value: object) -> bool:
    return (
        isinstance(value, int | float) and not isinstance(value, bool)
        and math.isfinite(value) and value >= 0
    )  # fmt: skip


def work_of(read: dict, now: float) -> Work:
    """A Work from its checked fields; a wait longer than the longest back-off is cut to it
    (a clock set back, or a file edited by hand, never holds a talk back for ever)."""
    retry_after = min(float(read["retry_after"]), now + LAST_BACKOFF)
    return Work(read["made_from"], read["cues"], read["failures"], retry_after,
                read["nothing_heard"])  # fmt: skip


def save_work(run: Run, item: Item, work: Work) -> None:
    path = work_path(run, item)
    temp = path.with_name(f"{path.name}.{os.getpid()}")
    temp.write_text(json.dumps(asdict(work), ensure_ascii=False), encoding="utf-8")
    os.replace(temp, path)


# Which talks ------------------------------------------------------------------------------


def talks_to_transcribe(run: Run) -> list[tuple[Item, Transcribe]]:
    """Published talks that should have a transcript made from their speech and do not
    yet, newest first; those backing off wait. Loads no part of Whisper."""
    now = time.time()
    wanted = []
    for item in run.items:
        settings = transcribe_settings(run.catalog, run.series_of(item))
        if settings is None or item.audio is None or item.skipped or not item.entry.is_talk:
            continue
        outputs = plan(run, item).made_by(speech)  # none: people's captions win
        if not outputs or published_files(run, item, outputs) is not None:
            continue
        recipe = outputs[0].made_from
        if not work_path(run, item).exists() or not load_work(run, item, recipe).waits(now):
            wanted.append((item, settings))
    return sorted(wanted, key=lambda pair: pair[0].entry.published, reverse=True)


# The step ---------------------------------------------------------------------------------


def transcribe_talks(run: Run) -> bool:
    """Transcribe what `talks_to_transcribe` finds, within the run's budget; returns
    whether a transcript was published (the feeds and pages are then rendered again)."""
    forget_removed_work(run)
    talks = talks_to_transcribe(run)
    if not talks:
        return False
    from publisher.tools import whisper  # the child's runner; no part of Whisper itself

    minutes = (run.catalog.site.transcribe or Transcribe()).max_minutes
    deadline = time.monotonic() + minutes * 60
    unavailable: set[str] = set()
    made = 0
    for index, (item, settings) in enumerate(talks):
        if settings.model in unavailable:
            continue
        outcome = "out of time" if time.monotonic() >= deadline else ""
        try:
            outcome = outcome or transcribe_talk(run, item, settings, deadline)
        except whisper.ModelUnavailable as error:
            unavailable.add(settings.model)
            log.warning(
                "%s — %s; episodes are published without it, the next run tries again",
                error, error.advice,
            )  # fmt: skip
            run.notices.append(f"transcription model {settings.model!r} not available")
        made += outcome == "made"
        if outcome == "out of time":
            waiting = len(talks) - index
            run.notices.append(f"{waiting} talks wait for a transcript ({BUDGET_SETTING})")
        if outcome in ("out of time", "stopped"):
            break
    return made > 0


def transcribe_talk(run: Run, item: Item, settings: Transcribe, deadline: float) -> str:
    """Transcribe one talk, or go on with it: "made" when its transcript was published,
    "stopped" or "out of time" when the run's stop or budget ended it, "" otherwise."""
    from publisher.tools import whisper

    assert item.audio is not None  # talks_to_transcribe keeps only talks with audio
    outputs = plan(run, item).made_by(speech)
    language = outputs[0].recipe.language
    work = load_work(run, item, outputs[0].made_from)
    audio = run.out / item.audio.path
    job = whisper.Job(audio, settings.model, language, start=work.until)
    resumed = f", from {work.until:.0f} s" if work.until else ""
    log.info("%s: transcribing its speech (%s, %s%s)", item.id, settings.model, language, resumed)
    try:
        outcome = whisper.transcribe(
            job, run.catalog.root, _hearing(run, item, work), run.stopping, deadline
        )
    except whisper.TranscriptionFailed as error:
        delay = work.back_off(time.time())
        log.warning("%s: no transcript: %s — tried again in %s", item.id, error, _span(delay))
        return ""
    finally:
        save_work(run, item, work)  # every segment heard, should this run stop now
    if outcome != "done":
        log.info("%s: transcription %s at %.0f s; the next run goes on", item.id, outcome,
                 work.until)  # fmt: skip
        return outcome
    return "made" if publish_transcript(run, item, work, outputs) else ""


def _hearing(run: Run, item: Item, work: Work) -> Callable[[Segment], None]:
    """Each segment heard, into the work; saved at the first and then every SAVE_EVERY
    seconds, so a run killed without a chance to save (SIGKILL, a power cut) loses no
    more than that."""
    last_saved = -math.inf

    def heard(segment: Segment) -> None:
        nonlocal last_saved
        work.cues.append([segment.start, segment.end, segment.text])
        if time.monotonic() - last_saved >= SAVE_EVERY:
            save_work(run, item, work)
            last_saved = time.monotonic()

    return heard


def publish_transcript(run: Run, item: Item, work: Work, outputs: tuple[Output, ...]) -> bool:
    heard = [Cue(start, end, one_line(text)) for start, end, text in work.cues]  # one line each
    cues = clean_cues(heard, rolling=False)
    if not cues:
        work.nothing_heard = True  # music, silence: asked again only for a new source
        save_work(run, item, work)
        log.info("%s: Whisper heard no speech; no transcript", item.id)
        return False
    item.transcripts = write_transcripts(run, item, outputs, cues)
    item.transcript_language = outputs[0].recipe.language
    work_path(run, item).unlink(missing_ok=True)
    log.info("%s: transcript made from its speech (%d cues)", item.id, len(cues))
    return True


def withdraw_unwanted_transcripts(run: Run) -> None:
    """A transcript made from speech stays published while it is the one the talk would
    be given now (its plan's `speech` output): not once its series stops transcribing,
    nor once its audio was made from another source or its language changed (the next
    run transcribes that). Its files are then unreferenced media, swept after the grace
    period."""
    recipes = run.state.all_media_recipes()
    for item in run.items:
        made = recipes.get(item.id, {})
        if not item.transcripts or not made.get(TRANSCRIPT_VTT, "").startswith(f"{SPEECH}|"):
            continue
        the_plan = plan(run, item, made)
        wanted = the_plan.made_by(speech)
        if wanted and (
            made[TRANSCRIPT_VTT] == wanted[0].made_from
            or not made.get(AUDIO, "").startswith(f"{the_plan.talk.source_identity}|")
        ):  # wanted, or its audio is still the old one (a download failed): it stays
            continue
        log.info("%s: its transcript made from speech is withdrawn", item.id)
        item.transcripts, item.transcript_language = [], None
        for role in (TRANSCRIPT_VTT, TRANSCRIPT_SRT):
            run.state.forget_media_file(item.id, role)


def forget_removed_work(run: Run) -> None:
    """Work on talks no longer in the catalog is never finished: delete it."""
    wanted = {item.id for item in run.items}
    for path in run.work_dir.glob(f"*{WORK_SUFFIX}"):
        if path.name.removesuffix(WORK_SUFFIX) not in wanted:
            path.unlink(missing_ok=True)


def _span(seconds: float) -> str:
    hours = seconds / 3600
    return f"{math.ceil(hours / 24)} days" if hours >= 24 else f"{math.ceil(hours)} hours"
