"""`publisher validate` and the editor-facing catalog messages: file:line, field, hint.

One case per kind of catalog mistake. Each starts from a small valid catalog (`BASE`,
whose line numbers the expectations use), makes one mistake, and asserts every problem
line word for word, in the form `publisher validate` prints.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.validation import BASE, TITLE, problems_of

from publisher.catalog.load import load_catalog
from publisher.catalog.yamlnodes import compose_repairing
from publisher.cli.editor import validate_command
from publisher.errors import CatalogError

# name -> (text replaced in BASE ("" appends), replacement, expected problem lines)
CASES = {
    "unknown key": (TITLE, TITLE + "    summery: text\n", [
        "20: entries[0].summery: unknown key; did you mean 'summary'?",
    ]),
    "unknown key, nothing close": ("  author: Someone\n", "  author: Someone\n  colour: blue\n", [
        "7: site.colour: unknown key; known keys: title, base_url, link, language, author,"
        " owner, image, copyright, description, funding, license, hubs, pings,"
        " enclosure_prefix, feed_page_size, media_grace_days, limits, fetch, transcribe,"
        " all_talks, txt",
    ]),
    "empty file": ("", None, [
        "1: catalog: the file is empty; start from the example catalog in the README (site,"
        " series, entries)",
    ]),
    "duplicate key": (TITLE, TITLE + "    title: Again\n", [
        "20: entries[0].title: duplicate key (first given at line 19); keep one of them",
    ]),
    "duplicate id": ("", "  - id: july-days\n    kind: article\n    title: B\n"
                     "    published: 2017-07-21\n", [
        "21: entries[1].id: duplicate id 'july-days' (first used at line 16);"
        " ids are never reused; pick another",
    ]),
    "unknown series": ("series: russian-revolution-1917\n", "series: russian-revolution\n", [
        "18: entries[0].series: unknown series 'russian-revolution';"
        " did you mean 'russian-revolution-1917'?",
    ]),
    "bad slug": ("id: july-days", "id: July Days!", [
        "16: entries[0].id: 'July Days!' is not a slug (a-z, 0-9 and -, starting with a letter"
        " or digit); try 'july-days'",
    ]),
    "impossible date": ("published: 2017-07-20", "published: 2017-02-30", [
        "20: entries[0].published: '2017-02-30' is not a real date;"
        " write 2017-07-20 or 2017-07-20T18:00:00+01:00",
    ]),
    "date without time zone": ("published: 2017-07-20", "published: 2017-07-20T18:00:00", [
        "20: entries[0].published: '2017-07-20T18:00:00' has no time zone;"
        " add an offset, e.g. +00:00",
    ]),
    "missing required field": (TITLE, "", [
        "16: entries[0].title: is required",
    ]),
    "wrong type": (TITLE, TITLE + "    episode: four\n", [
        "20: entries[0].episode: expected a whole number, got 'four'",
    ]),
    "wrong choice": ("kind: video", "kind: vidoe", [
        "17: entries[0].kind: 'vidoe' is not one of: video, article; did you mean 'video'?",
    ]),
    "YAML tag": (TITLE, "    title: !!python/object/apply:os.system [echo hi]\n", [
        "19: yaml: the tag 'python/object/apply:os.system' is not allowed;"
        " catalogs hold plain values; remove the tag",
    ]),
    "tab": (TITLE, TITLE + "\tsummary: x\n", [
        "20: yaml: a tab character here; YAML indents with spaces only: replace the tab with"
        " spaces",
    ]),
    "a colon in a list item": (TITLE, TITLE + "    authors:\n      - Alan Woods: the man\n", [
        '21: entries[0].authors: expected text, but the ": " made it a key and a value; put'
        ' the text in quotes: "Alan Woods: the man"',
    ]),
    "a colon in a flow list": (TITLE, TITLE + "    authors: [Alan: Woods]\n", [
        '20: entries[0].authors: expected text, but the ": " made it a key and a value; put'
        ' the text in quotes: "Alan: Woods"',
    ]),
    "tab before a key": (TITLE, TITLE + "\t  summary: x\n", [
        "20: yaml: a tab character here; YAML indents with spaces only: replace the tab with"
        " spaces",
    ]),
    "unquoted colon": (TITLE, "    title: July Days: Counter-revolution within the revolution\n", [
        '19: yaml: a ": " inside the value of title (YAML takes it for a new key);'
        ' put the value in quotes: title: "July Days: Counter-revolution within the revolution"',
    ]),
    "unknown section": ("entries:\n", "entires:\n", [
        "15: entires: unknown key; did you mean 'entries'?",
        "1: entries: is required",
    ]),
    "serial talk without episode": ("    category: History\n", "    category: History\n"
                                    "    type: serial\n", [
        "17: entries[0].episode: is required in the serial series 'russian-revolution-1917';"
        " number the talk (episode: 1 is the first), or make the series episodic",
    ]),
    "transcription budget of nothing": ("  author: Someone\n", "  author: Someone\n"
                                        "  transcribe: {model: base, max_minutes: 0}\n", [
        "7: site.transcribe.max_minutes: 0 minutes is not more than 0 and at most 1440; e.g. 30",
    ]),
    "series transcribe neither switch nor model": ("    category: History\n",
                                                   "    category: History\n"
                                                   "    transcribe: often\n", [
        "15: series.russian-revolution-1917.transcribe: expected true or false, got 'often'",
    ]),
    "series transcription budget": ("    category: History\n", "    category: History\n"
                                    "    transcribe: {max_minutes: 5}\n", [
        "15: series.russian-revolution-1917.transcribe.max_minutes: unknown key;"
        " known keys: model",
    ]),
    "talk without a date": ("    published: 2017-07-20\n", "", [
        "16: entries[0].published: is required for a talk; e.g. 2017-07-20",
    ]),
    "not a language": ("    category: History\n",
                       "    category: History\n    language: english\n", [
        "15: series.russian-revolution-1917.language: 'english' is not a language code;"
        " e.g. en or en-GB",
    ]),
    "a locale, not a language tag": ("    category: History\n",
                                     "    category: History\n    language: pt_BR\n", [
        "15: series.russian-revolution-1917.language: 'pt_BR' is not a language code;"
        " a language tag has hyphens: pt-BR",
    ]),
    "soundbites out of shape": (TITLE, TITLE + '    soundbites: [{start: "12:75", duration: 0,'
                                ' title: x}, {duration: 5}]\n', [
        "20: entries[0].soundbites[0].start: '12:75' is not a time; write 12:30 or 1:02:03",
        "20: entries[0].soundbites[0].duration: must be more than 0 seconds",
        "20: entries[0].soundbites[1].start: is required",
    ]),
    "soundbites of an article": ("    kind: video\n    series: russian-revolution-1917\n",
                                 "    kind: article\n    soundbites: [{start: 5, duration: 5}]\n", [
        "18: entries[0].soundbites: only a talk (kind: video) has soundbites;"
        " remove them from the article",
    ]),
    "txt not a mapping": ("  author: Someone\n", "  author: Someone\n  txt: [token]\n", [
        "7: site.txt: expected a mapping of purpose: text; applepodcastsverify: <token>",
    ]),
    "unknown category": ("category: History", "category: Histroy", [
        "14: series.russian-revolution-1917.category: 'Histroy' is not an Apple Podcasts"
        " category; did you mean 'History'?",
    ]),
    "episode title over 255 characters": (TITLE, f"    title: {'x' * 256}\n", [
        "19: entries[0].title: is 256 characters long; Apple Podcasts takes titles of at"
        " most 255; shorten it; the summary can say the rest",
    ]),
    "show title over 255 characters": ('title: "1917"', f"title: {'y' * 300}", [
        "11: series.russian-revolution-1917.title: is 300 characters long; Apple Podcasts"
        " takes titles of at most 255; shorten it; the summary can say the rest",
    ]),
    "new_video_feed_url not a URL": ("    category: History\n", "    category: History\n"
                                     "    new_video_feed_url: feeds/video.xml\n", [
        "15: series.russian-revolution-1917.new_video_feed_url: 'feeds/video.xml' is not an"
        " http(s) URL; write it as https://…",
    ]),
    "a title of 255 characters is fine": (TITLE, f"    title: {'x' * 255}\n    extra: 1\n", [
        "20: entries[0].extra: unknown key; known keys: id, kind, series, title, source, link,"
        " published, authors, summary, episode, season, episode_type, explicit, guid,"
        " language, soundbites",
    ]),
    # what validate lets through, build must be able to do: a base URL a path can follow,
    # and numbers the episode files' tags hold
    "base_url with a query": ("https://feeds.example.org/\n", "https://feeds.example.org/?s=1\n", [
        "3: site.base_url: 'https://feeds.example.org/?s=1' has a query or fragment (? or #):"
        " feed URLs would be written inside it; give the folder's address alone,"
        " e.g. https://feeds.example.org/",
    ]),
    "base_url with a fragment": ("https://feeds.example.org/\n",
                                 "https://feeds.example.org/#top\n", [
        "3: site.base_url: 'https://feeds.example.org/#top' has a query or fragment (? or #):"
        " feed URLs would be written inside it; give the folder's address alone,"
        " e.g. https://feeds.example.org/",
    ]),
    "base_url with an empty query": ("https://feeds.example.org/\n",
                                     "https://feeds.example.org/feeds?\n", [
        "3: site.base_url: 'https://feeds.example.org/feeds?' has a query or fragment (? or #):"
        " feed URLs would be written inside it; give the folder's address alone,"
        " e.g. https://feeds.example.org/",
    ]),
    "episode past what tags hold": (TITLE, TITLE + "    episode: 70000\n", [
        "20: entries[0].episode: 70000 is more than 65,535, the most an episode file's tags"
        " hold; number the talks from 1",
    ]),
    "season past what tags hold": (TITLE, TITLE + "    season: 100000000000000000000\n", [
        "20: entries[0].season: 100000000000000000000 is more than 65,535, the most an episode"
        " file's tags hold; number the talks from 1",
    ]),
    # what `check` refuses in every feed: said by validate, at its line, not by every build
    "owner e-mail without a domain": ("o@example.org", "o@example", [
        "7: site.owner.email: 'o@example' is not an e-mail address; write it as"
        " name@example.org",
    ]),
    "funding over http": ("  author: Someone\n",
                          "  author: Someone\n  funding: {url: 'http://example.org/give',"
                          " text: Give}\n", [
        "7: site.funding.url: is not https, as base_url is; write it with https:// (the feeds"
        " are served over https)",
    ]),
    "enclosure prefix over http": ("  author: Someone\n",
                                   "  author: Someone\n  enclosure_prefix: http://op3.dev/e/\n", [
        "7: site.enclosure_prefix: is not https, as base_url is; write it with https:// (the"
        " feeds are served over https)",
    ]),
    "update frequency in words": ("    author: Alan Woods\n",
                                  "    author: Alan Woods\n    update_frequency: every week\n", [
        "14: series.russian-revolution-1917.update_frequency: 'every week' is not an RFC 5545"
        " RRULE; write a rule such as FREQ=WEEKLY or FREQ=MONTHLY;INTERVAL=2 (names in"
        " capitals)",
    ]),
    "update frequency with a superscript interval": (
        "    author: Alan Woods\n",
        "    author: Alan Woods\n    update_frequency: FREQ=WEEKLY;INTERVAL=²\n", [
        "14: series.russian-revolution-1917.update_frequency: 'FREQ=WEEKLY;INTERVAL=²' is not"
        " an RFC 5545 RRULE; write a rule such as FREQ=WEEKLY or FREQ=MONTHLY;INTERVAL=2"
        " (names in capitals)",
    ]),
}  # fmt: skip

BYTE_CASES = {
    "BOM": (b"\xef\xbb\xbf" + BASE.encode(), [
        "1: file: starts with a byte-order mark; save it as UTF-8 without BOM",
    ]),
    "not UTF-8": (BASE.replace("Someone", "Jos\xe9").encode("latin-1"), [
        "6: file: is not UTF-8 (byte 0xe9); save the file as UTF-8",
    ]),
    "control character": (BASE.replace("Someone", "Some\x07one").encode(), [
        "6: file: contains the control character U+0007; delete it",
    ]),
}  # fmt: skip


@pytest.fixture(autouse=True)
def cover(tmp_path: Path) -> Path:
    """The cover image BASE names, beside the catalogs the tests write in `tmp_path`."""
    path = tmp_path / "cover.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    return path


def test_the_base_catalog_is_valid(tmp_path):
    path = tmp_path / "media_catalog.yaml"
    path.write_text(BASE)
    assert [entry.id for entry in load_catalog(path).entries] == ["july-days"]


@pytest.mark.parametrize("name", CASES)
def test_each_mistake_is_located_and_explained(tmp_path, name):
    old, new, expected = CASES[name]
    path = tmp_path / "media_catalog.yaml"
    if new is None:
        path.write_text("")
    else:
        path.write_text(BASE + new if old == "" else BASE.replace(old, new, 1))
    assert problems_of(path) == expected


@pytest.mark.parametrize("name", BYTE_CASES)
def test_text_that_is_not_clean_utf8_is_located(tmp_path, name):
    data, expected = BYTE_CASES[name]
    path = tmp_path / "media_catalog.yaml"
    path.write_bytes(data)
    assert problems_of(path) == expected


def test_a_tab_and_a_colon_do_not_hide_the_other_problems(tmp_path):
    """YAML stops at the first of these; the repair it names lets the rest be read."""
    path = tmp_path / "media_catalog.yaml"
    text = BASE.replace(TITLE, "    title: July Days: after\n\tsummary: x\n", 1)
    path.write_text(text.replace("kind: video", "kind: vidoe").replace("2017-07-20", "2017-02-30"))
    problems = problems_of(path)
    assert [problem.split(":", 1)[0] for problem in problems] == ["19", "20", "17", "21"]
    assert "put the value in quotes" in problems[0] and "tab" in problems[1]
    assert "entries[0].kind" in problems[2] and "entries[0].published" in problems[3]


def test_an_unclosed_bracket_names_the_line_it_opened_on(tmp_path):
    path = tmp_path / "media_catalog.yaml"
    path.write_text(
        BASE.replace("  owner: {name: Owner, email: o@example.org}\n", "  owner: {name: Owner\n")
    )
    [problem] = problems_of(path)
    assert problem.endswith("; close the { opened on line 7"), problem


def test_an_unclosed_quote_points_at_the_quote(tmp_path):
    path = tmp_path / "media_catalog.yaml"
    path.write_text(BASE.replace(TITLE, '    title: "July Days\n'))
    assert problems_of(path) == ["19: yaml: a quote is never closed; close the quote"]


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "media_catalog.yaml"
    path.write_text(
        BASE.replace("series: russian-revolution-1917\n", "series: russian-revolution\n")
        .replace(TITLE, TITLE + "    summery: text\n")
        .replace("language: en", "language: english!")
    )
    assert problems_of(path) == [
        "5: site.language: 'english!' is not a language code; e.g. en or en-GB",
        "20: entries[0].summery: unknown key; did you mean 'summary'?",
        "18: entries[0].series: unknown series 'russian-revolution';"
        " did you mean 'russian-revolution-1917'?",
    ]


def test_ids_and_series_are_checked_in_entries_with_other_mistakes(tmp_path):
    """A bad date in an entry must not hide its unknown series, nor a later duplicate id."""
    path = tmp_path / "media_catalog.yaml"
    text = BASE.replace("series: russian-revolution-1917\n", "series: russian-revolution\n")
    text = text.replace("published: 2017-07-20", "published: 2017-02-30")
    path.write_text(
        text + "  - id: july-days\n    kind: article\n    title: B\n    published: someday\n"
    )
    assert problems_of(path) == [
        "20: entries[0].published: '2017-02-30' is not a real date;"
        " write 2017-07-20 or 2017-07-20T18:00:00+01:00",
        "18: entries[0].series: unknown series 'russian-revolution';"
        " did you mean 'russian-revolution-1917'?",
        "24: entries[1].published: 'someday' is not a real date;"
        " write 2017-07-20 or 2017-07-20T18:00:00+01:00",
        "21: entries[1].id: duplicate id 'july-days' (first used at line 16);"
        " ids are never reused; pick another",
    ]


def test_an_unknown_series_near_an_invalid_one_gets_a_suggestion(tmp_path):
    path = tmp_path / "media_catalog.yaml"
    path.write_text(
        BASE.replace("category: History", "category: Histroy").replace(
            "series: russian-revolution-1917\n", "series: russian-revolution\n"
        )
    )
    assert problems_of(path)[-1] == (
        "18: entries[0].series: unknown series 'russian-revolution';"
        " did you mean 'russian-revolution-1917'?"
    )


# The command -------------------------------------------------------------------------


def validate(path: Path):
    return CliRunner().invoke(validate_command, ["--catalog", str(path)])


def test_validate_prints_every_problem_and_exits_1(tmp_path):
    path = tmp_path / "media_catalog.yaml"
    path.write_text(
        BASE.replace("series: russian-revolution-1917\n", "series: russian-revolution\n")
    )
    before = path.read_bytes()
    result = validate(path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {path} has 1 problem — fix it; nothing was written\n"
        f"{path}:18: entries[0].series: unknown series 'russian-revolution';"
        " did you mean 'russian-revolution-1917'?\n"
    )
    assert path.read_bytes() == before


def test_validate_a_valid_catalog(shipped_catalog):
    result = validate(shipped_catalog)
    assert result.exit_code == 0
    assert result.stdout == f"{shipped_catalog}: valid (3 series, 6 talks, 6 articles)\n"


def test_validate_a_missing_file(tmp_path):
    result = validate(tmp_path / "nothing.yaml")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {tmp_path}/nothing.yaml has 1 problem — fix it; nothing was written\n"
        f"{tmp_path}/nothing.yaml:0: file: cannot read it: No such file or directory;"
        " check the path, or give the catalog with --catalog\n"
    )


def test_a_guid_pinned_twice_is_refused(tmp_path):
    path = tmp_path / "media_catalog.yaml"
    second = "  - id: b\n    kind: article\n    title: B\n    published: 2017-07-21\n"
    pinned = "    guid: tag:old-host,2017:1\n"
    path.write_text(BASE.replace(TITLE, TITLE + pinned) + second + pinned)
    assert problems_of(path) == [
        "26: entries[1].guid: duplicate guid 'tag:old-host,2017:1' (first used at line 16);"
        " a GUID names one episode; remove it from one of them",
    ]


def test_a_cover_image_that_is_not_there_is_located(tmp_path, cover):
    cover.unlink()
    path = tmp_path / "media_catalog.yaml"
    path.write_text(BASE)
    assert problems_of(path) == [
        "8: site.image: there is no file 'cover.png'; give a path relative to the catalog,"
        " or a URL",
    ]


def test_paging_a_serial_show_is_refused_where_it_is_set(tmp_path):
    """Apple gives a serial show's new listeners episode 1, from the newest page only."""
    text = (
        BASE.replace("  image: cover.png\n", "  image: cover.png\n  feed_page_size: 10\n")
        .replace("    category: History\n", "    category: History\n    type: serial\n")
        .replace("    published: 2017-07-20\n", "    published: 2017-07-20\n    episode: 1\n")
    )
    path = tmp_path / "media_catalog.yaml"
    path.write_text(text, encoding="utf-8")
    assert problems_of(path) == [
        "9: site.feed_page_size: would page the serial series 'russian-revolution-1917': Apple"
        " reads only the newest page and starts a serial show's new listeners at its first"
        " episode; remove feed_page_size (or set it to 0), or make the series episodic",
    ]
    path.write_text(text.replace("feed_page_size: 10", "feed_page_size: 0"), encoding="utf-8")
    assert load_catalog(path).site.feed_page_size == 0


def test_repairs_cost_a_few_reads_of_the_file_however_many_tabs(tmp_path):
    """Each repair reads the file again up to the next mistake: a large catalog with a
    pasted block of tab-indented lines at its end took 50 full reads (22 s for 5,000
    articles). The repairs stop once they have read the file a few times over."""
    entry = "  - id: a-{0}\n    kind: article\n    title: A {0}\n    published: 2017-07-22\n"
    good = "".join(entry.format(i) for i in range(5000))
    tabbed = "".join(entry.format(i).replace("    kind", "\tkind") for i in range(5000, 5100))
    head = BASE[: BASE.index("entries:")] + "entries:\n"
    started = time.perf_counter()
    compose_repairing(head + good, "c.yaml")
    one_read = time.perf_counter() - started
    started = time.perf_counter()
    with pytest.raises(CatalogError) as refused:
        compose_repairing(head + good + tabbed, "c.yaml")
    repairing = time.perf_counter() - started
    assert refused.value.problems, "the first tabs are still reported, with their hint"
    assert all("tab" in problem.message for problem in refused.value.problems)
    assert repairing < 12 * one_read, f"{repairing:.2f} s against {one_read:.2f} s for one read"
