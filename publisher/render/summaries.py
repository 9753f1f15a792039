"""A summary on a series page: sanitised HTML whose timestamps seek the player.

When the page shows the episode's chapter list, the summary's own chapter lines are left
out, so a visitor sees one list of chapters: the one the feed and the audio carry."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from markupsafe import Markup

from publisher.formats.chapters import TIME, chapter_of_line, chapters_from_text, seconds_of
from publisher.formats.sanitize import clean_html
from publisher.model import Item

# A time in running text, not part of a longer number or time ("12:30", not "1:12:30:5").
_TIMESTAMP = re.compile(rf"(?<![\d:])({TIME})(?![\d:])")
_LINE_EDGES = frozenset({"p", "li", "ul", "ol", "blockquote"})  # and <br>
_VOID = frozenset({"br"})


def page_summary(text: str, item: Item, audio_href: str) -> Markup:
    """The episode's summary as the page shows it: timestamps become seek links, and the
    chapter lines it lists are left out when the page shows the episode's chapters, so
    the page has one list of chapters: the one the feed and the audio file carry."""
    cleaned = clean_html(text)
    if not cleaned:
        return Markup("")
    duration = item.audio.duration if item.audio else None
    tokens = _Tokens(cleaned).tokens
    if item.chapters and chapters_from_text(text, duration):
        tokens = _without_empty_elements(_without_chapter_lines(tokens))
    return Markup(_serialise(tokens, audio_href, duration))


class _Tokens(HTMLParser):
    """Sanitised HTML as ("start", tag, attrs), ("end", tag, None), ("text", text, None)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tokens.append(("start", tag, attrs))

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag, None))

    def handle_data(self, data):
        self.tokens.append(("text", data, None))


def _is_line_edge(token: tuple) -> bool:
    return token[1] in _LINE_EDGES or (token[0] == "start" and token[1] in _VOID)


def _without_chapter_lines(tokens: list[tuple]) -> list[tuple]:
    """Drop the text of each line that names a chapter (and the links in it)."""
    kept: list[tuple] = []
    line: list[tuple] = []
    for token in [*tokens, ("end", "p", None)]:  # a sentinel edge flushes the last line
        if not _is_line_edge(token):
            line.append(token)
            continue
        text = "".join(t[1] for t in line if t[0] == "text")
        if chapter_of_line(text):
            line = [t for t in line if t[0] != "text" and t[1] != "a"]
            if kept and kept[-1][1] == "br":
                kept.pop()  # the break before a dropped line goes with it
        kept += line
        kept.append(token)
        line = []
    return kept[:-1]


def _without_empty_elements(tokens: list[tuple]) -> list[tuple]:
    """Remove elements left with nothing in them, and breaks that start or end a block."""
    changed = True
    while changed:
        changed = False
        kept: list[tuple] = []
        for token in tokens:
            previous = kept[-1] if kept else None
            blank = token[0] == "text" and not token[1].strip()
            if (
                previous
                and previous[0] == "start"
                and token[0] == "end"
                and previous[1] == token[1]
            ):
                kept.pop()  # <p></p>, <b></b>
                changed = True
            elif token[1] == "br" and (previous is None or _is_line_edge(previous)):
                changed = True  # <p><br>
            elif token[0] == "end" and previous and previous[1] == "br":
                kept[-1] = token  # <br></p>
                changed = True
            elif blank and previous and _is_line_edge(previous):
                changed = True  # whitespace between blocks
            else:
                kept.append(token)
        tokens = kept
    return tokens


def _serialise(tokens: list[tuple], audio_href: str, duration: float | None) -> str:
    """Tokens back to HTML; every text escaped, timestamps outside links made seek links."""
    out: list[str] = []
    in_link = 0
    for kind, value, attrs in tokens:
        if kind == "start":
            attributes = "".join(f' {name}="{html.escape(v or "")}"' for name, v in attrs)
            out.append(f"<{value}{attributes}>")
            in_link += value == "a"
        elif kind == "end":
            if value not in _VOID:
                out.append(f"</{value}>")
            in_link -= value == "a"
        else:
            out.append(
                html.escape(value, quote=False)
                if in_link
                else _seek_links(value, audio_href, duration)
            )
    return "".join(out).strip()


def _seek_links(text: str, audio_href: str, duration: float | None) -> str:
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
