"""`publisher add`: entries proposed from pages served on 127.0.0.1, appended byte-exactly.

The video page is the media server's (`helpers.media_fixtures`); article pages are served here.
Every add is checked against the catalog's bytes: the file after a successful add is
the file before plus the new entry, and after a failed add it is the file before.
"""

from __future__ import annotations

import errno
import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.loopback import QuietHandler, QuietServer

from publisher import sources
from publisher.catalog import append
from publisher.catalog.append import fold_positions, splice
from publisher.catalog.load import load_catalog
from publisher.cli.editor import add_command
from publisher.editor.add import same_url_key, slugify, unique_id
from publisher.errors import SourceError, SourceRefused
from publisher.messages import describe
from publisher.tools import webpages

SERIES = "russian-revolution-1917"

JSON_LD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "name": "In Defence of Marxism"},
        {
            "@type": "NewsArticle",
            "headline": "Lenin's April Theses — 100 years on",
            "description": "In April 1917 Lenin returned to Russia.  He  armed the party.",
            "author": [{"@type": "Person", "name": "Alan Woods"}, {"name": "Rob Sewell"}],
            "datePublished": "2017-04-17T09:30:00+01:00",
            "image": {"@type": "ImageObject", "url": "/images/april.jpg"},
        },
    ],
}

