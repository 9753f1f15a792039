"""A summary on a series page: its plain text, escaped, whose timestamps seek the player.

When the page shows the episode's chapter list, the summary's own chapter lines are left
out, so a visitor sees one list of chapters: the one the feed and the audio carry."""

from __future__ import annotations

import html
import re

from markupsafe import Markup

from publisher.formats.chapters import TIME, chapter_of_line, chapters_from_text, seconds_of
from publisher.formats.sanitize import paragraph_lines
from publisher.model import Item

# A time in running text, not part of a longer number or time ("12:30", not "1:12:30:5").
_TIMESTAMP = re.compile(rf"(?<![\d:])({TIME})(?![\d:])")


def page_summary(text: str, item: Item, audio_href: str) -> Markup:
    """The episode's summary as the page shows it: as typed, in paragraphs, timestamps
    made seek links; the chapter lines it lists are left out when the page shows the
    episode's chapters, so the page has one list of chapters: the one the feed and the
    audio file carry."""
    duration = item.audio.duration if item.audio else None
    paragraphs = paragraph_lines(text)
    if item.chapters and chapters_from_text(text, duration):
        paragraphs = [[line for line in p if not chapter_of_line(line)] for p in paragraphs]
    return Markup(
        "\n".join(
            "<p>" + "<br>\n".join(_seek_links(line, audio_href, duration) for line in p) + "</p>"
            for p in paragraphs
            if p
        )
    )


def _seek_links(text: str, audio_href: str, duration: float | None) -> str:
    """The line escaped, each time in it that falls within the talk a link seeking there."""
    out, last = [], 0
    for match in _TIMESTAMP.finditer(text):
        start = seconds_of(match.group(1))
        if duration is not None and start >= duration:
            continue  # not a time in this talk
        out.append(html.escape(text[last : match.start()], quote=False))
        out.append(f'<a href="{html.escape(audio_href)}#t={start:.3f}" data-start="{start:.3f}">'
                   f"{match.group(1)}</a>")  # fmt: skip
        last = match.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)
