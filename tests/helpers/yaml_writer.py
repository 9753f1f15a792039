"""Writing small test catalogs as YAML text (ruamel, so dates and quoting come out right)."""

from __future__ import annotations

import io

from ruamel.yaml import YAML

DEFAULT_SITE = {
    "title": "Test Talks",
    "base_url": "https://feeds.example.org/",
    "link": "https://example.org/",
    "language": "en",
    "author": "Test Author",
    "owner": {"name": "Test Owner", "email": "owner@example.org"},
    "image": "assets/cover.png",
}

DEFAULT_SERIES = {
    "title": "Test Series",
    "description": "A series of test talks.",
    "author": "Test Speaker",
    "category": "History",
    "explicit": False,
    "type": "episodic",
}


def dump(document: dict) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()