PAGES = {
    "/article.html": f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Site title | IDOM</title>
<meta property="og:title" content="The Open Graph title loses to JSON-LD">
<meta property="og:description" content="The Open Graph description loses too">
<script type="application/ld+json">{json.dumps(JSON_LD)}</script>
</head><body><p>Text</p></body></html>""",
    "/og.html": """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Plain title</title>
<meta property="og:title" content="Dual power &amp; the Soviets">
<meta property="og:description" content="Who holds power in Petrograd?">
<meta property="article:published_time" content="2017-03-20">
<meta name="author" content="Ben Curry">
<script type="application/ld+json">{ not json </script>
</head><body></body></html>""",
    "/bare.html": "<!DOCTYPE html><html><body><p>No metadata at all.</p></body></html>",
    "/es.html": """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">
<meta property="og:title" content="La revolución española">
<meta property="og:locale" content="es_ES">
<meta property="article:published_time" content="2016-07-19">
</head><body></body></html>""",
    "/en.html": """<!DOCTYPE html><html lang="EN"><head>
<meta property="og:title" content="In the site's language">
<meta property="article:published_time" content="2016-07-19">
</head><body></body></html>""",
    # JSON-LD nested past the stack (json.loads raised RecursionError), and an author list
    # nested just inside it: neither may stop the page being read from its other tags.
    "/deep.html": """<html><head><meta property="og:title" content="Deep but fine">
<script type="application/ld+json">"""
    + "[" * 100_000
    + "]" * 100_000
    + """</script>
<script type="application/ld+json">{"@type": "Article", "author": """
    + "[" * 900
    + '"Nobody"'
    + "]" * 900
    + """}</script></head><body></body></html>""",
    "/big.html": "<html><head><title>Big</title></head><body>" + "x" * 5000 + "</body></html>",
}


class ArticleHandler(QuietHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/to-metadata":  # a public-looking page bouncing to cloud metadata
            return self._send(302, b"", {"Location": "http://169.254.169.254/latest/"})
        if self.path == "/moved":
            return self._send(301, b"", {"Location": "/og.html"})
        body = PAGES.get(self.path)
        if body is None:
            return self._send(404, b"not found", {"Content-Type": "text/plain"})
        self._send(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})

    def _send(self, status, body, headers):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def pages():
    server = QuietServer(("127.0.0.1", 0), ArticleHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_add(catalog: Path, *args: str):
    arguments = [*args, "--catalog", str(catalog)]
    return CliRunner().invoke(add_command, arguments, catch_exceptions=False)


def added(catalog: Path, before: bytes) -> str:
    """What an add appended; asserting on it also asserts the old bytes are a prefix."""
    after = catalog.read_bytes()
    assert after.startswith(before)
    return after[len(before) :].decode()


def today() -> str:
    return datetime.now(UTC).date().isoformat()


# Adding ------------------------------------------------------------------------------


def test_video_page_is_added_after_the_last_entry_and_nothing_else_changes(
    shipped_catalog, media_server
):
    before = shipped_catalog.read_bytes()
    url = media_server.url("/page.html")
    result = run_add(shipped_catalog, url, "--series", SERIES, "--allow-private-sources")
    assert result.exit_code == 0, result.output
    after = shipped_catalog.read_bytes()
    assert after.startswith(before)  # every comment and byte of the old file is kept
    # the page's own title, not yt-dlp's generic "… (1)"; no date on it: a marked guess
    added = f"""
  - id: july-days-counter-revolution-reaction
    kind: video
    series: russian-revolution-1917
    title: "July Days: Counter-revolution & <reaction>"
    source: {url}
    link: {url}
    published: {today()}  # a guess: the page gives no date — correct it
    episode: 7
    summary: A talk about the July Days of 1917.
"""
    assert after[len(before) :].decode() == added
    assert f"added 'july-days-counter-revolution-reaction' to {shipped_catalog}:211" in (
        result.output
    )
    assert (
        "note: episode 7: the next number in the serial series 'russian-revolution-1917'"
        " — correct it if the talk belongs elsewhere"
    ) in result.output
    assert "note: the page gives no date; today's date was used — correct it if needed" in (
        result.output
    )
    entry = load_catalog(shipped_catalog).entries[-1]
    assert (entry.line, entry.source, entry.episode) == (211, url, 7)


def test_a_page_gives_its_own_date_and_a_title_without_invisible_controls(
    shipped_catalog, media_server
):
    """Not the file's Last-Modified: the page's <time>; U+202E and U+200B are dropped."""
    before = shipped_catalog.read_bytes()
    url = media_server.url("/dated-page.html")
    result = run_add(shipped_catalog, url, "--series", SERIES, "--allow-private-sources")
    assert result.exit_code == 0, result.output
    text = added(shipped_catalog, before)
    assert '    title: "July Days"\n' in text and "  - id: july-days-2\n" in text  # 1 is taken
    assert "    published: 2017-07-20\n" in text and "guess" not in text
    assert "\u202e" not in text and "\u200b" not in text


def test_an_impossible_date_is_refused_and_said(shipped_catalog, media_server):
    before = shipped_catalog.read_bytes()
    url = media_server.url("/future-page.html")
    result = run_add(shipped_catalog, url, "--series", SERIES, "--allow-private-sources")
    assert result.exit_code == 0, result.output
    text = added(shipped_catalog, before)
    assert "9999" not in text
    assert f"    published: {today()}  # a guess: the page gives no date — correct it\n" in text
    assert "note: the date the source gives, 9999-12-31, cannot be right" in result.output


def test_article_with_json_ld(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    result = run_add(
        shipped_catalog, pages + "/article.html", "--kind", "article", "--allow-private-sources"
    )
    assert result.exit_code == 0, result.output
    assert (
        added(shipped_catalog, before)
        == f"""
  - id: lenins-april-theses-100-years-on
    kind: article
    title: "Lenin's April Theses — 100 years on"
    link: {pages}/article.html
    published: '2017-04-17T09:30:00+01:00'
    authors: [Alan Woods, Rob Sewell]
    summary: In April 1917 Lenin returned to Russia. He armed the party.
"""
    )
    assert f"note: image: {pages}/images/april.jpg" in result.output


def test_article_with_open_graph_only_after_a_redirect(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    result = run_add(
        shipped_catalog,
        pages + "/moved",
        "--kind",
        "article",
        "--series",
        "february-to-july-1917",
        "--allow-private-sources",
    )
    assert result.exit_code == 0, result.output
    assert (
        added(shipped_catalog, before)
        == f"""
  - id: dual-power-the-soviets
    kind: article
    series: february-to-july-1917
    title: "Dual power & the Soviets"
    link: {pages}/og.html
    published: 2017-03-20
    authors: [Ben Curry]
    summary: Who holds power in Petrograd?
"""
    )


def test_article_in_another_language_is_proposed_with_it(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    args = ["--kind", "article", "--allow-private-sources"]
    assert run_add(shipped_catalog, pages + "/es.html", *args).exit_code == 0
    assert (
        added(shipped_catalog, before)
        == f"""
  - id: la-revolucion-espanola
    kind: article
    title: "La revolución española"
    link: {pages}/es.html
    published: 2016-07-19
    language: es
"""
    )
    before = shipped_catalog.read_bytes()
    assert run_add(shipped_catalog, pages + "/en.html", *args).exit_code == 0
    assert "language:" not in added(shipped_catalog, before), "the site's language goes unsaid"


def test_page_without_metadata_needs_a_title(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    url = pages + "/bare.html"
    result = run_add(shipped_catalog, url, "--kind", "article", "--allow-private-sources")
    assert result.exit_code == 1
    assert result.stderr == f"error: {url} has no title — give one with --title\n"
    assert shipped_catalog.read_bytes() == before

    args = [url, "--kind", "article", "--title", "A page", "--allow-private-sources"]
    assert run_add(shipped_catalog, *args).exit_code == 0
    assert (
        added(shipped_catalog, before)
        == f"""
  - id: a-page
    kind: article
    title: "A page"
    link: {url}
    published: {today()}  # a guess: the page gives no date — correct it
"""
    )


def test_dry_run_shows_the_entry_and_writes_nothing(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    url = pages + "/og.html"
    result = run_add(
        shipped_catalog, url, "--kind", "article", "--id", "my-id", "--dry-run",
        "--allow-private-sources",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "  - id: my-id\n" in result.output
    assert f"dry run: 'my-id' is valid; {shipped_catalog} was not changed" in result.output
    assert shipped_catalog.read_bytes() == before


def test_deeply_nested_json_ld_is_ignored(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    result = run_add(
        shipped_catalog, pages + "/deep.html", "--kind", "article", "--allow-private-sources"
    )
    assert result.exit_code == 0, result.output
    appended = added(shipped_catalog, before)
    assert '    title: "Deep but fine"\n' in appended
    assert "authors" not in appended


# Refusals leave the file byte-identical ------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://communist.red/july-days-counter-revolution-within-the-revolution-video/",
        "http://communist.red/july-days-counter-revolution-within-the-revolution-video",
        "https://www.communist.red/july-days-counter-revolution-within-the-revolution-video/#t",
    ],
)
def test_a_url_already_in_the_catalog_is_refused_with_its_id(shipped_catalog, url):
    before = shipped_catalog.read_bytes()
    result = run_add(shipped_catalog, url, "--series", SERIES)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {url} is already in the catalog as 'july-days' (media_catalog.yaml:75)"
        " — edit that entry instead\n"
    )
    assert shipped_catalog.read_bytes() == before


def test_a_404_is_refused(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    url = pages + "/gone.html"
    result = run_add(shipped_catalog, url, "--kind", "article", "--allow-private-sources")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: source {url}: HTTP 404, the media was removed or moved — check the address in"
        " a browser and correct the entry's source\n"
    )
    assert shipped_catalog.read_bytes() == before


def test_a_video_404_is_refused(shipped_catalog, media_server):
    before = shipped_catalog.read_bytes()
    url = media_server.url("/404")
    result = run_add(shipped_catalog, url, "--series", SERIES, "--allow-private-sources")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: source {url}: HTTP 404, the media was removed or moved — check the address in"
        " a browser and correct the entry's source\n"
    )
    assert shipped_catalog.read_bytes() == before


def test_private_addresses_are_refused_without_the_flag(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    url = pages + "/og.html"
    result = run_add(shipped_catalog, url, "--kind", "article")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: source {url} refused: 127.0.0.1 is a loopback address (127.0.0.1)"
        " — use --allow-private-sources to read from intranets\n"
    )
    assert shipped_catalog.read_bytes() == before


def test_a_local_file_is_no_address_to_add(shipped_catalog):
    before = shipped_catalog.read_bytes()
    result = run_add(shipped_catalog, "talks/july.m4a", "--series", "russian-revolution-1917")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: talks/july.m4a is not a web address — publisher add reads a talk's or an"
        " article's page; a local file goes into the catalog by hand, as an entry's source\n"
    )
    assert shipped_catalog.read_bytes() == before


def test_unknown_series_gets_a_did_you_mean(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    result = run_add(shipped_catalog, pages + "/og.html", "--series", "russian-revolution")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: unknown series 'russian-revolution' — did you mean 'russian-revolution-1917'?\n"
    )
    result = run_add(shipped_catalog, pages + "/og.html")
    assert result.stderr == (
        "error: a talk needs a series — give --series, one of: russian-revolution-1917,"
        " leon-trotsky-documentary, february-to-july-1917\n"
    )
    assert shipped_catalog.read_bytes() == before


def test_ids_are_unique_and_checked(shipped_catalog, pages):
    before = shipped_catalog.read_bytes()
    args = ["--kind", "article", "--allow-private-sources"]
    result = run_add(shipped_catalog, pages + "/og.html", *args, "--id", "july-days")
    assert result.stderr == "error: the id 'july-days' is already used — choose another with --id\n"
    result = run_add(shipped_catalog, pages + "/og.html", *args, "--id", "Bad_Id")
    assert result.stderr == (
        "error: 'Bad_Id' is not a slug (a-z, 0-9 and -, starting with a letter or digit)"
        " — try 'bad-id'\n"
    )
    assert shipped_catalog.read_bytes() == before
    result = run_add(shipped_catalog, pages + "/og.html", *args, "--title", "July Days")
    assert result.exit_code == 0
    assert "  - id: july-days-2\n" in shipped_catalog.read_text()


def test_an_invalid_catalog_is_not_added_to(shipped_catalog, pages):
    text = shipped_catalog.read_text().replace("kind: article", "kind: articel", 1)
    shipped_catalog.write_text(text)
    before = shipped_catalog.read_bytes()
    result = run_add(shipped_catalog, pages + "/og.html", "--kind", "article")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {shipped_catalog} has 1 problem — fix it; nothing was written\n"
        f"{shipped_catalog}:142: entries[6].kind: 'articel' is not one of: video, article;"
        " did you mean 'article'?\n"
    )
    assert shipped_catalog.read_bytes() == before


def test_disk_full_leaves_the_catalog_and_no_temp_file(shipped_catalog, pages, monkeypatch):
    def write_to_a_full_disk(temp: Path, data: bytes) -> None:
        with open("/dev/full", "wb") as full:  # a real ENOSPC from the kernel
            full.write(data)
            full.flush()

    monkeypatch.setattr(append, "write_candidate", write_to_a_full_disk)
    before = shipped_catalog.read_bytes()
    result = run_add(shipped_catalog, pages + "/og.html", "--kind", "article",
                     "--allow-private-sources")  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the disk is full (writing {shipped_catalog}) — free some space and run again;"
        " no file was left half-written\n"
    )
    assert shipped_catalog.read_bytes() == before
    assert sorted(p.name for p in shipped_catalog.parent.iterdir()) == [
        ".publisher",  # the state folder, holding add's lock
        "assets",
        "media_catalog.yaml",
    ]
    assert [p.name for p in (shipped_catalog.parent / ".publisher").iterdir()] == ["catalog.lock"]


def test_no_write_permission_names_the_catalog(shipped_catalog, pages, monkeypatch):
    def refuse(temp: Path, data: bytes) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(temp))

    monkeypatch.setattr(append, "write_candidate", refuse)  # root ignores chmod
    before = shipped_catalog.read_bytes()
    result = run_add(shipped_catalog, pages + "/og.html", "--kind", "article",
                     "--allow-private-sources")  # fmt: skip
    assert result.stderr == (
        f"error: no permission to write {shipped_catalog} — give this user write access to it,"
        " or choose another --out or --catalog\n"
    )
    assert shipped_catalog.read_bytes() == before


# The pieces ----------------------------------------------------------------------------


def test_page_size_is_capped(pages, monkeypatch):
    monkeypatch.setattr(webpages, "MAX_BYTES", 1000)
    with pytest.raises(SourceError, match="is larger than 0 MB"):
        webpages.read_page_meta(pages + "/big.html", allow_private=True)


def test_every_redirect_hop_is_checked(pages, monkeypatch):
    """The test server's 127.0.0.1 stands for the internet; the hop it sends is refused."""
    real_check, real_refusal = sources.check_url, sources.address_refusal
    hops = []

    def check(url: str, allow_private: bool) -> str:
        hops.append(url)
        return real_check(url, allow_private)

    monkeypatch.setattr(sources, "check_url", check)
    monkeypatch.setattr(
        sources, "address_refusal", lambda ip: None if ip == "127.0.0.1" else real_refusal(ip)
    )
    with pytest.raises(SourceRefused) as refused:
        webpages.fetch(pages + "/to-metadata", allow_private=False)
    assert describe(refused.value) == (
        "source http://169.254.169.254/latest/ refused: 169.254.169.254 is a link-local address"
        " (169.254.169.254) — use --allow-private-sources to read from intranets"
    )
    assert hops == [pages + "/to-metadata", "http://169.254.169.254/latest/"]


def test_splice_into_a_zero_indented_file_with_crlf_and_trailing_comments():
    original = (
        "site: {title: t}\r\nentries:\r\n- id: a\r\n  kind: article\r\n"
        "# a comment kept after the entries\r\nseries: {}"
    )
    appended = splice(original, {"id": "b", "kind": "article", "published": date(2020, 1, 2)})
    assert appended.text == (
        "site: {title: t}\nentries:\n- id: a\n  kind: article\n\n- id: b\n  kind: article\n"
        "  published: 2020-01-02\n# a comment kept after the entries\nseries: {}"
    )
    assert appended.line == 6


def test_splice_after_a_folded_summary_and_at_a_file_without_final_newline():
    original = "entries:\n  - id: a\n    summary: >-\n      one\n      two\n\n\n  - id: c"
    appended = splice(original, {"id": "b", "title": "B"})
    assert appended.text == original + '\n\n  - id: b\n    title: "B"\n'


def test_long_summaries_are_folded_within_the_width():
    text = " ".join(["word"] * 60)
    positions = fold_positions(text, 40)
    lines, start = [], 0
    for position in [*positions, len(text)]:
        lines.append(text[start:position])
        start = position + 1
    assert all(len(line) <= 40 for line in lines) and " ".join(lines) == text


def test_slugs_and_urls():
    assert slugify("Lenin’s “April Theses” — 1917!") == "lenins-april-theses-1917"
    assert slugify("Lenin's April Theses") == "lenins-april-theses"
    assert slugify("Ωμέγα") == "entry"
    assert len(slugify("word " * 30)) <= 64
    assert unique_id("a", {"a", "a-2"}) == "a-3"
    assert same_url_key("https://www.x.org/a/?q=1#f") == same_url_key("http://x.org/a?q=1")
    assert same_url_key("http://x.org:8080/a") != same_url_key("http://x.org/a")
    assert same_url_key("http://x.org:port/a") == "x.org:port/a"  # no crash on a bad port


def test_one_youtube_video_is_one_url_whichever_address_names_it():
    video = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    for address in (
        "https://youtu.be/dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ?t=42",
        "https://youtube.com/watch?v=dQw4w9WgXcQ&list=PL0123456789&index=3",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "https://www.youtube.com/shorts/dQw4w9WgXcQ",
        "https://www.youtube.com/live/dQw4w9WgXcQ",
    ):
        assert same_url_key(address) == same_url_key(video), address
    for other in (
        "https://www.youtube.com/watch?v=aaaaaaaaaaa",
        "https://www.youtube.com/playlist?list=PL0123456789",
        "https://www.youtube.com/@marxist",
        "https://example.org/watch?v=dQw4w9WgXcQ",
    ):
        assert same_url_key(other) != same_url_key(video), other
    # an embedded playlist is its list, not a video named "videoseries"
    assert same_url_key("https://www.youtube.com/embed/videoseries?list=PL1") != same_url_key(
        "https://www.youtube.com/embed/videoseries?list=PL2"
    )


def test_the_library_call_takes_the_catalog_lock_itself(shipped_catalog):
    """`add()` is safe to call from anywhere, not only from the command: while another
    add holds the catalog's lock it refuses at once and leaves the file alone."""
    from publisher.editor.add import AddRequest, add
    from publisher.errors import LockHeld
    from publisher.output.lock import RunLock
    from publisher.state import state_path_for

    before = shipped_catalog.read_bytes()
    request = AddRequest(url="https://example.org/a-new-article", kind="article")
    lock = RunLock(state_path_for(shipped_catalog).parent, "catalog.lock")
    with lock, pytest.raises(LockHeld):
        add(shipped_catalog, request)
    assert shipped_catalog.read_bytes() == before
