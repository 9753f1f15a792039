"""How a build reports progress: a live display on a terminal, plain log lines under cron."""

from __future__ import annotations

import logging
import threading

from rich.console import Console
from rich.progress import BarColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar

from publisher.build.run import Progress
from publisher.model import Item

log = logging.getLogger("publisher")


class LogProgress(Progress):
    """Under cron: one debug line per step, so a quiet run prints only its summary."""


class TerminalProgress(Progress):
    """A bar per entry being worked on, with the step name and download percentage."""

    def __init__(self, console: Console):
        self._bar = RichBar(
            TextColumn("{task.fields[entry]}"),
            TextColumn("[dim]{task.fields[step]}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> TerminalProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self._bar.stop()

    def start(self, item: Item, what: str) -> None:
        with self._lock:
            task = self._tasks.get(item.id)
            if task is None:
                self._tasks[item.id] = self._bar.add_task("", total=1.0, entry=item.id, step=what)
            else:
                self._bar.update(task, completed=0, step=what)

    def advance(self, item: Item, fraction: float) -> None:
        task = self._tasks.get(item.id)
        if task is not None:
            self._bar.update(task, completed=max(0.0, min(1.0, fraction)))

    def done(self, item: Item) -> None:
        with self._lock:
            task = self._tasks.pop(item.id, None)
        if task is not None:
            self._bar.remove_task(task)


def terminal_progress() -> TerminalProgress:
    """The live display, on stderr (stdout keeps the one-line summary for scripts)."""
    return TerminalProgress(Console(stderr=True))
