"""`publisher check`: one feed per rule in tests/data/check, each breaking that rule, beside
the findings `check` must give for it (podcastparser's data-driven style).

`valid.xml` and `atom-valid.atom` pass with no finding at all; every other file is one of
them with one thing broken (or, for `*-valid`, one thing allowed; for `*-warning`, one
thing only warned about). `X.expected` lists the findings of `X` (one `str(finding)` a
line); the test asserts they are all given and that no other error is. Regenerate a
sidecar after an intended change of message:
    UPDATE_EXPECTED=1 python -m pytest tests/test_check.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from publisher.check import check_feed, check_folder
from publisher.check.findings import Finding
from publisher.formats.captions import Cue, to_vtt
from publisher.formats.chapters import to_json
from publisher.model import Chapter

DATA = Path(__file__).parent / "data" / "check"
CASES = sorted(p for p in DATA.iterdir() if p.suffix in (".xml", ".atom"))


def feed_path(case: Path) -> str:
    """Where the case is published: the Atom cases are the articles feed."""
    return "articles.atom" if case.suffix == ".atom" else "talks/podcast.xml"


def image(path: Path, size: tuple[int, int], fmt: str, mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, "navy").save(path, fmt)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The files the cases point at, with the lengths `valid.xml` declares."""
    out = tmp_path_factory.mktemp("published")
    media = out / "media" / "talks"
    image(out / "media" / "cover.png", (1400, 1400), "PNG")
    image(out / "media" / "cover.gif", (1400, 1400), "GIF", "P")
    image(out / "media" / "small.png", (200, 200), "PNG")
    image(media / "ep-art.jpg", (1400, 1400), "JPEG")
    (media / "ep.m4a").write_bytes(b"a" * 1000)
    (media / "ep.mp4").write_bytes(b"v" * 2000)
    (media / "ep.vtt").write_text(to_vtt([Cue(0, 1.5, "Comrades")]), encoding="utf-8")
    chapters = (Chapter(0, "Introduction"), Chapter(60, "Questions"))
    (media / "ep.chapters.json").write_text(to_json(chapters), encoding="utf-8")
    return out


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_case_gives_its_findings(case: Path, published: Path):
    findings = check_feed(feed_path(case), case.read_bytes(), published)
    lines = [str(finding) for finding in findings]
    expected_file = case.with_suffix(".expected")
    if os.environ.get("UPDATE_EXPECTED"):
        expected_file.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8").splitlines()
    assert lines == expected
    if case.stem.endswith("valid"):
        assert findings == []
    elif case.stem.endswith("warning"):
        assert findings and all(f.severity == "warning" for f in findings)
    else:
        assert any(f.severity == "error" for f in findings), "a broken feed must give an error"


def test_finding_prints_on_one_line_and_as_a_dict():
    finding = Finding("error", "talks/podcast.xml", "guid-1", "apple.explicit", "no")
    assert str(finding) == "error: talks/podcast.xml [guid-1] apple.explicit: no"
    assert finding.as_dict()["rule"] == "apple.explicit"
    assert str(Finding("warning", "a.xml", "", "r", "m")) == "warning: a.xml r: m"


def test_external_entities_are_not_expanded(published: Path, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    feed = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>&x;</title></channel></rss>'
    ).encode()
    findings = check_feed("talks/podcast.xml", feed, published)
    assert "TOP SECRET" not in "".join(map(str, findings))
    assert any(f.rule == "xml.doctype" for f in findings)


def test_check_folder_reads_every_feed_and_skips_media(published: Path, tmp_path: Path):
    out = tmp_path / "out"
    (out / "talks").mkdir(parents=True)
    (out / "talks" / "podcast.xml").write_bytes(b"<rss")
    (out / "media").mkdir()
    (out / "media" / "ignored.xml").write_bytes(b"<not a feed")
    (out / "sitemap.xml").write_bytes(b"<urlset/>")
    findings = check_folder(out)
    assert [(f.feed, f.rule) for f in findings] == [("talks/podcast.xml", "xml.wellformed")]
