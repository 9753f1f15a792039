"""The sanitiser every summary passes through on its way to a feed or a page."""

from __future__ import annotations

import pytest

from publisher.formats.sanitize import clean_html, looks_like_html, plain_text, truncate_utf8

# Each of these must come out with nothing that runs: no script, no handler, no js: URL.
ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img/src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<a href='javascript:alert(1)'>x</a>",
    "<a href=' javascript:alert(1)'>x</a>",
    "<a href='java&#x09;script:alert(1)'>x</a>",
    "<a href='JaVaScRiPt:alert(1)'>x</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    "<iframe src='https://evil.example'></iframe>",
    "<object data='x.swf'></object><embed src='x.swf'>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<p style='background:url(javascript:alert(1))' onclick='alert(1)'>x</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<form action='https://evil.example'><input name=x><button>go</button></form>",
    "<b onmouseover=alert(1)>x</b>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<meta http-equiv='refresh' content='0;url=https://evil.example'>",
    "<base href='https://evil.example/'>",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_that_runs_survives(attack):
    cleaned = clean_html(attack).lower()
    for bad in (
        "<script",
        "onerror",
        "onload",
        "onclick",
        "onmouseover",
        "javascript:",
        "vbscript:",
        "data:",
        "<iframe",
        "<object",
        "<embed",
        "<style",
        "style=",
        "<img",
        "<svg",
        "<form",
        "<input",
        "<meta",
        "<base",
        "alert(1)</",
    ):
        assert bad not in cleaned, (attack, cleaned)


def test_allowlisted_tags_are_kept():
    html = (
        "<p>A <strong>strong</strong> <em>em</em> <b>b</b> <i>i</i> <code>c</code><br>"
        "</p><ul><li>one</li></ul><ol><li>two</li></ol><blockquote>q</blockquote>"
    )
    assert clean_html(html) == html


def test_other_tags_are_stripped_keeping_their_text():
    assert clean_html("<div><span class='x'>kept</span> <u>too</u></div>") == "kept too"
    assert clean_html("<h1>Title</h1><p>text</p>") == "Title <p>text</p>"


def test_links_keep_href_and_title_and_get_rel():
    assert clean_html(
        '<a href="https://e.org/a?b=1&c=2" title="T" target="_blank" id="x">e</a>'
    ) == ('<a href="https://e.org/a?b=1&amp;c=2" title="T" rel="nofollow noopener">e</a>')
    assert clean_html('<a href="mailto:a@e.org">m</a>') == (
        '<a href="mailto:a@e.org" rel="nofollow noopener">m</a>'
    )


@pytest.mark.parametrize("href", ["/relative", "relative", "ftp://e.org/x", "#top", "//e.org"])
def test_only_absolute_http_https_mailto_links(href):
    assert "href" not in clean_html(f'<a href="{href}">x</a>')


def test_plain_text_becomes_escaped_paragraphs():
    text = 'First line\nsecond line\n\n\nTom & Jerry <3 "quotes"\n  \n  Last'
    assert clean_html(text) == (
        "<p>First line<br>\nsecond line</p>\n"
        "<p>Tom &amp; Jerry &lt;3 &quot;quotes&quot;</p>\n"
        "<p>Last</p>"
    )


@pytest.mark.parametrize("text", ["a <with> b", "x<y and y>z", "]]> & <tag-like>", "1 < 2"])
def test_plain_text_that_looks_a_bit_like_html_round_trips(text):
    assert not looks_like_html(text)
    assert plain_text(clean_html(text)) == text


def test_emoji_rtl_and_windows_newlines():
    text = "שלום עולם 🎙️\r\nمرحبا"
    assert clean_html(text) == "<p>שלום עולם 🎙️<br>\nمرحبا</p>"


def test_control_characters_are_removed():
    assert clean_html("a\x00b\x08c\x1bd") == "<p>abcd</p>"
    assert plain_text("<p>a\x0bb</p>") == "ab"


@pytest.mark.parametrize("empty", ["", "   ", "\n\n", "<p></p>"])
def test_empty_input(empty):
    assert plain_text(empty) == ""
    assert clean_html(empty) in ("", "<p></p>")


def test_plain_text_strips_tags_and_decodes_entities():
    html = "<p>Tom &amp; Jerry</p><p>&lt;b&gt; is &quot;bold&quot;<br>next&nbsp;line</p>"
    assert plain_text(html) == 'Tom & Jerry <b> is "bold" next\xa0line'.replace("\xa0", " ")


def test_plain_text_keeps_words_apart_at_block_edges():
    assert plain_text("<ul><li>one</li><li>two</li></ul><h2>three</h2>four") == (
        "one two three four"
    )


def test_plain_text_drops_script_and_style_content():
    assert plain_text("a<script>alert(1)</script><style>p{}</style>b") == "ab"


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


def test_plain_text_limit_applies_after_stripping():
    html = "<p>" + "word " * 100 + "</p>"
    result = plain_text(html, limit_bytes=4000)
    assert result == ("word " * 100).strip()
    assert plain_text(html, limit_bytes=20) == "word word word…"


def test_lines_of_text_with_inline_tags_keep_their_line_breaks():
    summary = "00:00 Introduction\n01:02:03 Questions & <b>answers</b>\n\nThanks."
    assert clean_html(summary) == (
        "<p>00:00 Introduction<br>\n01:02:03 Questions &amp; <b>answers</b></p>\n<p>Thanks.</p>"
    )
