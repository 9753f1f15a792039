"""A summary is plain text: every form a reader gets shows exactly what was typed."""

from __future__ import annotations

import html

import lxml.html
import pytest
from helpers.shown import shown

from publisher.formats.sanitize import (
    html_attribute_text,
    paragraphs_html,
    phrase_html,
    plain_text,
    truncate_utf8,
)

# Text that looks like HTML, or is HTML, typed into a summary: every character is shown.
LOOKS_LIKE_HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<see this> and <dual power>",
    "<b>bold</b> & <i>italic</i>",
    "Tom &amp; Jerry &lt;3 &#x26; &nbsp;",
    "]]> & <tag-like>",
    "1 < 2 > 0",
    "<p>a paragraph</p><style>p{}</style>",
]


@pytest.mark.parametrize("text", LOOKS_LIKE_HTML)
def test_html_readers_show_the_text_as_typed(text):
    assert shown(paragraphs_html(text)) == text


@pytest.mark.parametrize("text", LOOKS_LIKE_HTML)
def test_text_readers_get_it_as_typed(text):
    assert plain_text(text) == text


def test_a_line_of_html_changes_nothing_about_the_other_lines():
    """With a <script> line, "<see this>" once disappeared from every output."""
    text = "Watch <see this>\n<script>alert(1)</script>\n\n<dual power> at 0:05"
    assert shown(paragraphs_html(text)) == text
    assert plain_text(text) == "Watch <see this> <script>alert(1)</script> <dual power> at 0:05"


def test_paragraphs_and_line_breaks():
    text = 'First line\nsecond line\n\n\nTom & Jerry <3 "quotes"\n  \n  Last'
    assert paragraphs_html(text) == (
        '<p>First line<br>\nsecond line</p>\n<p>Tom &amp; Jerry &#60;3 "quotes"</p>\n<p>Last</p>'
    )


def test_nothing_typed_becomes_an_element():
    tree = lxml.html.fragment_fromstring(
        paragraphs_html("\n".join(LOOKS_LIKE_HTML)), create_parent="div"
    )
    assert {element.tag for element in tree.iter()} == {"div", "p", "br"}


def test_emoji_rtl_and_windows_newlines():
    assert paragraphs_html("שלום עולם 🎙️\r\nمرحبا") == "<p>שלום עולם 🎙️<br>\nمرحبا</p>"


def test_control_characters_are_removed():
    assert paragraphs_html("a\x00b\x08c\x1bd") == "<p>abcd</p>"
    assert plain_text("a\x0bb") == "ab"


@pytest.mark.parametrize("empty", ["", "   ", "\n\n"])
def test_empty_input(empty):
    assert plain_text(empty) == ""
    assert paragraphs_html(empty) == ""


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 100, "short"),
        ("exactly ten", 11, "exactly ten"),
        ("hello wonderful world", 14, "hello…"),  # cut at the last whole word
        ("hello wonderful world", 18, "hello wonderful…"),
        ("hello, world", 10, "hello…"),  # no trailing comma before the ellipsis
        ("abcdefghij", 6, "abc…"),  # one long word: cut inside it
        ("abc", 2, ""),  # no room even for the ellipsis
    ],
)
def test_truncate_on_utf8_bytes_at_word_boundaries(text, limit, expected):
    assert truncate_utf8(text, limit) == expected
    assert len(truncate_utf8(text, limit).encode()) <= limit


@pytest.mark.parametrize("limit", range(3, 40))
def test_truncate_never_splits_a_character(limit):
    text = "Émile — 漢字 🎙️ שלום and more words"
    cut = plain_text(text, limit_bytes=limit)
    assert len(cut.encode("utf-8")) <= limit
    assert cut.endswith("…") or cut == text
    assert text.startswith(cut.removesuffix("…"))


@pytest.mark.parametrize("limit", [20, 60, 200, 600])
def test_paragraphs_fit_their_limit_escapes_and_tags_included(limit):
    text = ("<see this> & that\n" * 30).strip()
    result = paragraphs_html(text, limit_bytes=limit)
    assert len(result.encode("utf-8")) <= limit
    typed = shown(result)
    assert typed.endswith("…") and text.startswith(typed.removesuffix("…").rstrip())


def test_a_phrase_is_html_only_when_it_must_be():
    """An RSS channel description: validators warn about markup there, gPodder shows a
    literal "&lt;" in it unless it holds a tag."""
    assert phrase_html("A series of talks & more.") == "A series of talks & more."
    assert phrase_html("A series <with> brackets") == "<p>A series &#60;with&#62; brackets</p>"
    assert phrase_html("Two\n\nparagraphs") == "<p>Two</p>\n<p>paragraphs</p>"
    assert phrase_html("word " * 10, limit_bytes=20) == "word word word…"


def test_attribute_text_for_html_readers():
    """OPML's text is read as HTML (the W3C validator's NotHtml): "<more>" is no tag there."""
    assert html_attribute_text("Talks & <more>") == "Talks & &lt;more>"
    assert html_attribute_text("Tom &amp; Jerry") == "Tom &amp;amp; Jerry"
    for text in ("Talks & <more>", "Tom &amp; Jerry", "a &b; c"):
        assert html.unescape(html_attribute_text(text)) == text
