"""Running the per-item stages: a pool of `jobs` workers, the stop event, and per-item
failures that cost only that item.

A stage is a plain function `(run, item) -> None`; `build` lists them in order. A stage
that raises a `PublisherError` fails that item only (logged, recorded in the state,
counted by kind), and the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from publisher.build.plan import plan
from publisher.build.run import Run
from publisher.errors import PublisherError, SiteHeld
from publisher.fetch import BACKING_OFF, attempt_key, failure_kind
from publisher.messages import describe
from publisher.model import Item
from publisher.stages.follow import NotFollowed
from publisher.stages.transcripts import local_captions_current

log = logging.getLogger(__name__)
# Each entry's failure, as it happens. A quiet build silences it and prints the news of
# lasting failures instead (`build.lasting`): when one starts, ends, once a day between.
FAILURES_LOGGER = "publisher.build.failures"
failures_log = logging.getLogger(FAILURES_LOGGER)

ItemStage = Callable[[Run, Item], None]


def talks_with_work(run: Run) -> list[Item]:
    """The talks some stage has work for (new, changed, or failed before), newest first,
    within the run's download budget (the rest wait for a later run)."""
    talks = [item for item in run.items if item.entry.is_talk and item.entry.source]
    recipes, failed = run.state.all_media_recipes(), run.state.errors()
    failed = {entry_id for entry_id in failed if entry_id not in run.state.feed_holds()}
    talks = [t for t in talks if t.id in failed or not up_to_date(run, t, recipes)]
    return run.fetch.in_budget(talks)


def talks_with_stale_chapters(run: Run) -> list[Item]:
    """Published talks whose chapters are not those their texts list now: an editor's
    edit of the timestamps in a summary, which needs no network to publish."""
    recipes = run.state.all_media_recipes()
    return [
        item
        for item in run.items
        if item.entry.is_talk
        and item.audio is not None
        and not plan(run, item, recipes.get(item.id, {})).chapters_current(item)
    ]


def run_item_stages(run: Run, stages: list[ItemStage], talks: list[Item] | None = None) -> None:
    """Run each of `talks` (by default, `talks_with_work`) through `stages`, `jobs` at a
    time; a failure stops only that talk."""
    if not stages:
        return  # nothing is attempted, so nothing is cleared or recorded
    talks = talks_with_work(run) if talks is None else talks
    pool = ThreadPoolExecutor(max_workers=max(1, run.options.jobs))
    try:
        list(pool.map(lambda item: _run_one(run, item, stages), talks))
    except BaseException:
        # Interrupted: no new step starts, running downloads and ffmpeg see `stopping`.
        run.stopping.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_offline_stages(run: Run, stages: list[ItemStage], talks: list[Item]) -> None:
    """Run `talks` through stages that need no network, one after the other. A failure
    costs this run the talk's edit only: the state's record of its last online attempt
    (an error to retry, or none) is left as it was."""
    for item in talks:
        try:
            for stage in stages:
                stage(run, item)
        except (PublisherError, OSError) as error:
            item.error = describe(error)
            failures_log.error("%s: %s", item.id, item.error)


def _run_one(run: Run, item: Item, stages: list[ItemStage]) -> None:
    tried = attempt_key(item.entry, run.series_of(item))
    if run.fetch.is_deferred(item, tried) and not run.options.refresh:
        deferral = run.fetch.deferred[item.id]
        item.error = deferral.message  # it waits: not a new failure every run
        kind = deferral.kind if deferral.kind == "unavailable" else BACKING_OFF
        run.fetch.failed_by_kind.setdefault(kind, []).append(item.id)
        return
    try:
        with run.requests_limited():
            for stage in stages:
                if run.stopping.is_set():
                    return
                run.progress.start(item, stage.__name__)
                stage(run, item)
        run.state.clear_error(item.id)
    except NotFollowed:
        item.skipped = True  # a followed video outside its series' rules: not a failure
    except SiteHeld as held:
        item.error = describe(held)  # not asked at all: its last error stays as it was
        log.info("%s: %s", item.id, item.error)
    except PublisherError as error:
        if run.stopping.is_set():
            return  # interrupted, not failed: the next run simply does it again
        item.error = describe(error)  # what happened and what to do, in one line
        failures_log.error("%s: %s", item.id, item.error)
        run.fetch.note_failure(error, item.error, item.id)
        _record_failure(run, item, error, tried)
    except OSError as error:  # a full disk, a file that cannot be read: one line, no traceback
        if run.stopping.is_set():
            return
        item.error = describe(error)
        failures_log.error("%s: %s", item.id, item.error)
        _record_failure(run, item, error, tried)
    except Exception as error:  # a bug must not cost the other entries their episodes
        item.error = f"internal error: {error!r}"
        failures_log.exception("%s: unexpected error", item.id)
        _record_failure(run, item, error, tried)
    finally:
        run.progress.done(item)


def _record_failure(run: Run, item: Item, error: BaseException, tried: str) -> None:
    """Record the failure, counted with the ones before it in a row: the entry backs off."""
    strikes = run.state.strikes(item.id, tried) + 1
    retry = run.fetch.retry_after(error, strikes)
    run.state.record_error(item.id, item.error, failure_kind(error), retry, strikes, tried)


def up_to_date(run: Run, item: Item, recipes: dict[str, dict[str, str]]) -> bool:
    """A talk whose plan is current (media made by today's recipes, chapters as
    published) from the source its cached metadata was read from, with no failure to
    retry: no stage has anything to do."""
    info = item.info
    if run.options.refresh or info is None or info.source != item.entry.source:
        return False
    made = recipes.get(item.id, {})
    the_plan = plan(run, item, made)
    # and captions put beside a local source, which no metadata announces
    return the_plan.is_current(item) and local_captions_current(the_plan, made)
