"""The characters the publisher never writes, in one table, and text cleaned of them.

XML 1.0 cannot carry C0 controls other than tab, newline and carriage return, lone
surrogates, or U+FFFE and U+FFFF: one of them in a title makes lxml refuse the whole feed.
DEL and the C1 controls (U+0080-U+009F) are valid XML but show as boxes or nothing in
every app, and are most often Windows-1252 text decoded as Latin-1, so they go too.
The catalog refuses these characters (an editor fixes the text); text from outside — a
page, yt-dlp's metadata, a caption file — is cleaned of them.
"""

from __future__ import annotations

import re

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Invisible format characters that text from outside has no business carrying: the bidi
# overrides, embeddings and isolates (U+202E turns "mp4.exe" around), zero-width space,
# word joiner and a stray BOM. ZWJ and ZWNJ stay: emoji and Persian need them.
INVISIBLE_CONTROLS = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


def first_control_character(text: str) -> str | None:
    match = CONTROL_CHARACTERS.search(text)
    return match.group() if match else None


def describe(character: str) -> str:
    """'the control character U+0007', as a message names it."""
    code = ord(character)
    if 0xD800 <= code <= 0xDFFF:
        what = "half of a surrogate pair"
    elif code in (0xFFFE, 0xFFFF):
        what = "the noncharacter"
    else:
        what = "the control character"
    return f"{what} U+{code:04X}"


def strip_control(text: str) -> str:
    """`text` without the table's characters; tabs and line breaks are kept."""
    return CONTROL_CHARACTERS.sub("", text)


def clean_text(value: object) -> str:
    """Text from outside, safe for XML and tags: line breaks as \\n, none of the table's
    characters nor invisible controls, no space at the ends. Anything but text or a
    number is no text."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return INVISIBLE_CONTROLS.sub("", strip_control(text)).strip()


def one_line(value: object) -> str:
    """`clean_text` with every run of white space, line breaks too, made one space."""
    return _SPACE.sub(" ", clean_text(value)).strip()
